import ERPStore
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@testable import ERPRuntime

@Suite("A call's deadline reaches its SQL")
struct DeadlineToSQLTests {
  @Test("a call with a 200 ms grpc-timeout running pg_sleep(10) ends DEADLINE_EXCEEDED")
  func callDeadlineEndsStatement() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 2)
    let observer = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant("cd")
    try await pool.provision(tenant, migrations: [])
    let tag = "calldeadline_\(UUID().uuidString.prefix(8))"
    let descriptor = MethodDescriptor(fullyQualifiedService: "erp.test.v1.Sleep", method: "Sleep")
    let request = StreamingServerRequest<Int>(
      metadata: [MetadataKeys.timeout: .string("200m")],
      messages: RPCAsyncSequence(wrapping: AsyncThrowingStream<Int, any Error> { $0.finish() })
    )
    let error = await #expect(throws: RPCError.self) {
      try await withServerContextRPCCancellationHandle { handle in
        let context = ServerContext(
          descriptor: descriptor,
          remotePeer: "ipv4:127.0.0.1:1",
          localPeer: "ipv4:127.0.0.1:2",
          cancellation: handle
        )
        let response: StreamingServerResponse<Int> = try await RequestContext.binding(
          tenant: tenant,
          request: request,
          context: context
        ) { _, _ in
          try await mappingStoreErrors {
            try await pool.tenantQuery(tenant, "SELECT pg_sleep(10), '\(tag)'")
          }
          return StreamingServerResponse(of: Int.self) { _ in [:] }
        }
        _ = response
      }
    }
    #expect(error?.code == .deadlineExceeded)
    #expect(try await !isRunning(tag, on: observer))
    await pool.shutdown()
    await observer.shutdown()
  }
}
