import ERPTransport
public import GRPCCore
import NIOConcurrencyHelpers

/// The serving state of one service process, shared by the health service on each of its ports
/// (ERPT, and the gateway's HTTP/2): one ``ServingPhase`` for the process, reported for the
/// overall name `""` and for every RPC service the process registers, and pushed to every open
/// Watch as it changes. ``ServiceRunner`` marks it migrated when start-up migration finishes
/// and draining when graceful shutdown begins (``HealthDrain``).
public final class ServiceHealth: Sendable {
  /// The fully-qualified names of the services the process serves (`erp.customers.v1.Customers`),
  /// besides the overall `""`.
  public let services: Set<String>
  private let state = NIOLockedValueBox(State())

  private struct State {
    var phase = ServingPhase.starting
    var watchers: [Int: AsyncStream<ServingPhase>.Continuation] = [:]
    var nextWatcher = 0
  }

  public init(services: Set<String>) {
    self.services = services
  }

  /// The fully-qualified names of the RPC services `services` register (what a health service
  /// and reflection report).
  public static func names(of services: [any RegistrableRPCService]) -> Set<String> {
    var router = RPCRouter<ERPTransport.Server>()
    for service in services { service.registerMethods(with: &router) }
    return Set(router.methods.map(\.service.fullyQualifiedService))
  }

  public var phase: ServingPhase { self.state.withLockedValue { $0.phase } }

  /// Whether `service` is `""` or one this process serves.
  public func knows(_ service: String) -> Bool {
    service.isEmpty || self.services.contains(service)
  }

  /// Start-up migration finished: serving, unless already draining.
  public func markMigrated() { self.move { $0.migrated() } }

  /// Graceful shutdown began: not serving, for good.
  public func markDraining() { self.move { $0.drained() } }

  /// The phase now, then every change, until the phase is final (then the stream finishes) or
  /// the caller stops listening. Yields happen under the lock, so every watcher sees the phases
  /// in the order they were taken.
  public func changes() -> AsyncStream<ServingPhase> {
    let (stream, continuation) = AsyncStream.makeStream(
      of: ServingPhase.self,
      bufferingPolicy: .bufferingNewest(4)
    )
    self.state.withLockedValue { state in
      continuation.yield(state.phase)
      guard !state.phase.isFinal else {
        continuation.finish()
        return
      }
      let id = state.nextWatcher
      state.nextWatcher += 1
      state.watchers[id] = continuation
      continuation.onTermination = { [weak self] _ in
        _ = self?.state.withLockedValue { $0.watchers.removeValue(forKey: id) }
      }
    }
    return stream
  }

  /// Takes the transition and tells every watcher under the lock; finishes the streams of a
  /// final phase after it (finishing runs their `onTermination`, which takes the lock).
  private func move(_ transition: (ServingPhase) -> ServingPhase) {
    let finished = self.state.withLockedValue { state in
      let next = transition(state.phase)
      guard next != state.phase else { return [AsyncStream<ServingPhase>.Continuation]() }
      state.phase = next
      for watcher in state.watchers.values { watcher.yield(next) }
      guard next.isFinal else { return [] }
      defer { state.watchers = [:] }
      return Array(state.watchers.values)
    }
    for watcher in finished { watcher.finish() }
  }
}
