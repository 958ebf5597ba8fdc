import GRPCCore

/// Who a call is made for, as the gateway authenticated them: the API key's id and its scopes
/// (staff roles do not exist yet, so a key's scopes are its roles). The gateway sets it from the
/// key; a service reads it from `x-erp-caller` / `x-erp-caller-scopes`, which only holders of
/// the services' secret can send (the gateway never forwards a partner's own metadata), and
/// passes it on to the services it calls. Nil for the platform's own calls (the launcher, a
/// worker), which name no caller unless they set the metadata themselves.
///
/// A staff user's id is `user:<uuid>`, a key's its key id. `ownRecordsOnly` is the record rule
/// (`x-erp-caller-own: 1`): the caller sees and changes only the records it owns (customers,
/// opportunities, orders and quotations), which the owning service enforces (``RecordRules``).
public struct Caller: Sendable, Hashable {
  public var id: String
  public var scopes: Set<String>
  /// Limited to the records whose `owner_id` is ``id``.
  public var ownRecordsOnly: Bool

  public init(id: String, scopes: Set<String>, ownRecordsOnly: Bool = false) {
    self.id = id
    self.scopes = scopes
    self.ownRecordsOnly = ownRecordsOnly
  }

  /// The prefix of a staff user's caller id (`user:<uuid>`).
  public static let userPrefix = "user:"

  /// Whether the caller is a staff user (not an API key): what a record it creates is owned by.
  public var isUser: Bool { self.id.hasPrefix(Self.userPrefix) }

  /// Scopes beyond each domain's read and write that a key may carry, each allowing one
  /// decision a handler checks itself.
  public static let specialScopes: Set<String> = [Self.creditOverrideScope]
  /// Confirming a sales order over the customer's credit limit (`override_credit_limit`).
  public static let creditOverrideScope = "sales:credit_override"

  static let idKey = "x-erp-caller"
  static let scopesKey = "x-erp-caller-scopes"
  static let ownKey = "x-erp-caller-own"
  /// What every caller metadata key starts with: the gateway refuses them from outside.
  public static let keyPrefix = "x-erp-caller"
  static let maxIDBytes = 100
  static let maxScopes = 64

  /// The caller named by a call's metadata; nil when it names none or names one badly (too
  /// long, too many scopes): a malformed caller gets no scopes rather than an error.
  init?(metadata: Metadata) {
    guard let id = metadata.firstString(Self.idKey), !id.isEmpty, id.utf8.count <= Self.maxIDBytes
    else { return nil }
    let scopes = (metadata.firstString(Self.scopesKey) ?? "").split(separator: ",")
    guard scopes.count <= Self.maxScopes else { return nil }
    self.init(
      id: id,
      scopes: Set(scopes.map(String.init)),
      ownRecordsOnly: metadata.firstString(Self.ownKey) == "1"
    )
  }

  /// Adds the caller to a downstream call's metadata.
  func add(to metadata: inout Metadata) {
    metadata.replaceOrAddString(self.id, forKey: Self.idKey)
    metadata.replaceOrAddString(self.scopes.sorted().joined(separator: ","), forKey: Self.scopesKey)
    metadata.removeAllValues(forKey: Self.ownKey)
    if self.ownRecordsOnly { metadata.addString("1", forKey: Self.ownKey) }
  }
}
