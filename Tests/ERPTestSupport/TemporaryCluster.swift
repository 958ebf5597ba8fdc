public import ERPDevCluster
import Foundation

extension PrivateCluster {
  /// A private cluster of its own for one test (a PostgreSQL the test stops and starts), in a
  /// new temporary folder named after `prefix`; stopped and removed after `body`, however it
  /// ends (a `defer` cannot await the stop).
  public static func withTemporary<T>(
    _ prefix: String,
    _ body: (PrivateCluster) async throws -> T
  ) async throws -> T {
    let cluster = try await PrivateCluster.start(
      in: NSTemporaryDirectory() + "\(prefix)-\(UUID())",
      durable: false
    )
    do {
      let result = try await body(cluster)
      await cluster.discard()
      return result
    } catch {
      await cluster.discard()
      throw error
    }
  }

  /// Stops it (if running) and removes its folder.
  public func discard() async {
    _ = try? await self.stop()
    try? FileManager.default.removeItem(atPath: self.directory)
  }
}
