/// A tenant's id: a slug `^[a-z][a-z0-9_]{2,39}$`, not starting with `pg_`. Anything else is
/// refused (INVALID_ARGUMENT, to a caller) before it comes near SQL; a valid slug needs no quoting, which
/// is what makes it safe in `SET LOCAL ROLE` and schema names.
public struct TenantID: Sendable, Hashable, CustomStringConvertible {
  public let slug: String

  public init(validating raw: String) throws(StoreError) {
    let bytes = Array(raw.utf8)
    let valid =
      (3...40).contains(bytes.count)
      && (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0])
      && bytes.allSatisfy { byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
      }
      && !raw.hasPrefix("pg_")
    guard valid else {
      throw StoreError(
        .invalidTenantID,
        "tenant id \(quoted(raw)) is invalid: "
          + "use 3 to 40 characters a-z, 0-9 and _, starting with a letter, not with pg_"
      )
    }
    self.slug = raw
  }

  /// The tenant's schema in every service's database, and the role that owns it.
  public var schema: String { "t_" + self.slug }
  public var role: String { "t_" + self.slug }

  public var description: String { self.slug }

  /// The statements that enter the tenant inside a transaction, one by one (for a pipeline).
  var enterStatementList: [String] {
    ["SET LOCAL ROLE \"\(self.role)\"", "SET LOCAL search_path TO \"\(self.schema)\""]
  }

  /// The same, as one simple-protocol string.
  var enterStatements: String { self.enterStatementList.joined(separator: "; ") }
}
