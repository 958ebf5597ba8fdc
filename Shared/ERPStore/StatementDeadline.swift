/// When the call being served must be answered by, for the SQL it runs: every transaction and
/// tenant query begun under a deadline sets `statement_timeout` (transaction-local) to the time
/// remaining, in the same round trip as its BEGIN or its tenant settings, so a statement never
/// outlives the call that asked for it. The server's interceptors bind it from the call's
/// deadline (`RequestContext`); a task-local, so it follows the handler into its child tasks.
///
/// The remaining time is taken when the transaction begins and applies to each statement in it:
/// a transaction of several statements can together run past the deadline by the last one's
/// length at most, and the call's own cancellation (``PostgresSession``) ends that one too.
public enum StatementDeadline {
  @TaskLocal public static var current: ContinuousClock.Instant?

  /// The `statement_timeout` value for the time left, in milliseconds (at least 1: 0 would mean
  /// no limit); nil without a deadline. A deadline already past fails (DEADLINE_EXCEEDED, to a
  /// caller) before any SQL is sent.
  static func remainingMilliseconds(
    now: ContinuousClock.Instant = .now
  ) throws(StoreError) -> String? {
    guard let deadline = Self.current else { return nil }
    let left = now.duration(to: deadline)
    guard left > .zero else {
      throw StoreError(.deadlinePassed, "the call's deadline passed before its database work began")
    }
    let (seconds, attoseconds) = left.components
    let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return String(max(1, min(milliseconds, Int64(Int32.max))))
  }
}
