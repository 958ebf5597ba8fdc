import GRPCCore

/// The gateway's own services that partners and staff call with their credential (the rest of
/// `erp.gateway.v1` is the operator's), and the scope each method needs: the one place the
/// access check learns it, beside ``MethodScope`` for the domains' methods.
enum GatewayMethodScope {
  static let services: Set<String> = [
    "erp.gateway.v1.Views", WebhookScope.service, IdentityScope.usersService,
    IdentityScope.identityService, AuditScope.service,
  ]

  /// The scope the access check requires of `descriptor`, nil when it requires none beyond the
  /// credential: a view's sections are filled by what the caller's scopes reach, Identity needs a
  /// session, and `Audit.History` is checked by its handler against the record's domain.
  static func required(_ descriptor: MethodDescriptor) -> String? {
    switch descriptor.service.fullyQualifiedService {
    case WebhookScope.service: WebhookScope.required(descriptor)
    case IdentityScope.usersService: StaffRole.adminScope
    case AuditScope.service: AuditScope.required(descriptor)
    default: nil
    }
  }

  /// Whether `scopes` grant `required` (`webhooks:write` includes `webhooks:read`).
  static func allowed(_ required: String, by scopes: Set<String>) -> Bool {
    scopes.contains(required)
      || (required == WebhookScope.read && scopes.contains(WebhookScope.write))
  }
}
