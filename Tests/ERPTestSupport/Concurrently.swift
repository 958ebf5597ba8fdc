public import GRPCCore

/// Runs `attempt` `count` times at once (each in its own child task, so the calls are in flight
/// together) and returns what each answered or the status it failed with, in no set order: for
/// tests of concurrent first attempts with one request id, which must all get one answer.
public func concurrently<T: Sendable>(
  _ count: Int,
  _ attempt: @escaping @Sendable () async throws -> T
) async -> [Result<T, RPCError>] {
  await withTaskGroup(of: Result<T, RPCError>.self) { group in
    for _ in 0..<count {
      group.addTask {
        do {
          return .success(try await attempt())
        } catch let error as RPCError {
          return .failure(error)
        } catch {
          return .failure(RPCError(code: .unknown, message: "\(error)"))
        }
      }
    }
    var outcomes: [Result<T, RPCError>] = []
    for await outcome in group { outcomes.append(outcome) }
    return outcomes
  }
}

/// What concurrent attempts answered, by a key of the answer (a number): one answer repeated
/// for every attempt when idempotency holds; a status code's name for those that failed.
public func answers<T: Sendable>(
  _ outcomes: [Result<T, RPCError>],
  _ key: (T) -> String
) -> [String: Int] {
  var counts: [String: Int] = [:]
  for outcome in outcomes {
    switch outcome {
    case .success(let value): counts[key(value), default: 0] += 1
    case .failure(let error): counts["\(error.code): \(error.message)", default: 0] += 1
    }
  }
  return counts
}
