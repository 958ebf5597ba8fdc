import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `People` API, in the calling tenant.
struct PeopleAPI: Erp_Hr_V1_People.SimpleServiceProtocol {
  let pool: ConnectionPool

  func createDepartment(
    request: Erp_Hr_V1_Department,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_Department
  {
    try await inCallingTenant { tenant in try await Departments.create(self.pool, tenant, request) }
  }

  func listDepartments(
    request: Erp_Hr_V1_ListDepartmentsRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_ListDepartmentsResponse
  {
    var response = Erp_Hr_V1_ListDepartmentsResponse()
    response.departments = try await inCallingTenant { tenant in
      try await Departments.list(self.pool, tenant)
    }
    return response
  }

  func createPosition(
    request: Erp_Hr_V1_Position,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_Position
  {
    try await inCallingTenant { tenant in
      try await Departments.createPosition(self.pool, tenant, request)
    }
  }

  func hireEmployee(
    request: Erp_Hr_V1_HireEmployeeRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_Employee
  {
    try await inCallingTenant { tenant in try await Employees.hire(self.pool, tenant, request) }
  }

  func getEmployee(
    request: Erp_Hr_V1_GetEmployeeRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_Employee
  {
    try await inCallingTenant { tenant in try await Employees.get(self.pool, tenant, id: request.id)
    }
  }

  func listEmployees(
    request: Erp_Hr_V1_ListEmployeesRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_ListEmployeesResponse
  {
    var response = Erp_Hr_V1_ListEmployeesResponse()
    response.employees = try await inCallingTenant { tenant in
      try await Employees.list(self.pool, tenant, request)
    }
    return response
  }

  func terminateEmployee(
    request: Erp_Hr_V1_TerminateEmployeeRequest,
    context: ServerContext
  )
    async throws -> Erp_Hr_V1_Employee
  {
    try await inCallingTenant { tenant in try await Employees.terminate(self.pool, tenant, request)
    }
  }

  func headcount(
    request: Erp_Hr_V1_HeadcountRequest,
    context: ServerContext
  ) async throws
    -> Erp_Hr_V1_HeadcountResponse
  {
    try await inCallingTenant { tenant in try await Employees.headcount(self.pool, tenant, request)
    }
  }
}
