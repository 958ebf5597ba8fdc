import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

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
