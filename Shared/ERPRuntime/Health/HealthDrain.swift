public import ServiceLifecycle

/// Turns a process's health to NOT_SERVING when graceful shutdown begins. ``ServiceRunner`` puts
/// it last in its service group, so that (the group shutting down in reverse order) it goes
/// first: probes and Watches learn that the process is draining before its servers stop taking
/// calls.
public struct HealthDrain: Service {
  public let health: ServiceHealth

  public init(health: ServiceHealth) {
    self.health = health
  }

  public func run() async throws {
    try? await gracefulShutdown()
    self.health.markDraining()
  }
}
