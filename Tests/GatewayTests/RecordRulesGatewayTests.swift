import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTransport
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

@testable import Gateway

/// Two sales reps limited to their own records and a manager who is not, as the gateway passes
/// a signed-in user on to the services (``Caller``).
private let u1 = Caller(
  id: "user:bbbbbbbb-0000-0000-0000-000000000001",
  scopes: [],
  ownRecordsOnly: true
)
private let u2 = Caller(
  id: "user:bbbbbbbb-0000-0000-0000-000000000002",
  scopes: [],
  ownRecordsOnly: true
)
private let manager = Caller(id: "user:bbbbbbbb-0000-0000-0000-000000000003", scopes: [])

@Suite("Gateway: record rules", .serialized)
struct RecordRulesGatewayTests {
  /// The gateway's Customer360 as its Views handler runs it for a caller (the sections' calls
  /// go out through the gateway's own kind of peer clients, which carry the caller): a limited
  /// rep's 360 of another's customer is NOT_FOUND, its own holds only what it may see.
  @Test("Customer360 follows the caller's record rule; another rep's customer is NOT_FOUND")
  func customer360() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try TenantID(validating: try await gateway.tenant("gwrr"))
      let system = gateway.system
      let names = ["customers", "sales", "finance", "supplychain"]
      let peers = PeerClients(
        targets: Dictionary(
          uniqueKeysWithValues: names.map { name in
            (name, [ERPTransport.Client.Target(host: "127.0.0.1", port: system[name]!.port)])
          }
        ),
        secret: InProcessSystem.secret
      )
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await peers.runConnections() }
        defer { peers.shutdown() }
        try await system.withClients(["customers"], tenant: tenant) { clients in
          let customers = Erp_Customers_V1_Customers.Client(wrapping: clients["customers"]!)
          let pipeline = Erp_Customers_V1_Pipeline.Client(wrapping: clients["customers"]!)
          func create(_ rep: Caller, _ name: String) async throws -> String {
            try await RequestContext.$caller.withValue(rep) {
              var request = Erp_Customers_V1_CreateCustomerRequest()
              request.requestID = "g-\(name)"
              request.customer.kind = .organisation
              request.customer.name = name
              return try await customers.createCustomer(request).id
            }
          }
          let mine = try await create(u1, "شركة الأول")
          let theirs = try await create(u2, "شركة الثاني")
          // The manager opens an opportunity on u1's customer for u2: u1 must not see it.
          try await RequestContext.$caller.withValue(manager) {
            var opportunity = Erp_Customers_V1_CreateOpportunityRequest()
            opportunity.requestID = "g-op"
            opportunity.opportunity.customerID = mine
            opportunity.opportunity.name = "صفقة"
            opportunity.opportunity.ownerID = u2.id
            opportunity.opportunity.amount.currencyCode = "SAR"
            opportunity.opportunity.expectedClose.year = 2026
            opportunity.opportunity.expectedClose.month = 12
            opportunity.opportunity.expectedClose.day = 31
            _ = try await pipeline.createOpportunity(opportunity)
          }

          let scopes: Set<String> = ["customers:read", "sales:read", "finance:read"]
          func view(_ caller: Caller, _ id: String) async throws -> Erp_Gateway_V1_Customer360View {
            try await RequestContext.$caller.withValue(caller) {
              try await Customer360.view(Sections(peers: peers, scopes: scopes), customerID: id)
            }
          }
          let own = try await view(u1, mine)
          #expect(own.profile.id == mine)
          #expect(own.sections.first { $0.section == "open_opportunities" }?.available == true)
          #expect(own.openOpportunities.isEmpty)
          let hidden = await #expect(throws: RPCError.self) { _ = try await view(u1, theirs) }
          #expect(hidden?.code == .notFound)
          #expect(hidden?.message == "customer_id: no customer \"\(theirs)\"")
          // Without the limit: both, and the opportunity.
          #expect(try await view(manager, theirs).profile.id == theirs)
          #expect(try await view(manager, mine).openOpportunities.count == 1)
        }
        group.cancelAll()
      }
    }
  }

  /// The caller's identity is the gateway's to set: from outside it is refused, naming the key,
  /// on the ERPT port, the JSON door and the HTTP/2 door (which also refuses the secret).
  @Test("caller metadata, or the services' secret on a partner door, from outside: refused")
  func outsideMetadataRefused() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwro")
      let key = try await gateway.key(tenant, scopes: ["customers:write"]).secret
      let customer = try await gateway.createCustomer(key, "عميل")
      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = customer.id
      for name in ["x-erp-caller", "x-erp-caller-own", "x-erp-caller-scopes"] {
        var metadata = GatewayHarness.partner(key)
        metadata.addString(name == "x-erp-caller-own" ? "1" : "user:someone", forKey: name)
        let refused = await #expect(throws: RPCError.self) {
          _ = try await gateway.customers.getCustomer(get, metadata: metadata)
        }
        #expect(refused?.code == .permissionDenied)
        #expect(refused?.message.hasPrefix("\(name):") == true)
      }
      var view = Erp_Gateway_V1_Customer360Request()
      view.customerID = customer.id
      var viewMetadata = GatewayHarness.partner(key)
      viewMetadata.addString("1", forKey: "x-erp-caller-own")
      let viewRefused = await #expect(throws: RPCError.self) {
        _ = try await Erp_Gateway_V1_Views.Client(wrapping: gateway.client)
          .customer360(view, metadata: viewMetadata)
      }
      #expect(viewRefused?.code == .permissionDenied)
      // Without it the same call passes.
      #expect(try await gateway.getCustomer(key, customer.id).name == "عميل")

      // The JSON door: headers of the platform's are refused, not dropped.
      let json = try await JSONClient.of(gateway)
      for header in ["x-erp-caller-own", "x-erp-service-secret"] {
        let answer = try await json.post(
          "/erp.customers.v1.Customers/GetCustomer",
          #"{"id":"\#(customer.id)"}"#,
          key: key,
          headers: [(header, "1")]
        )
        #expect(answer.status == 403)
        #expect(answer.code == "permission_denied")
        #expect(answer.message.hasPrefix("\(header):"))
      }

      // The HTTP/2 door, with a stock gRPC client.
      let door = try #require(gateway.system["gateway"]?.door(HTTP2Door.self))
      let port = try await door.listeningPort
      let client = GRPCClient(
        transport: try HTTP2ClientTransport.Posix(
          target: .ipv4(host: "127.0.0.1", port: port),
          transportSecurity: .plaintext
        )
      )
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.runConnections() }
        defer { client.beginGracefulShutdown() }
        let customers = Erp_Customers_V1_Customers.Client(wrapping: client)
        for header in ["x-erp-service-secret", "x-erp-caller"] {
          var metadata = GatewayHarness.partner(key)
          metadata.addString(InProcessSystem.secret, forKey: header)
          let refused = await #expect(throws: RPCError.self) {
            _ = try await customers.getCustomer(get, metadata: metadata)
          }
          #expect(refused?.code == .permissionDenied)
          #expect(refused?.message.hasPrefix("\(header):") == true)
        }
        let found = try await customers.getCustomer(get, metadata: GatewayHarness.partner(key))
        #expect(found.id == customer.id)
      }
    }
  }
}
