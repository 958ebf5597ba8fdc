import NIOConcurrencyHelpers
import NIOCore

extension ERPTransport.Client {
  /// The addresses of the client's targets: each connection attempt looks its target's name up
  /// afresh, within the lookup's own deadline, and keeps the answer; when the lookup fails or
  /// times out, the attempt uses the last addresses kept instead (a peer's address rarely
  /// changes while its name stops resolving for a moment: podman 4.3's aardvark-dns drops
  /// queries while it reloads). A lookup still running when the next attempt starts is joined,
  /// never run twice at once, so lookups that hang never pile up.
  final class AddressBook: Sendable {
    /// What an attempt connects to: the fresh answer, or the kept addresses and why the lookup
    /// did not do (`fallback`).
    struct Resolved {
      var addresses: [SocketAddress]
      var fallback: ConnectFailure?
    }

    private struct Entry {
      var kept: [SocketAddress]?
      var inFlight: EventLoopFuture<[SocketAddress]>?
    }

    private let lookup: NameLookup
    private let timeout: TimeAmount
    private let entries: NIOLockedValueBox<[Entry]>

    init(count: Int, lookup: NameLookup, timeout: TimeAmount) {
      self.lookup = lookup
      self.timeout = timeout
      self.entries = NIOLockedValueBox(Array(repeating: Entry(), count: count))
    }

    /// The addresses kept from the last good lookup of target `index`.
    func kept(_ index: Int) -> [SocketAddress]? {
      self.entries.withLockedValue { $0[index].kept }
    }

    /// The addresses to connect to for target `index`. A literal IP address is used as it is.
    func resolve(
      _ index: Int,
      _ target: Target,
      on eventLoop: any EventLoop
    ) -> EventLoopFuture<Resolved> {
      if let literal = try? SocketAddress(ipAddress: target.host, port: target.port) {
        return eventLoop.makeSucceededFuture(Resolved(addresses: [literal]))
      }
      let answer = eventLoop.makePromise(of: [SocketAddress].self)
      let timeout = self.timeout
      let timer = eventLoop.scheduleTask(in: timeout) {
        answer.fail(ConnectFailure(target: target, reason: .lookupTimedOut(timeout)))
      }
      self.lookUp(index, target, on: eventLoop).whenComplete { result in
        timer.cancel()
        switch result {
        case .success(let addresses): answer.succeed(addresses)
        case .failure(let error):
          let message = (error as? LookupFailure)?.message ?? "\(error)"
          answer.fail(ConnectFailure(target: target, reason: .lookupFailed(message)))
        }
      }
      return answer.futureResult.map { Resolved(addresses: $0) }.flatMapErrorThrowing { error in
        guard let kept = self.entries.withLockedValue({ $0[index].kept }) else { throw error }
        return Resolved(addresses: kept, fallback: error as? ConnectFailure)
      }
    }

    /// The lookup of target `index` running now, started if none is. Its answer, when it comes,
    /// is kept (even after the attempt that started it gave up waiting).
    private func lookUp(
      _ index: Int,
      _ target: Target,
      on eventLoop: any EventLoop
    ) -> EventLoopFuture<[SocketAddress]> {
      let (future, started) = self.entries.withLockedValue {
        entries -> (EventLoopFuture<[SocketAddress]>, EventLoopPromise<[SocketAddress]>?) in
        if let inFlight = entries[index].inFlight { return (inFlight, nil) }
        let promise = eventLoop.makePromise(of: [SocketAddress].self)
        entries[index].inFlight = promise.futureResult
        return (promise.futureResult, promise)
      }
      guard let promise = started else { return future }
      // Registered before any waiter's callback, so the answer is kept before it is used.
      promise.futureResult.whenComplete { result in
        self.entries.withLockedValue { entries in
          entries[index].inFlight = nil
          if case .success(let addresses) = result { entries[index].kept = addresses }
        }
      }
      let lookup = self.lookup
      Task {
        do {
          let addresses = try await lookup.resolve(target.host, target.port)
          guard !addresses.isEmpty else { throw LookupFailure(message: "no address") }
          promise.succeed(addresses)
        } catch {
          promise.fail(error)
        }
      }
      return future
    }
  }
}
