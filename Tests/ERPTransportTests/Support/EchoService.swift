import ERPTestSupport
import GRPCCore
import NIOConcurrencyHelpers

/// A service with one method per RPC kind and a few for failure paths.
struct EchoService: RegistrableRPCService {
  static let service = ServiceDescriptor(fullyQualifiedService: "test.Echo")
  static let get = MethodDescriptor(service: service, method: "Get")
  static let collect = MethodDescriptor(service: service, method: "Collect")
  static let expand = MethodDescriptor(service: service, method: "Expand")
  static let update = MethodDescriptor(service: service, method: "Update")
  static let fail = MethodDescriptor(service: service, method: "Fail")
  static let sleep = MethodDescriptor(service: service, method: "Sleep")
  static let sized = MethodDescriptor(service: service, method: "Sized")
  static let hold = MethodDescriptor(service: service, method: "Hold")

  /// What handlers observed, for tests to assert on.
  let probe: Probe

  init(probe: Probe = Probe()) {
    self.probe = probe
  }

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    let d = RawDeserializer()
    let s = RawSerializer()

    // Unary: echoes the message; `x-echo-*` request metadata comes back as initial and trailing.
    router.registerHandler(forMethod: Self.get, deserializer: d, serializer: s) {
      request,
      context in
      self.probe.saw(peer: context.remotePeer)
      let message = try await Self.single(request)
      var echoed = Metadata()
      for entry in request.metadata where entry.key.hasPrefix("x-echo-") {
        switch entry.value {
        case .string(let text): echoed.addString(text, forKey: entry.key)
        case .binary(let bytes): echoed.addBinary(bytes, forKey: entry.key)
        }
      }
      self.probe.count(Self.get)
      return StreamingServerResponse(
        single: ServerResponse(message: message, metadata: echoed, trailingMetadata: echoed)
      )
    }

    // Client streaming: concatenates every message.
    router.registerHandler(forMethod: Self.collect, deserializer: d, serializer: s) { request, _ in
      var all: [UInt8] = []
      for try await message in request.messages { all += message }
      return StreamingServerResponse(single: ServerResponse(message: all))
    }

    // Server streaming: the request's first byte says how many messages to send.
    router.registerHandler(forMethod: Self.expand, deserializer: d, serializer: s) { request, _ in
      let message = try await Self.single(request)
      let count = Int(message.first ?? 0)
      return StreamingServerResponse { writer in
        for index in 0..<count { try await writer.write([UInt8(index)]) }
        return ["x-count": "\(count)"]
      }
    }

    // Bidirectional: echoes each message as it arrives.
    router.registerHandler(forMethod: Self.update, deserializer: d, serializer: s) { request, _ in
      StreamingServerResponse { writer in
        for try await message in request.messages { try await writer.write(message) }
        return [:]
      }
    }

    // Fails with the status code in the first byte and the rest as the message.
    router.registerHandler(forMethod: Self.fail, deserializer: d, serializer: s) { request, _ in
      let message = try await Self.single(request)
      let code = RPCError.Code(Status.Code(rawValue: Int(message[0]))!)!
      throw RPCError(code: code, message: String(decoding: message.dropFirst(), as: UTF8.self))
    }

    // Sleeps until cancelled, then records that it saw the cancellation.
    router.registerHandler(forMethod: Self.sleep, deserializer: d, serializer: s) {
      request,
      context in
      self.probe.started()
      await withTaskCancellationHandler {
        while !context.cancellation.isCancelled && !Task.isCancelled {
          try? await Task.sleep(for: .milliseconds(10))
        }
      } onCancel: {
        self.probe.cancelled()
      }
      if context.cancellation.isCancelled || Task.isCancelled { self.probe.cancelled() }
      throw RPCError(code: .cancelled, message: "cancelled")
    }

    // Answers with a message of the size the request names (decimal text).
    router.registerHandler(forMethod: Self.sized, deserializer: d, serializer: s) { request, _ in
      let message = try await Self.single(request)
      let size = Int(String(decoding: message, as: UTF8.self)) ?? 0
      return StreamingServerResponse(
        single: ServerResponse(message: [UInt8](repeating: 7, count: size))
      )
    }

    // Client streaming that does not read until the probe's gate opens: a deliberately slow reader.
    router.registerHandler(forMethod: Self.hold, deserializer: d, serializer: s) { request, _ in
      self.probe.started()
      await self.probe.gate.wait()
      var total = 0
      for try await message in request.messages { total += message.count }
      return StreamingServerResponse(single: ServerResponse(message: Array("\(total)".utf8)))
    }
  }

  private static func single(_ request: StreamingServerRequest<[UInt8]>) async throws -> [UInt8] {
    var iterator = request.messages.makeAsyncIterator()
    guard let message = try await iterator.next() else {
      throw RPCError(code: .invalidArgument, message: "expected one message")
    }
    return message
  }
}

/// Thread-safe counters handlers update and tests read.
final class Probe: Sendable {
  private struct State {
    var started = 0
    var cancelled = 0
    var calls: [String: Int] = [:]
    var peers: Set<String> = []
  }
  private let state = NIOLockedValueBox(State())
  let gate = Gate()

  func started() { self.state.withLockedValue { $0.started += 1 } }
  func cancelled() { self.state.withLockedValue { $0.cancelled += 1 } }
  func count(_ method: MethodDescriptor) {
    self.state.withLockedValue { $0.calls[method.fullyQualifiedMethod, default: 0] += 1 }
  }

  func saw(peer: String) { self.state.withLockedValue { _ = $0.peers.insert(peer) } }
  /// The client addresses `Get` calls came from: one per client connection.
  var peers: Set<String> { self.state.withLockedValue { $0.peers } }

  var startedCount: Int { self.state.withLockedValue { $0.started } }
  var cancelledCount: Int { self.state.withLockedValue { $0.cancelled } }
  func calls(_ method: MethodDescriptor) -> Int {
    self.state.withLockedValue { $0.calls[method.fullyQualifiedMethod, default: 0] }
  }

  /// Waits until `condition` holds, polling; fails the wait after `limit` (a safety net so a
  /// broken transport fails the test instead of hanging it; never a timing assertion).
  func waitUntil(limit: Duration = .seconds(10), _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
      if ContinuousClock.now > deadline { return false }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return true
  }
}

/// A one-shot latch: `wait()` suspends until `open()`.
final class Gate: Sendable {
  private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>(
    (false, [])
  )

  func open() {
    let waiters = self.state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
      state.open = true
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  func wait() async {
    await withCheckedContinuation { continuation in
      let now = self.state.withLockedValue { state -> Bool in
        if state.open { return true }
        state.waiters.append(continuation)
        return false
      }
      if now { continuation.resume() }
    }
  }
}
