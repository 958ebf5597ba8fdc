/// Waits until `condition` holds, checking every 20 ms; false if it still does not after `limit`
/// (a watchdog, not a measurement).
public func eventually(
  within limit: Duration = .seconds(5),
  _ condition: () async throws -> Bool
) async throws -> Bool {
  let end = ContinuousClock.now + limit
  while ContinuousClock.now < end {
    if try await condition() { return true }
    try await Task.sleep(for: .milliseconds(20))
  }
  return try await condition()
}

/// Waits until `condition` holds, for at most `limit`: a generous deadline on a condition. The
/// condition decides; the limit only ends a test gone wrong, by throwing an error that names
/// what never happened.
public func eventually(
  _ what: String,
  within limit: Duration = .seconds(60),
  _ condition: @Sendable () async throws -> Bool
) async throws {
  guard try await eventually(within: limit, condition) else {
    throw Subprocess.Failure(description: "timed out waiting until \(what)")
  }
}
