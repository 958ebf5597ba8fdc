import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Scheduling` API, in the calling tenant.
struct SchedulingAPI: Erp_Hr_V1_Scheduling.SimpleServiceProtocol {
  let pool: ConnectionPool

  func createShift(
    request: Erp_Hr_V1_CreateShiftRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_Shift
  {
    try await inCallingTenant { tenant in try await Shifts.create(self.pool, tenant, request) }
  }

  func assignShift(
    request: Erp_Hr_V1_AssignShiftRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_Shift
  {
    try await inCallingTenant { tenant in try await Shifts.assign(self.pool, tenant, request) }
  }

  func unassignShift(
    request: Erp_Hr_V1_AssignShiftRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_Shift
  {
    try await inCallingTenant { tenant in try await Shifts.unassign(self.pool, tenant, request) }
  }

  func weeklySchedule(
    request: Erp_Hr_V1_WeeklyScheduleRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_WeeklyScheduleResponse
  {
    var response = Erp_Hr_V1_WeeklyScheduleResponse()
    response.shifts = try await inCallingTenant { tenant in
      try await Shifts.week(self.pool, tenant, request)
    }
    return response
  }
}
