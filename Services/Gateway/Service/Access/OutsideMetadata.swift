import ERPRuntime
import GRPCCore

/// Metadata only the platform may send: the caller's identity (`x-erp-caller*`, which the
/// gateway sets from the key or session it authenticated and the services trust, record rules
/// included) and, on a partner door, the services' secret. A partner call that carries any of
/// it is refused with PERMISSION_DENIED naming the key, on every door, rather than having it
/// silently dropped: a client sending it is confused or probing.
enum OutsideMetadata {
  /// The first caller-identity key `metadata` carries, if any.
  static func callerKey(in metadata: Metadata) -> String? {
    metadata.lazy.map { $0.key.lowercased() }.first { $0.hasPrefix(Caller.keyPrefix) }
  }

  /// Whether a partner door refuses the header or metadata key `name` (lower case).
  static func isPlatformOnly(_ name: String) -> Bool {
    name == MetadataKeys.serviceSecret || name.hasPrefix(Caller.keyPrefix)
  }

  /// Why a call carrying `key` is refused.
  static func message(_ key: String) -> String {
    "\(key): set by the platform only; a partner call must not carry it"
  }

  /// The refusal of a call carrying `key`.
  static func refusal(_ key: String) -> RPCError {
    RPCError(code: .permissionDenied, message: Self.message(key))
  }

  /// Refuses a call from outside that names a caller.
  static func refuseCaller(in metadata: Metadata) throws {
    if let key = Self.callerKey(in: metadata) { throw Self.refusal(key) }
  }
}

/// The partner doors' own check, before the access control: no caller identity and no
/// services' secret (``OutsideMetadata``). The platform's callers use the ERPT port.
struct PartnerDoorInterceptor: ServerInterceptor {
  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    if request.metadata.firstString(MetadataKeys.serviceSecret) != nil {
      throw OutsideMetadata.refusal(MetadataKeys.serviceSecret)
    }
    try OutsideMetadata.refuseCaller(in: request.metadata)
    return try await next(request, context)
  }
}
