import GRPCCore

/// The record rule "own records only" (``Caller/ownRecordsOnly``) as the owning services apply
/// it: every read and change of an owned record (customers, opportunities, orders, quotations)
/// adds the SQL predicate `($n::text IS NULL OR owner_id = $n)` with ``ownerLimit`` bound to
/// `$n`, so a limited caller's lists, searches and reports are computed over its own records
/// only, and a record of someone else is simply not found (NOT_FOUND, as for a record that does
/// not exist: telling the two apart would tell the caller which ids exist).
public enum RecordRules {
  /// The owner the current call is limited to: the caller's id when it may see only its own
  /// records, nil when it may see all.
  public static var ownerLimit: String? {
    guard let caller = RequestContext.caller, caller.ownRecordsOnly else { return nil }
    return caller.id
  }

  /// The SQL predicate that keeps the rows of `column`'s owner ``ownerLimit`` (all rows when it
  /// is NULL), with it bound to parameter `$<parameter>`.
  public static func predicate(_ column: String, parameter: Int) -> String {
    "($\(parameter)::text IS NULL OR \(column) = $\(parameter))"
  }

  /// The SQL predicate of a request's own `owner_id` filter (all rows when it is empty), bound
  /// to parameter `$<parameter>`.
  public static func filter(_ column: String, parameter: Int) -> String {
    "($\(parameter)::text = '' OR \(column) = $\(parameter))"
  }

  /// The owner a record the current call creates gets, from the `requested` one (empty for
  /// none): a limited caller owns what it creates and may name nobody else (PERMISSION_DENIED
  /// naming `field`); a staff user who names nobody owns it; otherwise it is as requested.
  public static func owner(forNew requested: String, field: String = "owner_id") throws -> String {
    guard let caller = RequestContext.caller else { return requested }
    if caller.ownRecordsOnly {
      return try Self.ownOnly(requested, caller: caller, field: field)
    }
    return requested.isEmpty && caller.isUser ? caller.id : requested
  }

  /// The owner an update writes, from the `requested` one: a limited caller (whose record it
  /// is, or it would not have been found) keeps it and may name nobody else; anyone else sets
  /// it as requested.
  public static func owner(
    forUpdate requested: String,
    field: String = "owner_id"
  ) throws
    -> String
  {
    guard let caller = RequestContext.caller, caller.ownRecordsOnly else { return requested }
    return try Self.ownOnly(requested, caller: caller, field: field)
  }

  private static func ownOnly(_ requested: String, caller: Caller, field: String) throws -> String {
    guard requested.isEmpty || requested == caller.id else {
      throw RPCError(
        code: .permissionDenied,
        message: "\(field): a caller limited to its own records can name only itself as owner"
      )
    }
    return caller.id
  }
}
