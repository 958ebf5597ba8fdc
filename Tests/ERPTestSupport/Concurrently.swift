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
    case .failure(let error): counts["failed \(error.code): \(error.message)", default: 0] += 1
    }
  }
  return counts
}

/// The one answer all `count` attempts got, or nil when they differ or any failed.
public func theOneAnswer(_ counts: [String: Int], of count: Int) -> String? {
  guard counts.count == 1, let (key, seen) = counts.first, seen == count,
    !key.hasPrefix("failed ")
  else { return nil }
  return key
}

/// What one create call answered under first-answer semantics: `count` concurrent first
/// attempts with one request, then the same request id with other content (`changed`) and,
/// when given, another request id for what now exists (`taken`). A test compares it with what
/// the contract says: one answer for all, INVALID_ARGUMENT, ALREADY_EXISTS.
public struct FirstAnswers: Sendable, Equatable {
  /// Each answer's key (or a failure's status) and how many attempts got it.
  public var concurrent: [String: Int]
  /// The status `changed` failed with (nil: it was answered).
  public var changed: RPCError.Code?
  /// The status `taken` failed with (nil: not asked, or answered).
  public var taken: RPCError.Code?

  public init(concurrent: [String: Int], changed: RPCError.Code?, taken: RPCError.Code? = nil) {
    self.concurrent = concurrent
    self.changed = changed
    self.taken = taken
  }

  public static func of<Request: Sendable, Answer: Sendable>(
    _ request: Request,
    count: Int = 8,
    changed: Request,
    taken: Request? = nil,
    key: @escaping @Sendable (Answer) -> String,
    _ call: @escaping @Sendable (Request) async throws -> Answer
  ) async -> FirstAnswers {
    let concurrent = answers(await concurrently(count) { try await call(request) }, key)
    func status(_ request: Request?) async -> RPCError.Code? {
      guard let request else { return nil }
      do {
        _ = try await call(request)
        return nil
      } catch let error as RPCError {
        return error.code
      } catch {
        return .unknown
      }
    }
    return FirstAnswers(
      concurrent: concurrent,
      changed: await status(changed),
      taken: await status(taken)
    )
  }
}
