import GRPCCore
import NIOCore

extension ERPTransport.Client {
  /// The client's addresses and the state of the connection to each, kept behind the client's
  /// lock. Pure bookkeeping: the client performs the actions it decides.
  struct Pool {
    enum Phase {
      case idle
      case connecting(EventLoopFuture<ClientConnection>)
      case ready(ClientConnection)
      case backoff(until: NIODeadline, lastError: String)
    }

    enum Action {
      case use(ClientConnection)
      case wait(EventLoopFuture<ClientConnection>)
      case fail(String)
    }

    struct Decision {
      var action: Action
      /// Connection attempts to start now, each completing its promise.
      var connect: [(index: Int, promise: EventLoopPromise<ClientConnection>)] = []
    }

    var phases: [Phase]
    var failures: [Int]
    var next = 0
    var callsInFlight = 0
    var shuttingDown = false
    var connectWaiter: CheckedContinuation<Void, Never>?

    init(count: Int) {
      self.phases = Array(repeating: .idle, count: count)
      self.failures = Array(repeating: 0, count: count)
    }

    /// Round-robin over ready connections. Idle addresses (and those whose backoff expired)
    /// start connecting at once, in the background when a connection is ready, so every replica
    /// joins the rotation; a call waits only when no connection is ready.
    mutating func decide(
      now: NIODeadline,
      makePromise: () -> EventLoopPromise<ClientConnection>
    ) -> Decision {
      var connect: [(Int, EventLoopPromise<ClientConnection>)] = []
      for index in self.phases.indices {
        let due: Bool
        switch self.phases[index] {
        case .idle: due = true
        case .backoff(let until, _): due = until <= now
        default: due = false
        }
        if due {
          let promise = makePromise()
          self.phases[index] = .connecting(promise.futureResult)
          connect.append((index, promise))
        }
      }
      let count = self.phases.count
      for offset in 0..<count {
        let index = (self.next + offset) % count
        if case .ready(let connection) = self.phases[index] {
          self.next = (index + 1) % count
          return Decision(action: .use(connection), connect: connect)
        }
      }
      for phase in self.phases {
        if case .connecting(let future) = phase {
          return Decision(action: .wait(future), connect: connect)
        }
      }
      let reasons = self.phases.compactMap { phase -> String? in
        if case .backoff(_, let error) = phase { return error }
        return nil
      }
      return Decision(action: .fail(reasons.last ?? "no address"), connect: connect)
    }

    mutating func ready(_ index: Int, _ connection: ClientConnection) {
      self.phases[index] = .ready(connection)
      self.failures[index] = 0
    }

    mutating func failed(
      _ index: Int,
      error: any Error,
      now: NIODeadline,
      backoff: ERPTransport.Backoff
    ) {
      guard case .connecting = self.phases[index] else { return }
      self.failures[index] += 1
      let delay = backoff.delay(attempt: self.failures[index])
      let text = (error as? RPCError)?.message ?? "\(error)"
      self.phases[index] = .backoff(
        until: now
          + .nanoseconds(
            Int64(delay.components.seconds) * 1_000_000_000 + delay.components.attoseconds
              / 1_000_000_000
          ),
        lastError: text
      )
    }

    /// A ready connection went away or began draining: the next call opens a fresh one.
    mutating func lost(_ index: Int, _ connection: ClientConnection) {
      if case .ready(let current) = self.phases[index], current === connection {
        self.phases[index] = .idle
      }
    }

    /// A connection a call found unusable (closing, draining or failed): whichever address it
    /// belongs to stops offering it, so the next decision connects anew instead of picking it
    /// again.
    mutating func lost(_ connection: ClientConnection) {
      for index in self.phases.indices { self.lost(index, connection) }
    }

    func allConnections() -> [ClientConnection] {
      self.phases.compactMap { phase in
        if case .ready(let connection) = phase { return connection }
        return nil
      }
    }
  }
}
