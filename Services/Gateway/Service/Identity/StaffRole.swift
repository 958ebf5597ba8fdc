import ERPProtos
import ERPRuntime

/// A named set of scopes a user is given. The built-in roles are code (the same in every
/// tenant); a tenant's custom roles are rows of `gateway.staff_role`. `ownRecordsOnly` is the
/// record rule: the role's domain scopes reach only the records the user owns, which the owning
/// service enforces from the caller the gateway names (``Caller``).
struct StaffRole: Sendable, Hashable, Codable {
  var name: String
  var scopes: Set<String>
  var ownRecordsOnly: Bool = false
  var builtIn: Bool = false

  /// The scope of the `Users` API (users, roles, sessions of anyone in the tenant).
  static let adminScope = "admin"

  static func reads(_ domains: [ERPDomain]) -> Set<String> { Set(domains.map(\.readScope)) }
  static func writes(_ domains: [ERPDomain]) -> Set<String> { Set(domains.map(\.writeScope)) }

  /// admin, sales, accountant, warehouse, hr and viewer.
  static let builtIns: [StaffRole] = [
    StaffRole(
      name: "admin",
      scopes: Self.writes(ERPDomain.allCases).union([Self.adminScope, WebhookScope.write])
        .union(Caller.specialScopes),
      builtIn: true
    ),
    StaffRole(name: "sales", scopes: Self.writes([.customers, .sales]), builtIn: true),
    StaffRole(
      name: "accountant",
      scopes: Self.writes([.finance]).union(Self.reads([.customers, .sales])),
      builtIn: true
    ),
    StaffRole(
      name: "warehouse",
      scopes: Self.writes([.supplychain]).union(Self.reads([.sales])),
      builtIn: true
    ),
    StaffRole(name: "hr", scopes: Self.writes([.hr]), builtIn: true),
    StaffRole(name: "viewer", scopes: Self.reads(ERPDomain.allCases), builtIn: true),
  ]

  static let builtInByName = Dictionary(uniqueKeysWithValues: Self.builtIns.map { ($0.name, $0) })

  /// The scopes a role may name: each domain's, the webhooks', the special ones and `admin`.
  static let grantable = ApiKeyStore.scopes

  var message: Erp_Gateway_V1_Role {
    var role = Erp_Gateway_V1_Role()
    role.name = self.name
    role.scopes = self.scopes.sorted()
    role.ownRecordsOnly = self.ownRecordsOnly
    role.builtIn = self.builtIn
    return role
  }
}

/// What a user's roles add up to: the union of their scopes, and the record rule for a domain
/// (true when every role of the user that grants the domain is limited to own records).
struct RoleGrant: Sendable, Equatable {
  var roles: [StaffRole]

  var scopes: Set<String> { self.roles.reduce(into: Set()) { $0.formUnion($1.scopes) } }

  /// The record rule for a call of `domain`; for a call of no one domain (the views), over every
  /// role that grants any domain.
  func ownRecordsOnly(_ domain: ERPDomain?) -> Bool {
    let granting = self.roles.filter { role in
      let domains = domain.map { [$0] } ?? ERPDomain.allCases
      return domains.contains {
        role.scopes.contains($0.readScope) || role.scopes.contains($0.writeScope)
      }
    }
    return !granting.isEmpty && granting.allSatisfy(\.ownRecordsOnly)
  }
}
