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

/// The `Leave` API, in the calling tenant.
struct LeaveAPI: Erp_Hr_V1_Leave.SimpleServiceProtocol {
  let pool: ConnectionPool

  func createLeaveType(
    request: Erp_Hr_V1_LeaveType,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_LeaveType
  {
    try await inCallingTenant { tenant in
      try await LeaveRequests.createType(self.pool, tenant, request)
    }
  }

  func requestLeave(
    request: Erp_Hr_V1_RequestLeaveRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_LeaveRequest
  {
    try await inCallingTenant { tenant in
      try await LeaveRequests.request(self.pool, tenant, request)
    }
  }

  func approveLeave(
    request: Erp_Hr_V1_DecideLeaveRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_LeaveRequest
  {
    try await inCallingTenant { tenant in
      try await LeaveRequests.approve(self.pool, tenant, number: request.id)
    }
  }

  func rejectLeave(
    request: Erp_Hr_V1_DecideLeaveRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_LeaveRequest
  {
    try await inCallingTenant { tenant in
      try await LeaveRequests.reject(self.pool, tenant, number: request.id)
    }
  }

  func leaveBalances(
    request: Erp_Hr_V1_LeaveBalancesRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_LeaveBalancesResponse
  {
    var response = Erp_Hr_V1_LeaveBalancesResponse()
    response.balances = try await inCallingTenant { tenant in
      try await LeaveRequests.balances(self.pool, tenant, request)
    }
    return response
  }
}

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
