import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Billing` API: receivables, payables, payments and their reports, in the calling tenant.
struct BillingAPI: Erp_Finance_V1_Billing.SimpleServiceProtocol {
  let pool: ConnectionPool
  /// Delivers the partner events issuing, payments and allocations queue (none when nil).
  var relay: OutboxRelay? = nil

  func listTaxCodes(
    request: Erp_Finance_V1_ListTaxCodesRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_ListTaxCodesResponse
  {
    var response = Erp_Finance_V1_ListTaxCodesResponse()
    response.taxCodes = try await inCallingTenant { tenant in
      try await TaxCodes.list(self.pool, tenant)
    }
    return response
  }

  func createTaxCode(
    request: Erp_Finance_V1_TaxCode,
    context: ServerContext
  ) async throws
    -> Erp_Finance_V1_TaxCode
  {
    return try await inCallingTenant { tenant in
      try await TaxCodes.create(self.pool, tenant, request)
    }
  }

  func issueInvoice(
    request: Erp_Finance_V1_IssueInvoiceRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Invoice
  {
    return try await inCallingTenant(notifying: self.relay) { tenant in
      try await InvoiceIssuing.issue(self.pool, tenant, request)
    }
  }

  func revaluePeriod(
    request: Erp_Finance_V1_RevaluePeriodRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_Revaluation {
    try await inCallingTenant { tenant in
      try await PeriodRevaluation.revalue(self.pool, tenant, request)
    }
  }

  func issueCreditNote(
    request: Erp_Finance_V1_IssueCreditNoteRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Invoice
  {
    return try await inCallingTenant { tenant in
      try await InvoiceIssuing.creditNote(self.pool, tenant, request)
    }
  }

  func listInvoices(
    request: Erp_Finance_V1_ListInvoicesRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_ListInvoicesResponse {
    var response = Erp_Finance_V1_ListInvoicesResponse()
    response.invoices = try await inCallingTenant { tenant in
      try await InvoiceReading.list(self.pool, tenant, request)
    }
    return response
  }

  func getInvoice(
    request: Erp_Finance_V1_GetInvoiceRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Invoice
  {
    return try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) {
        try await InvoiceReading.byNumber($0, request.number)
      }
    }
  }

  func recordPayment(
    request: Erp_Finance_V1_RecordPaymentRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Payment
  {
    return try await inCallingTenant(notifying: self.relay) { tenant in
      try await Payments.record(self.pool, tenant, request)
    }
  }

  func allocatePayment(
    request: Erp_Finance_V1_AllocatePaymentRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Payment
  {
    return try await inCallingTenant(notifying: self.relay) { tenant in
      try await Payments.allocate(self.pool, tenant, request)
    }
  }

  func refundPayment(
    request: Erp_Finance_V1_RefundPaymentRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Payment
  {
    return try await inCallingTenant { tenant in
      try await Payments.refund(self.pool, tenant, request)
    }
  }

  func agedBalances(
    request: Erp_Finance_V1_AgedBalancesRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_AgedBalancesResponse
  {
    return try await inCallingTenant { tenant in
      try await BillingReports.aged(self.pool, tenant, request)
    }
  }

  func partyStatement(
    request: Erp_Finance_V1_PartyStatementRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_PartyStatementResponse
  {
    return try await inCallingTenant { tenant in
      try await BillingReports.statement(self.pool, tenant, request)
    }
  }

  func vatReturn(
    request: Erp_Finance_V1_VatReturnRequest,
    context: ServerContext
  ) async throws
    -> Erp_Finance_V1_VatReturnResponse
  {
    return try await inCallingTenant { tenant in
      try await BillingReports.vatReturn(self.pool, tenant, request)
    }
  }

  func getBillingSettings(
    request: Erp_Finance_V1_GetBillingSettingsRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_BillingSettings {
    try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) { try await BillingSettingsStore.get($0) }
    }
  }

  func updateBillingSettings(
    request: Erp_Finance_V1_BillingSettings,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_BillingSettings {
    try await inCallingTenant { tenant in
      try await BillingSettingsStore.update(self.pool, tenant, request)
    }
  }

  func getPartyTerms(
    request: Erp_Finance_V1_GetPartyTermsRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_PartyTerms {
    try await inCallingTenant { tenant in try await PartyTermsStore.get(self.pool, tenant, request)
    }
  }

  func setPartyTerms(
    request: Erp_Finance_V1_PartyTerms,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_PartyTerms {
    try await inCallingTenant { tenant in try await PartyTermsStore.set(self.pool, tenant, request)
    }
  }

  func getCreditExposure(
    request: Erp_Finance_V1_GetCreditExposureRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_CreditExposure {
    try await inCallingTenant { tenant in try await CreditExposure.get(self.pool, tenant, request) }
  }
}
