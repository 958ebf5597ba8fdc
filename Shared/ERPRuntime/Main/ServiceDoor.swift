public import GRPCCore
public import ServiceLifecycle

/// Another server a process runs beside its ERPT port, on another transport (the gateway's
/// gRPC over HTTP/2): made by ``ServiceRunner`` from the very services and interceptors the ERPT
/// server has, so it serves exactly what that port serves, and run in the same service group, so
/// SIGTERM drains it with the rest.
public struct ServiceDoor: Sendable {
  /// What a door is built from.
  public struct Parts: Sendable {
    /// The RPC services the ERPT port serves (TenantAdmin and health included).
    public var services: [any RegistrableRPCService]
    /// The ERPT server's interceptors, in order.
    public var interceptors: [any ServerInterceptor]
    /// The process's health, for a door that serves more (reflection) or reports it.
    public var health: ServiceHealth
    /// The address the process listens on (`ERP_HOST`).
    public var host: String
    /// Seconds in-flight calls get when the door drains (`ERP_DRAIN_SECONDS`).
    public var drainSeconds: Int
  }

  public var make: @Sendable (Parts) -> any Service

  public init(make: @escaping @Sendable (Parts) -> any Service) {
    self.make = make
  }
}
