import ERPProtos
import GRPCCore

/// The scope a forwarded method needs: its domain and whether it only reads, as the contracts
/// declare them (``ERPCatalog``: a reading method says `idempotency_level = NO_SIDE_EFFECTS`;
/// every other method writes). A key's `<domain>:write` includes read. Nil for a method of no
/// domain, which is not forwarded.
struct MethodScope: Sendable, Equatable {
  var domain: ERPDomain
  var readOnly: Bool

  /// Every domain method's scope by its path (`erp.sales.v1.Orders/GetOrder`): a server's
  /// descriptor, made from the path, carries no RPC type, so it is not equal to the generated one.
  static let byPath: [String: MethodScope] = Dictionary(
    uniqueKeysWithValues: ERPCatalog.domainMethods.map { descriptor, found in
      (
        descriptor.fullyQualifiedMethod,
        MethodScope(domain: found.domain, readOnly: found.method.readOnly)
      )
    }
  )

  init(domain: ERPDomain, readOnly: Bool) {
    self.domain = domain
    self.readOnly = readOnly
  }

  init?(_ descriptor: MethodDescriptor) {
    guard let scope = Self.byPath[descriptor.fullyQualifiedMethod] else { return nil }
    self = scope
  }

  func allowed(by scopes: Set<String>) -> Bool {
    scopes.contains(self.domain.writeScope)
      || (self.readOnly && scopes.contains(self.domain.readScope))
  }

  var required: String { self.readOnly ? self.domain.readScope : self.domain.writeScope }
}
