import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

/// Hostile text sent to the gateway: refused by the domain service behind it (the gateway
/// forwards bytes undecoded) or by the gateway's own APIs, naming the field; Arabic kept in
/// every status message on the way back.
@Suite("Gateway: NUL bytes, long inputs and Arabic in status messages")
struct TextThroughGatewayTests {
  @Test("a customer name with a NUL byte, through the gateway, is refused naming customer.name")
  func nulThroughTheGateway() async throws {
    try await GatewayHarness.run { gateway in
      let key = try await gateway.key(try await gateway.tenant("gwnul")).secret
      var request = Erp_Customers_V1_CreateCustomerRequest()
      request.requestID = "nul-1"
      request.customer.kind = .organisation
      request.customer.name = "a\u{0}b"
      let error = await #expect(throws: RPCError.self) {
        _ = try await gateway.customers.createCustomer(
          request,
          metadata: GatewayHarness.partner(key)
        )
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == "customer.name: must not contain a NUL byte")
    }
  }

  @Test("a 16,400-character id through the gateway: INVALID_ARGUMENT, no echo, others unharmed")
  func longIDThroughTheGateway() async throws {
    try await GatewayHarness.run { gateway in
      let key = try await gateway.key(try await gateway.tenant("gwlong")).secret
      let mine = try await gateway.createCustomer(key, "مؤسسة النور")
      let error = await #expect(throws: RPCError.self) {
        _ = try await gateway.getCustomer(key, String(repeating: "x", count: 16_400))
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == "id: at most 100 characters")
      #expect(try await gateway.getCustomer(key, mine.id).name == "مؤسسة النور")
    }
  }

  @Test("an Arabic status message from the customers service arrives intact")
  func arabicFromADomainService() async throws {
    try await GatewayHarness.run { gateway in
      let key = try await gateway.key(try await gateway.tenant("gwar")).secret
      let error = await #expect(throws: RPCError.self) {
        _ = try await gateway.getCustomer(key, "عميل-غير-موجود")
      }
      #expect(error?.code == .notFound)
      #expect(error?.message == "id: no customer \"عميل-غير-موجود\"")
    }
  }

  @Test("the gateway's own refusal of an Arabic tenant id shows it in Arabic, not ????")
  func arabicFromTheGateway() async throws {
    try await GatewayHarness.run { gateway in
      var request = Erp_Gateway_V1_CreateTenantRequest()
      request.tenantID = "شركة"
      let error = await #expect(throws: RPCError.self) {
        _ = try await gateway.tenants.createTenant(request, metadata: GatewayHarness.operatorCall)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains("\"شركة\"") == true)
      #expect(error?.message.contains("?") == false)
    }
  }

  @Test("the gateway's own APIs are validated too: a key name with a NUL byte")
  func gatewayOwnAPI() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwkey")
      var request = Erp_Gateway_V1_IssueKeyRequest()
      request.tenantID = tenant
      request.name = "partner\u{0}"
      request.scopes = ["customers:read"]
      let error = await #expect(throws: RPCError.self) {
        _ = try await gateway.keys.issueKey(request, metadata: GatewayHarness.operatorCall)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == "name: must not contain a NUL byte")
    }
  }
}
