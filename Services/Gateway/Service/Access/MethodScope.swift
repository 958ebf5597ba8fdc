import ERPProtos
import GRPCCore

/// The scope a forwarded method needs: its domain and whether it only reads, as the contracts
/// declare them (``ERPCatalog``: a reading method says `idempotency_level = NO_SIDE_EFFECTS`;
/// every other method writes). A key's `<domain>:write` includes read. Nil for a method of no
/// domain, which is not forwarded.
struct MethodScope: Sendable, Equatable {
  var domain: ERPDomain
  var readOnly: Bool

  init?(_ descriptor: MethodDescriptor) {
    guard let found = ERPCatalog.domainMethods[descriptor] else { return nil }
    self.domain = found.domain
    self.readOnly = found.method.readOnly
  }

  func allowed(by scopes: Set<String>) -> Bool {
    scopes.contains(self.domain.writeScope)
      || (self.readOnly && scopes.contains(self.domain.readScope))
  }

  var required: String { self.readOnly ? self.domain.readScope : self.domain.writeScope }
}
