/// Waits until `condition` holds, looking every 20 ms, for at most `limit`: a generous deadline
/// on a condition. The condition decides; the limit only ends a test gone wrong, by throwing
/// an error that names what never happened.
public func eventually(
  _ what: String,
  within limit: Duration = .seconds(60),
  _ condition: @Sendable () async throws -> Bool
) async throws {
  let deadline = ContinuousClock.now + limit
  while try await !condition() {
    guard ContinuousClock.now < deadline else {
      throw Subprocess.Failure(description: "timed out waiting until \(what)")
    }
    try await Task.sleep(for: .milliseconds(20))
  }
}
