import ERPClient
import ERPProtos
import ERPTestSupport
import ERPTransport
import GRPCCore
import Synchronization
import Testing

/// ``RetryingUnavailable``: what `erpctl smoke` relies on when a service's name does not resolve
/// for a moment (a container joining podman's network): a call refused UNAVAILABLE is made
/// again, up to its attempts; any other refusal is the answer.
@Suite("partner client: calls refused UNAVAILABLE are retried")
struct RetryingUnavailableTests {
  /// TenantAdmin's `describe`, refused with `code` by the first `refusals` calls.
  final class Refusing: Erp_Common_V1_TenantAdmin.SimpleServiceProtocol {
    let code: RPCError.Code
    let refusals: Int
    let calls = Mutex(0)

    init(code: RPCError.Code, refusals: Int) {
      self.code = code
      self.refusals = refusals
    }

    func describe(
      request: Erp_Common_V1_DescribeTenantRequest,
      context: ServerContext
    ) async throws -> Erp_Common_V1_TenantInfo {
      let call = self.calls.withLock { calls in
        calls += 1
        return calls
      }
      guard call > self.refusals else {
        throw RPCError(code: self.code, message: "refused \(call)")
      }
      var info = Erp_Common_V1_TenantInfo()
      info.tenantID = request.tenantID
      return info
    }

    func provision(
      request: Erp_Common_V1_ProvisionTenantRequest,
      context: ServerContext
    ) async throws -> Erp_Common_V1_TenantInfo { throw RPCError(code: .unimplemented, message: "") }
    func migrate(
      request: Erp_Common_V1_MigrateTenantRequest,
      context: ServerContext
    ) async throws -> Erp_Common_V1_TenantInfo { throw RPCError(code: .unimplemented, message: "") }
    func list(
      request: Erp_Common_V1_ListTenantsRequest,
      context: ServerContext
    ) async throws -> Erp_Common_V1_ListTenantsResponse {
      throw RPCError(code: .unimplemented, message: "")
    }
    func deprovision(
      request: Erp_Common_V1_DeprovisionTenantRequest,
      context: ServerContext
    ) async throws -> Erp_Common_V1_DeprovisionTenantResponse {
      throw RPCError(code: .unimplemented, message: "")
    }
  }

  /// Calls `describe` once, against `service`, through a client retrying `attempts` times;
  /// the answer and the attempts `counter` saw refused UNAVAILABLE.
  static func describe(
    _ service: Refusing,
    attempts: Int,
    _ counter: RetryingUnavailable.Counter
  ) async throws -> Erp_Common_V1_TenantInfo {
    try await withLoopbackServer(services: [service]) { _, port in
      var config = ERPTransport.Client.Config()
      config.serviceConfig = RetryingUnavailable.serviceConfig(
        attempts: attempts,
        backoff: .milliseconds(5)
      )
      let client = GRPCClient(
        transport: ERPTransport.Client(
          targets: [.init(host: "127.0.0.1", port: port)],
          config: config
        ),
        interceptors: [counter]
      )
      return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.runConnections() }
        defer { client.beginGracefulShutdown() }
        var request = Erp_Common_V1_DescribeTenantRequest()
        request.tenantID = "شركة"
        return try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).describe(request)
      }
    }
  }

  @Test("refused UNAVAILABLE twice, answered on the third attempt")
  func retriedUntilAnswered() async throws {
    let service = Refusing(code: .unavailable, refusals: 2)
    let counter = RetryingUnavailable.Counter()
    let info = try await Self.describe(service, attempts: 5, counter)
    #expect(info.tenantID == "شركة")
    #expect(service.calls.withLock { $0 } == 3)
    #expect(counter.count == 2)
  }

  @Test("always UNAVAILABLE: the last attempt's error, after exactly the attempts allowed")
  func givesUpAfterItsAttempts() async throws {
    let service = Refusing(code: .unavailable, refusals: .max)
    let counter = RetryingUnavailable.Counter()
    let error = await #expect(throws: RPCError.self) {
      try await Self.describe(service, attempts: 3, counter)
    }
    #expect(error?.code == .unavailable)
    #expect(error?.message == "refused 3")
    #expect(service.calls.withLock { $0 } == 3)
    #expect(counter.count == 3)
  }

  @Test("another refusal is the answer: not retried")
  func otherCodesNotRetried() async throws {
    let service = Refusing(code: .failedPrecondition, refusals: 1)
    let counter = RetryingUnavailable.Counter()
    let error = await #expect(throws: RPCError.self) {
      try await Self.describe(service, attempts: 5, counter)
    }
    #expect(error?.code == .failedPrecondition)
    #expect(service.calls.withLock { $0 } == 1)
    #expect(counter.count == 0)
  }
}
