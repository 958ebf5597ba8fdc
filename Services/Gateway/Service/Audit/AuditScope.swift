import ERPProtos
import ERPRuntime
import GRPCCore

/// The scopes of the `Audit` API (audit.proto): `SearchAudit` needs `admin`, checked by the
/// access interceptor; `History` needs the read scope of the domain owning the record type,
/// which only the request names, so its handler checks it (``AuditAPI``).
enum AuditScope {
  static let service = "erp.gateway.v1.Audit"
  /// The scope the interceptor checks, nil when the handler checks it: searching the trail is
  /// the tenant's administrators' (the scope that also administers users and roles).
  static func required(_ descriptor: MethodDescriptor) -> String? {
    descriptor.method == "SearchAudit" ? StaffRole.adminScope : nil
  }

  /// Both methods only read.
  static func readOnly(_ descriptor: MethodDescriptor) -> Bool {
    descriptor.service.fullyQualifiedService == Self.service
  }

  /// The domain owning `recordType`'s records, and PERMISSION_DENIED unless `scopes` reads it.
  static func domain(of recordType: String, scopes: Set<String>) throws -> ERPDomain {
    guard let owner = RecordHistory.owners[recordType], let domain = ERPDomain(rawValue: owner)
    else {
      throw RPCError(
        code: .invalidArgument,
        message:
          "record_type: one of \(RecordHistory.owners.keys.sorted().joined(separator: ", "))"
      )
    }
    guard scopes.contains(domain.readScope) || scopes.contains(domain.writeScope) else {
      throw RPCError(
        code: .permissionDenied,
        message: "the key lacks the scope \(domain.readScope)"
      )
    }
    return domain
  }
}
