import Testing

@testable import ERPStore

/// Service SQL may not change its role (a tenant's transaction would escape into another's), and
/// the check must not take a column named like a role for a role change.
@Suite("The store refuses role changes in service SQL, and only those")
struct RoleChangeGuardTests {
  @Test("SET ROLE and its forms are refused; a `roles` column is not a role change")
  func wholeWords() {
    for refused in [
      "SET ROLE tenant_b", "set local role x", "SET  SESSION\nROLE x", "RESET ROLE",
      "SET SESSION AUTHORIZATION x", "SELECT set_config('role', 'x', true)",
      "select set_config ( 'role', $1, false)",
    ] {
      #expect(throws: PostgresError.self, "\(refused)") {
        try PostgresSession.refuseRoleChanges(refused)
      }
    }
    for allowed in [
      "UPDATE gateway.staff_user SET roles = $3::text[] WHERE id = $1",
      "UPDATE t SET role_name = $1", "SELECT roles FROM staff_user",
      "INSERT INTO role (x) VALUES (1)",
    ] {
      #expect(throws: Never.self, "\(allowed)") {
        try PostgresSession.refuseRoleChanges(allowed)
      }
    }
  }
}
