import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Departments (a tree: a parent must exist, so no cycle can form) and positions.
enum Departments {
  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ department: Erp_Hr_V1_Department
  )
    async throws -> Erp_Hr_V1_Department
  {
    let code = try HRValues.code(department.code, field: "code")
    let name = try HRValues.name(department.name, field: "name")
    let key = try RequestKey("hr.department", department, id: \.requestID)
    do {
      return try await answeringOnce(pool, tenant, key) { session in
        var parent: Int64? = nil
        if !department.parentCode.isEmpty {
          parent = try await HRValues.departmentID(
            session,
            department.parentCode,
            field: "parent_code"
          )
        }
        try await session.query(
          "INSERT INTO department (code, name, parent_id) VALUES ($1, $2, $3)",
          [code, name, parent]
        )
        var created = department
        created.name = name
        return created
      }
    } catch let error as PostgresError
      where error.sqlState == "23505" && error.constraint == "department_code_key"
    {
      throw RPCError(code: .alreadyExists, message: "code: department \(quoted(code)) exists")
    }
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws
    -> [Erp_Hr_V1_Department]
  {
    try await pool.tenantQuery(
      tenant,
      """
      WITH RECURSIVE tree AS (
        SELECT id, code, name, '' AS parent_code, ARRAY[code] AS path FROM department
        WHERE parent_id IS NULL
        UNION ALL
        SELECT d.id, d.code, d.name, t.code, t.path || d.code FROM department d
        JOIN tree t ON d.parent_id = t.id)
      SELECT code, name, parent_code FROM tree ORDER BY path
      """
    ).map { row in
      var department = Erp_Hr_V1_Department()
      department.code = try row.decode("code")
      department.name = try row.decode("name")
      department.parentCode = try row.decode("parent_code")
      return department
    }
  }

  static func createPosition(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ position: Erp_Hr_V1_Position
  )
    async throws -> Erp_Hr_V1_Position
  {
    let code = try HRValues.code(position.code, field: "code")
    let title = try HRValues.name(position.title, field: "title")
    let key = try RequestKey("hr.position", position, id: \.requestID)
    do {
      return try await answeringOnce(pool, tenant, key) { session in
        var department: Int64? = nil
        if !position.departmentCode.isEmpty {
          department = try await HRValues.departmentID(
            session,
            position.departmentCode,
            field: "department_code"
          )
        }
        try await session.query(
          "INSERT INTO position (code, title, department_id) VALUES ($1, $2, $3)",
          [code, title, department]
        )
        var created = position
        created.title = title
        return created
      }
    } catch let error as PostgresError
      where error.sqlState == "23505" && error.constraint == "position_code_key"
    {
      throw RPCError(code: .alreadyExists, message: "code: position \(quoted(code)) exists")
    }
  }
}
