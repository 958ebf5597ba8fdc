import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import NIOConcurrencyHelpers

/// One service executable run as a real process on free ports, which a test can kill -9 and
/// start again on the same ports, as a supervisor would after a crash.
final class ServiceUnderFault: Sendable {
  static let secret = "fault-test-secret-0123456789"

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  let name: String
  let port: Int
  let opsPort: Int
  private let environment: [String: String]
  private let process = NIOLockedValueBox<RunningProcess?>(nil)

  init(_ name: String, conninfo: String) throws {
    self.name = name
    let ports = try FreePorts.distinct(2)
    self.port = ports[0]
    self.opsPort = ports[1]
    var environment = ProcessInfo.processInfo.environment
    environment["ERP_DATABASE_URL"] = conninfo
    environment["ERP_HOST"] = "127.0.0.1"
    environment["ERP_PORT"] = String(self.port)
    environment["ERP_OPS_PORT"] = String(self.opsPort)
    environment["ERP_SERVICE_SECRET"] = Self.secret
    self.environment = environment
  }

  /// Starts the executable and waits until it answers `/readyz` (at most a minute).
  func start() async throws {
    let process = try await RunningProcess(
      try Subprocess.builtProduct("erp-\(self.name)"),
      [],
      environment: self.environment
    )
    self.process.withLockedValue { $0 = process }
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
      let ready = try? await OpsProbe.get(port: self.opsPort, path: "/readyz", timeoutSeconds: 2)
      if ready?.status == 200 { return }
      guard ContinuousClock.now < deadline else {
        throw Failure(description: "erp-\(self.name) not ready within 60 s:\n\(process.output)")
      }
      try await Task.sleep(for: .milliseconds(100))
    }
  }

  /// kill -9, and wait until it is gone.
  func kill() async throws {
    guard let process = self.process.withLockedValue({ $0 }) else { return }
    process.signal(SIGKILL)
    _ = try await process.waitForExit()
  }

  /// SIGTERM (the service drains), and wait until it is gone.
  func stop() async {
    guard let process = self.process.withLockedValue({ $0 }) else { return }
    process.signal(SIGTERM)
    _ = try? await process.waitForExit()
  }

  /// What the running process printed so far.
  var output: String { self.process.withLockedValue { $0?.output ?? "" } }

  /// A client of the service, its calls in `tenant`.
  func client<T: Sendable>(
    _ tenant: TenantID,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>) async throws -> T
  ) async throws -> T {
    try await withServiceClient(port: self.port, secret: Self.secret) { client in
      try await RequestContext.$tenant.withValue(tenant) { try await body(client) }
    }
  }

  /// Provisions `tenant` through the service's own `TenantAdmin` API.
  func provision(_ tenant: TenantID) async throws {
    try await withServiceClient(port: self.port, secret: Self.secret) { client in
      var request = Erp_Common_V1_ProvisionTenantRequest()
      request.tenantID = tenant.slug
      _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(request)
    }
  }
}

/// A client's retry loop: the same request again (same request id) until it gets an answer,
/// backing off from 20 ms doubling to 500 ms, for at most `limit`. Each failed attempt is
/// recorded (its code, and when the attempt began) so a test can say which failures it saw.
actor RetryLog {
  struct Attempt: Sendable {
    var code: RPCError.Code
    var began: ContinuousClock.Instant
  }

  private(set) var failures: [Attempt] = []
  /// When each answer arrived, in order.
  private(set) var answeredAt: [ContinuousClock.Instant] = []
  var answered: Int { self.answeredAt.count }

  /// The codes a client retries: the service or its database away, or a conflict.
  static let retryable: [RPCError.Code] = [.unavailable, .deadlineExceeded, .aborted, .unknown]

  func untilAnswered<T: Sendable>(
    within limit: Duration = .seconds(120),
    _ call: @Sendable () async throws -> T
  ) async throws -> T {
    let deadline = ContinuousClock.now + limit
    var delay = Duration.milliseconds(20)
    while true {
      let began = ContinuousClock.now
      do {
        let answer = try await call()
        self.answeredAt.append(ContinuousClock.now)
        return answer
      } catch let error as RPCError
        where Self.retryable.contains(error.code) && ContinuousClock.now < deadline
      {
        self.failures.append(Attempt(code: error.code, began: began))
        try await Task.sleep(for: delay)
        delay = min(delay * 2, .milliseconds(500))
      }
    }
  }
}
