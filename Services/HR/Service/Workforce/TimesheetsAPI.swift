import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Timesheets` API, in the calling tenant.
struct TimesheetsAPI: Erp_Hr_V1_Timesheets.SimpleServiceProtocol {
  let pool: ConnectionPool

  func recordDay(
    request: Erp_Hr_V1_RecordDayRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_TimesheetDay
  {
    try await inCallingTenant { tenant in try await TimesheetDays.record(self.pool, tenant, request)
    }
  }

  func listTimesheet(
    request: Erp_Hr_V1_ListTimesheetRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_ListTimesheetResponse
  {
    try await inCallingTenant { tenant in try await TimesheetDays.month(self.pool, tenant, request)
    }
  }
}
