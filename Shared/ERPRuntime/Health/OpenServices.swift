public import GRPCCore

/// Lets calls to the standard services every port answers without credentials (health, and the
/// gateway's reflection, which describes only the public contracts) past an interceptor that
/// would otherwise refuse them: the services' secret, the tenant, the gateway's API keys. The
/// probes that call them (Kubernetes, load balancers, grpcurl) carry none of those.
public struct OpenServices: ServerInterceptor {
  /// The fully-qualified services that need no credentials.
  public static let names: Set<String> = [
    HealthService.name, "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
  ]

  public let wrapped: any ServerInterceptor

  public init(_ wrapped: any ServerInterceptor) {
    self.wrapped = wrapped
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    if Self.names.contains(context.descriptor.service.fullyQualifiedService) {
      return try await next(request, context)
    }
    return try await self.wrapped.intercept(request: request, context: context, next: next)
  }
}
