import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import Testing

@Suite("Observability: /metrics and JSON logs of a service run in process")
struct ObservabilityTests {
  @Test("after calls (one failing), /metrics shows RPC histograms and errors, pool and outbox")
  func metricsAfterCalls() async throws {
    let lines = LogLines()
    try await withObservedService(lines) { runner, client in
      let tenant = TestDatabase.uniqueTenant("obs")
      var provision = Erp_Common_V1_ProvisionTenantRequest()
      provision.tenantID = tenant.slug
      _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(provision)

      await RequestContext.$tenant.withValue(tenant) {
        for key in ["note-1", "stuck-1", ""] {
          await RequestContext.$requestID.withValue("request-\(key)") {
            _ = try? await client.unary(
              request: ClientRequest(message: Array(key.utf8)),
              descriptor: NotesService.write,
              serializer: RawSerializer(),
              deserializer: RawDeserializer(),
              options: .defaults
            ) { try $0.message }
          }
        }
      }

      // Scraped while the test holds a connection: one is in use, whatever the relay does.
      let opsPort = try await runner.opsPort
      let body = try await runner.pool.withSession { _ in
        try await OpsProbe.get(port: opsPort, path: "/metrics").body
      }
      let write = #"method="test.Notes/Write""#
      #expect(sample("erp_rpc_server_handled_total{\(write),code=\"OK\"}", in: body) == 2)
      #expect(
        sample("erp_rpc_server_handled_total{\(write),code=\"invalidArgument\"}", in: body) == 1
      )
      #expect(sample("erp_rpc_server_handling_seconds_count{\(write)}", in: body) == 3)
      #expect(sample("erp_rpc_server_handling_seconds_bucket{\(write),le=\"+Inf\"}", in: body) == 3)
      let buckets = body.split(separator: "\n").filter {
        $0.hasPrefix("erp_rpc_server_handling_seconds_bucket{\(write),")
      }
      #expect(buckets.count == 14)  // the 13 configured bounds and +Inf
      // Each runtime metric has its `# HELP` line, once, right before its `# TYPE`.
      let lines = body.split(separator: "\n").map(String.init)
      for (name, help) in MetricNames.help where lines.contains(where: { $0.hasPrefix(name) }) {
        let at = lines.firstIndex(of: "# HELP \(name) \(help)")
        #expect(at != nil, "no # HELP line for \(name)")
        #expect(lines.filter { $0.hasPrefix("# HELP \(name) ") }.count == 1)
        #expect(at.map { lines[$0 + 1].hasPrefix("# TYPE \(name) ") } == true)
      }
      #expect(
        lines.contains(
          "# HELP erp_rpc_server_handled_total \(MetricNames.help[MetricNames.rpcServerHandled]!)"
        )
      )
      // The relay's delivery called the peer (itself) through the runner's peer clients.
      let describe = #"method="erp.common.v1.TenantAdmin/Describe""#
      #expect(sample("erp_rpc_client_handled_total{\(describe),code=\"OK\"}", in: body) == 1)
      #expect(sample("erp_rpc_client_handling_seconds_count{\(describe)}", in: body) == 1)

      let open = try #require(sample("erp_db_pool_open", in: body))
      let idle = try #require(sample("erp_db_pool_idle", in: body))
      let inUse = try #require(sample("erp_db_pool_in_use", in: body))
      #expect(inUse >= 1)
      #expect(open == idle + inUse)
      #expect(sample("erp_db_pool_waiting", in: body) == 0)
      #expect(sample("erp_db_pool_acquire_timeouts_total", in: body) == 0)
      #expect(try #require(sample("erp_db_pool_created_total", in: body)) >= open)

      let service = #"service="finance""#
      #expect(sample("erp_outbox_pending{\(service)}", in: body) == 1)
      let age = try #require(sample("erp_outbox_oldest_pending_age_seconds{\(service)}", in: body))
      #expect(age >= 0 && age < 600)
      let topic = #"service="finance",topic="finance.note""#
      #expect(sample("erp_outbox_delivered_total{\(topic)}", in: body) == 1)
      #expect(try #require(sample("erp_outbox_retries_total{\(topic)}", in: body)) >= 1)
    }
  }

  @Test("JSON log lines parse one by one and carry the call's service, tenant and request id")
  func jsonLogsOfACall() async throws {
    let lines = LogLines()
    let tenant = TestDatabase.uniqueTenant("log")
    try await withObservedService(lines) { _, client in
      var provision = Erp_Common_V1_ProvisionTenantRequest()
      provision.tenantID = tenant.slug
      _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(provision)
      try await RequestContext.$tenant.withValue(tenant) {
        try await RequestContext.$requestID.withValue("request-log-1") {
          _ = try await client.unary(
            request: ClientRequest(message: Array("note-log".utf8)),
            descriptor: NotesService.write,
            serializer: RawSerializer(),
            deserializer: RawDeserializer(),
            options: .defaults
          ) { try $0.message }
        }
      }
    }
    let objects = try lines.objects()
    #expect(objects.count > 3)
    for object in objects {
      #expect(object["service"] as? String == "finance")
      #expect(object["level"] is String && object["message"] is String)
    }
    // The handler's own line, hostile text and all, with the request context's fields.
    let hostile = try #require(objects.first { $0["message"] as? String == hostileMessage })
    #expect(hostile["tenant"] as? String == tenant.slug)
    #expect(hostile["request_id"] as? String == "request-log-1")
    // The logging interceptor's line for the call.
    let rpc = try #require(
      objects.first {
        ($0["metadata"] as? [String: Any])?["method"] as? String == "test.Notes/Write"
      }
    )
    #expect(rpc["message"] as? String == "rpc")
    #expect(rpc["tenant"] as? String == tenant.slug)
    #expect(rpc["request_id"] as? String == "request-log-1")
    #expect((rpc["metadata"] as? [String: Any])?["code"] as? String == "ok")
  }
}
