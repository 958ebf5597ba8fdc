import ERPProtos
import ERPStore
import GRPCCore
import Testing

/// Partners reach finance's foreign-currency calls through the gateway with their key's scopes:
/// an exchange rate read back, a month revalued (a write), and a read-only key refused the write.
@Suite("Gateway: exchange rates and revaluation for partners")
struct ExchangeGatewayTests {
  @Test("a partner reads a rate and revalues a month; a read-only key may not revalue")
  func partnerReach() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwfx")
      let writer = GatewayHarness.partner(
        try await gateway.key(tenant, scopes: ["finance:write"]).secret
      )
      let reader = GatewayHarness.partner(
        try await gateway.key(tenant, scopes: ["finance:read"]).secret
      )
      let ledger = Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "SAR"
      _ = try await ledger.setBaseCurrency(base, metadata: writer)
      var rate = Erp_Finance_V1_SetExchangeRateRequest()
      rate.currencyCode = "KWD"
      rate.effective = CalendarDate(year: 2026, month: 8, day: 1).proto
      rate.rate = "12.2345"
      _ = try await ledger.setExchangeRate(rate, metadata: writer)
      var get = Erp_Finance_V1_GetExchangeRateRequest()
      get.currencyCode = "KWD"
      get.on = CalendarDate(year: 2026, month: 8, day: 20).proto
      #expect(try await ledger.getExchangeRate(get, metadata: reader).rate == "12.2345")

      let billing = Erp_Finance_V1_Billing.Client(wrapping: gateway.client)
      var revalue = Erp_Finance_V1_RevaluePeriodRequest()
      revalue.requestID = "gw-rv-2026-08"
      revalue.year = 2026
      revalue.month = 8
      let refused = await #expect(throws: RPCError.self) {
        _ = try await billing.revaluePeriod(revalue, metadata: reader)
      }
      #expect(refused?.code == .permissionDenied)
      // Nothing is open: the month is recorded as revalued with no entry.
      let revalued = try await billing.revaluePeriod(revalue, metadata: writer)
      #expect(revalued.lines.isEmpty)
      #expect(revalued.journalEntry.isEmpty)
      #expect(revalued.requestID == "gw-rv-2026-08")
    }
  }
}
