import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// The SQL of staff users and custom roles (`gateway.staff_user`, `gateway.staff_role`), each
/// call inside one tenant, which the caller's credential decided.
enum StaffDirectory {
  static let columns = """
    id, email, display_name, language, time_zone, status, roles, totp_secret IS NOT NULL AS totp,
    extract(epoch FROM created_at)::float8::text AS created
    """

  static func user(_ row: PostgresRow) throws -> Erp_Gateway_V1_User {
    var user = Erp_Gateway_V1_User()
    user.id = try row.decode("id")
    user.email = try row.decode("email")
    user.displayName = try row.decode("display_name")
    user.language = try row.decode("language")
    user.timeZone = try row.decode("time_zone")
    let status: String = try row.decode("status")
    user.active = status == "active"
    user.deactivated = status == "deactivated"
    user.roles = try row.decode("roles")
    user.totpEnabled = try row.decode("totp")
    user.createdAt = StaffText.timestamp(StaffText.date(try row.decode("created")))
    return user
  }

  static func get(
    _ session: PostgresSession,
    tenant: String,
    id: String,
    field: String = "user_id"
  ) async throws -> Erp_Gateway_V1_User {
    let rows = try await session.query(
      "SELECT \(Self.columns) FROM gateway.staff_user WHERE tenant_id = $1 AND id = $2",
      [tenant, id]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no such user in this tenant")
    }
    return try Self.user(row)
  }

  /// A new invited user and its invitation token.
  static func invite(
    _ pool: ConnectionPool,
    tenant: String,
    _ request: Erp_Gateway_V1_InviteUserRequest,
    settings: IdentitySettings
  ) async throws -> Erp_Gateway_V1_Invitation {
    let email = try StaffText.email(request.email)
    let name = try StaffText.displayName(request.displayName)
    let language = try StaffText.language(request.language)
    let zone = try StaffText.timeZone(request.timeZone)
    let roles = try await Self.checkedRoles(pool, tenant: tenant, request.roles)
    let id = "usr_" + StaffSecret.hex(bytes: 8)
    let token = StaffSecret.make(StaffSecret.invitationPrefix)
    let expires = settings.clock.now(tenant).addingTimeInterval(settings.invitationLifetime)
    let user = try await pool.withTransaction { session in
      let inserted = try await session.query(
        """
        INSERT INTO gateway.staff_user (id, tenant_id, email, display_name, language, time_zone,
          status, roles)
        VALUES ($1, $2, $3, $4, $5, $6, 'invited', $7::text[])
        ON CONFLICT (tenant_id, email) DO NOTHING
        RETURNING \(Self.columns)
        """,
        [id, tenant, email, name, language, zone, roles]
      )
      guard let row = inserted.first else {
        throw RPCError(code: .alreadyExists, message: "email: this tenant has a user with it")
      }
      try await StaffTokens.insert(
        session,
        token: token,
        kind: .invitation,
        tenant: tenant,
        user: id,
        expires: expires
      )
      return try Self.user(row)
    }
    var invitation = Erp_Gateway_V1_Invitation()
    invitation.user = user
    invitation.token = token
    invitation.expiresAt = StaffText.timestamp(expires)
    return invitation
  }

  /// One page of the tenant's users by email; the page token is the last email, base64.
  static func list(
    _ pool: ConnectionPool,
    tenant: String,
    _ request: Erp_Gateway_V1_ListUsersRequest
  ) async throws -> Erp_Gateway_V1_ListUsersResponse {
    guard (0...500).contains(request.pageSize) else {
      throw RPCError(code: .invalidArgument, message: "page_size: 0 to 500")
    }
    let size = request.pageSize == 0 ? 100 : Int(request.pageSize)
    var after = ""
    if !request.pageToken.isEmpty {
      guard let data = Data(base64Encoded: request.pageToken),
        let email = String(data: data, encoding: .utf8)
      else {
        throw RPCError(code: .invalidArgument, message: "page_token: not a token this call gave")
      }
      after = email
    }
    let rows = try await pool.withSession { session in
      try await session.query(
        """
        SELECT \(Self.columns) FROM gateway.staff_user
        WHERE tenant_id = $1 AND email > $2 ORDER BY email LIMIT $3
        """,
        [tenant, after, size + 1]
      )
    }
    var response = Erp_Gateway_V1_ListUsersResponse()
    response.users = try rows.prefix(size).map(Self.user)
    if rows.count > size, let last = response.users.last {
      response.nextPageToken = Data(last.email.utf8).base64EncodedString()
    }
    return response
  }

  /// Deactivates the user and ends every session of theirs, in one transaction.
  static func deactivate(
    _ pool: ConnectionPool,
    tenant: String,
    id: String,
    now: Date
  ) async throws -> Erp_Gateway_V1_User {
    try await pool.withTransaction { session in
      try await session.query(
        "UPDATE gateway.staff_user SET status = 'deactivated' WHERE tenant_id = $1 AND id = $2",
        [tenant, id]
      )
      try await StaffSessions.revokeAll(session, user: id, now: now)
      return try await Self.get(session, tenant: tenant, id: id)
    }
  }

  static func setRoles(
    _ pool: ConnectionPool,
    tenant: String,
    id: String,
    roles: [String]
  ) async throws -> Erp_Gateway_V1_User {
    let roles = try await Self.checkedRoles(pool, tenant: tenant, roles)
    return try await pool.withSession { session in
      try await session.query(
        "UPDATE gateway.staff_user SET roles = $3::text[] WHERE tenant_id = $1 AND id = $2",
        [tenant, id, roles]
      )
      return try await Self.get(session, tenant: tenant, id: id)
    }
  }

  /// The built-in roles, then the tenant's custom ones by name.
  static func roles(_ pool: ConnectionPool, tenant: String) async throws -> [StaffRole] {
    let rows = try await pool.withSession { session in
      try await session.query(
        """
        SELECT name, scopes, own_records_only FROM gateway.staff_role
        WHERE tenant_id = $1 ORDER BY name
        """,
        [tenant]
      )
    }
    return try StaffRole.builtIns
      + rows.map { row in
        StaffRole(
          name: try row.decode("name"),
          scopes: Set(try row.decode("scopes", as: [String].self)),
          ownRecordsOnly: try row.decode("own_records_only")
        )
      }
  }

  /// Creates or replaces a custom role.
  static func putRole(
    _ pool: ConnectionPool,
    tenant: String,
    _ role: Erp_Gateway_V1_Role
  ) async throws -> StaffRole {
    let name = role.name
    guard name.utf8.count <= 40, name.first?.isLowercase == true,
      name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
    else {
      throw RPCError(
        code: .invalidArgument,
        message: "role.name: 1 to 40 of a-z, 0-9 and _, starting with a letter"
      )
    }
    guard StaffRole.builtInByName[name] == nil else {
      throw RPCError(
        code: .invalidArgument,
        message: "role.name: \(name) is a built-in role and cannot be changed"
      )
    }
    guard !role.scopes.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "role.scopes: at least one")
    }
    for (index, scope) in role.scopes.enumerated() where !StaffRole.grantable.contains(scope) {
      throw RPCError(
        code: .invalidArgument,
        message: "role.scopes[\(index)]: \(quoted(scope)) is not a scope (<domain>:read, "
          + "<domain>:write, webhooks:read, webhooks:write, sales:credit_override or admin)"
      )
    }
    let made = StaffRole(
      name: name,
      scopes: Set(role.scopes),
      ownRecordsOnly: role.ownRecordsOnly
    )
    try await pool.withSession { session in
      try await session.query(
        """
        INSERT INTO gateway.staff_role (tenant_id, name, scopes, own_records_only)
        VALUES ($1, $2, $3::text[], $4)
        ON CONFLICT (tenant_id, name) DO UPDATE
          SET scopes = excluded.scopes, own_records_only = excluded.own_records_only
        """,
        [tenant, name, made.scopes.sorted(), made.ownRecordsOnly]
      )
    }
    return made
  }

  /// `names`, each a role of the tenant, without repeats; else INVALID_ARGUMENT naming it.
  static func checkedRoles(
    _ pool: ConnectionPool,
    tenant: String,
    _ names: [String]
  ) async throws -> [String] {
    let known = Set(try await Self.roles(pool, tenant: tenant).map(\.name))
    for (index, name) in names.enumerated() where !known.contains(name) {
      throw RPCError(
        code: .invalidArgument,
        message: "roles[\(index)]: \(quoted(name)) is no role of this tenant"
      )
    }
    var seen = Set<String>()
    return names.filter { seen.insert($0).inserted }
  }
}
