public import ERPProtos
public import GRPCCore

/// `grpc.health.v1.Health` (ARCHITECTURE §9): what Kubernetes' gRPC probe, grpc_health_probe
/// and every gRPC load balancer ask. Check answers for `""` (the process) and for every service
/// the process registers (unknown names are NOT_FOUND, as the protocol says); Watch sends the
/// status now and each change, and ends once the process drains (a drained process never serves
/// again, and an open Watch must not hold the drain up). Every port of a process serves the same
/// ``ServiceHealth``. No credentials are asked for (``OpenServices``).
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
  public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

  public let health: ServiceHealth

  public init(health: ServiceHealth) {
    self.health = health
  }

  /// The service's own name, which every process serves and so answers for.
  public static let name = Grpc_Health_V1_Health.descriptor.fullyQualifiedService

  public func check(
    request: Grpc_Health_V1_HealthCheckRequest,
    context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthCheckResponse {
    guard self.health.knows(request.service) else {
      // The name is the caller's: not echoed (it may be long or not printable).
      throw RPCError(code: .notFound, message: "service: not a service this server serves")
    }
    return Self.response(self.health.phase.isServing ? .serving : .notServing)
  }

  public func list(
    request: Grpc_Health_V1_HealthListRequest,
    context: ServerContext
  ) async throws -> Grpc_Health_V1_HealthListResponse {
    let status = Self.response(self.health.phase.isServing ? .serving : .notServing)
    var response = Grpc_Health_V1_HealthListResponse()
    for service in self.health.services.union([""]) { response.statuses[service] = status }
    return response
  }

  public func watch(
    request: Grpc_Health_V1_HealthCheckRequest,
    response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
    context: ServerContext
  ) async throws {
    let known = self.health.knows(request.service)
    var last: Status?
    for await phase in self.health.changes() {
      let status: Status = known ? (phase.isServing ? .serving : .notServing) : .serviceUnknown
      if status != last {
        try await response.write(Self.response(status))
        last = status
      }
    }
  }

  private static func response(_ status: Status) -> Grpc_Health_V1_HealthCheckResponse {
    var response = Grpc_Health_V1_HealthCheckResponse()
    response.status = status
    return response
  }
}
