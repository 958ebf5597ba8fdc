import Foundation
import NIOConcurrencyHelpers

/// What services logged, line by line, as their JSON handler (`ERP_LOG_FORMAT=json`) wrote it:
/// pass ``append(_:)`` as the handler's `write`.
public final class LogLines: Sendable {
  private let text = NIOLockedValueBox("")

  public init() {}

  public func append(_ line: String) { self.text.withLockedValue { $0 += line } }

  /// Every line parsed with JSONSerialization (a line that does not parse fails the caller).
  public func objects() throws -> [[String: Any]] {
    let text = self.text.withLockedValue { $0 }
    return try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
      let object = try JSONSerialization.jsonObject(with: Data($0.utf8))
      guard let object = object as? [String: Any] else {
        throw Subprocess.Failure(description: "not a JSON object: \($0)")
      }
      return object
    }
  }
}
