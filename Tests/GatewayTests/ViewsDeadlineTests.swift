import ERPProtos
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

/// A server whose handlers never answer: they wait until cancelled (at most a minute, so a
/// test that goes wrong still ends). A service that is up but hung, as the gateway sees it.
private struct HungService: RegistrableRPCService {
  let methods: [MethodDescriptor]

  func registerMethods<T: ServerTransport>(with router: inout RPCRouter<T>) {
    for method in self.methods {
      router.registerHandler(
        forMethod: method,
        deserializer: RawDeserializer(),
        serializer: RawSerializer()
      ) { request, _ in
        try? await Task.sleep(for: .seconds(60))
        throw RPCError(code: .unavailable, message: "hung")
      }
    }
  }
}

@Suite("Gateway views under a caller's deadline")
struct ViewsDeadlineTests {
  /// Sales accepts the call and never answers. A client that keeps a 1.5 s deadline still
  /// gets both views, the sales sections marked, because the sections stop short of the
  /// deadline and leave the gateway time to answer.
  @Test("One service hung: the views answer before the caller's deadline, that section marked")
  func viewsAnswerBeforeTheDeadlineWithAServiceHung() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwh")
      let key = try await gateway.key(
        tenant,
        scopes: ["customers:write", "finance:read", "sales:read", "supplychain:read"]
      ).secret
      let customer = try await gateway.createCustomer(key, "مؤسسة النخيل")

      let sales = gateway.servers["sales"]!
      await sales.stop()
      let hung = GRPCServer(
        transport: ERPTransport.Server(config: .init(host: "127.0.0.1", port: sales.port)),
        services: [
          HungService(methods: [
            Erp_Sales_V1_Orders.Method.ListOrders.descriptor,
            Erp_Sales_V1_SalesReports.Method.Revenue.descriptor,
          ])
        ]
      )
      let serving = Task { try await hung.serve() }
      defer { serving.cancel() }

      var options = CallOptions.defaults
      options.timeout = .milliseconds(1_500)
      var request = Erp_Gateway_V1_Customer360Request()
      request.customerID = customer.id
      let views = Erp_Gateway_V1_Views.Client(wrapping: gateway.client)
      let view = try await views.customer360(
        request,
        metadata: GatewayHarness.partner(key),
        options: options
      )
      #expect(view.profile.name == "مؤسسة النخيل")
      let status = Dictionary(uniqueKeysWithValues: view.sections.map { ($0.section, $0) })
      #expect(status["profile"]?.available == true)
      #expect(status["recent_orders"]?.available == false)
      #expect(status["recent_orders"]?.code == "deadlineExceeded")
      #expect(status["recent_shipments"]?.available == false)

      let dashboard = try await views.tenantDashboard(
        .init(),
        metadata: GatewayHarness.partner(key),
        options: options
      )
      let sections = Dictionary(uniqueKeysWithValues: dashboard.sections.map { ($0.section, $0) })
      #expect(sections["revenue"]?.available == false)
      #expect(sections["revenue"]?.code == "deadlineExceeded")
      #expect(sections["receivables"]?.available == true)
    }
  }
}
