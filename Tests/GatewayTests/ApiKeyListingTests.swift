import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

@Suite("Gateway: listing a tenant's API keys")
struct ApiKeyListingTests {
  /// ListKeys is the operator's view of a tenant's keys: every key of that tenant (revoked ones
  /// marked), with what it may do and its limits, never its secret and never another tenant's key;
  /// a partner's key cannot call it.
  @Test("ListKeys returns the tenant's keys, revoked marked, without secrets; operators only")
  func listsTheTenantsKeys() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("keys")
      let other = try await gateway.tenant("other")
      let reader = try await gateway.key(tenant, scopes: ["customers:read"], rate: 5, burst: 10)
      let writer = try await gateway.key(tenant, scopes: ["sales:write", "finance:read"])
      let foreign = try await gateway.key(other)
      var revoke = Erp_Gateway_V1_RevokeKeyRequest()
      revoke.id = writer.key.id
      _ = try await gateway.keys.revokeKey(revoke, metadata: GatewayHarness.operatorCall)

      var request = Erp_Gateway_V1_ListKeysRequest()
      request.tenantID = tenant
      let listed = try await gateway.keys.listKeys(request, metadata: GatewayHarness.operatorCall)
      let byID = Dictionary(uniqueKeysWithValues: listed.keys.map { ($0.id, $0) })
      #expect(Set(byID.keys) == [reader.key.id, writer.key.id])
      #expect(byID[foreign.key.id] == nil)
      let listedReader = try #require(byID[reader.key.id])
      #expect(listedReader.tenantID == tenant)
      #expect(listedReader.scopes == ["customers:read"])
      #expect(listedReader.ratePerSecond == 5)
      #expect(listedReader.burst == 10)
      #expect(!listedReader.revoked)
      #expect(byID[writer.key.id]?.revoked == true)
      #expect(Set(byID[writer.key.id]?.scopes ?? []) == ["sales:write", "finance:read"])
      // The response carries no secret anywhere, in any field (its text shows every field).
      let text = String(describing: listed)
      #expect(text.contains(reader.key.id))
      for secret in [reader.secret, writer.secret] { #expect(!text.contains(secret)) }

      // A partner, even with a valid key of this tenant, is not an operator.
      let refused = await #expect(throws: RPCError.self) {
        _ = try await gateway.keys.listKeys(
          request,
          metadata: GatewayHarness.partner(reader.secret, tenant: tenant)
        )
      }
      #expect(refused?.code == .unauthenticated)
    }
  }
}
