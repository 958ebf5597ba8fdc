import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Payroll` API, in the calling tenant.
struct PayrollAPI: Erp_Hr_V1_Payroll.SimpleServiceProtocol {
  let context: HRContext

  func getSettings(
    request: Erp_Hr_V1_GetPayrollSettingsRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_PayrollSettings
  {
    try await inCallingTenant { tenant in
      try await self.context.pool.withTenant(tenant) { try await PayrollSettingsStore.get($0) }
    }
  }

  func updateSettings(
    request: Erp_Hr_V1_PayrollSettings,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_PayrollSettings
  {
    try await inCallingTenant { tenant in
      try await PayrollSettingsStore.update(self.context.pool, tenant, request)
    }
  }

  func runPayroll(
    request: Erp_Hr_V1_RunPayrollRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_PayrollRun
  {
    try await inCallingTenant { tenant in try await PayrollRuns.run(self.context, tenant, request) }
  }

  func getPayrollRun(
    request: Erp_Hr_V1_GetPayrollRunRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_PayrollRun
  {
    try await inCallingTenant { tenant in
      try await PayrollRuns.get(self.context.pool, tenant, request.id)
    }
  }

  func approvePayrollRun(
    request: Erp_Hr_V1_GetPayrollRunRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_PayrollRun
  {
    try await inCallingTenant { tenant in
      try await PayrollRuns.approve(self.context, tenant, number: request.id)
    }
  }

  func payrollCost(
    request: Erp_Hr_V1_PayrollCostRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_PayrollCostResponse
  {
    var response = Erp_Hr_V1_PayrollCostResponse()
    response.lines = try await inCallingTenant { tenant in
      try await PayrollReports.cost(self.context.pool, tenant, year: request.year)
    }
    return response
  }

  func overtimeReport(
    request: Erp_Hr_V1_OvertimeReportRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_OvertimeReportResponse
  {
    var response = Erp_Hr_V1_OvertimeReportResponse()
    response.employees = try await inCallingTenant { tenant in
      try await PayrollReports.overtime(
        self.context.pool,
        tenant,
        year: request.year,
        month: request.month
      )
    }
    return response
  }

  func gosiReport(
    request: Erp_Hr_V1_GosiReportRequest,
    context: ServerContext
  ) async throws -> Erp_Hr_V1_GosiReportResponse {
    try await inCallingTenant { tenant in
      try await PayrollReports.gosi(
        self.context.pool,
        tenant,
        year: request.year,
        month: request.month
      )
    }
  }

  func wpsSalaryFile(
    request: Erp_Hr_V1_WpsSalaryFileRequest,
    context: ServerContext
  ) async throws -> Erp_Hr_V1_WpsSalaryFileResponse {
    try await inCallingTenant { tenant in
      try await WpsExport.file(self.context.pool, tenant, request)
    }
  }
}
