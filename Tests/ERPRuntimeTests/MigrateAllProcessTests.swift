import ERPStore
import ERPTestSupport
import Foundation
import Testing

@testable import ERPRuntime

@Suite("erp-finance migrate-all, as processes")
struct MigrateAllProcessTests {
  @Test(
    "two processes migrating the same tenants at once both succeed and apply each migration once"
  )
  func twoProcessesAtOnce() async throws {
    let executable = try Subprocess.builtProduct("erp-finance")
    let conninfo = try await TestDatabase.isolatedConninfo("erp_migrate_all_test")
    let pool = ConnectionPool(config: .init(conninfo: conninfo))
    // Tenants provisioned with no migrations yet: everything is left for migrate-all.
    let tenants = (0..<30).map { _ in TestDatabase.uniqueTenant("mig") }
    for tenant in tenants { try await pool.provision(tenant, migrations: []) }

    var environment = ProcessInfo.processInfo.environment
    environment["ERP_DATABASE_URL"] = conninfo
    environment["ERP_SERVICE_SECRET"] = "migrate-all-test-secret"
    async let first = Subprocess.run(executable, ["migrate-all"], environment: environment)
    async let second = Subprocess.run(executable, ["migrate-all"], environment: environment)
    let outputs = try await [first, second]
    for output in outputs {
      #expect(output.status == 0, "\(output.stderr)")
      #expect(output.stderr.contains("migrate-all done"))
    }
    // Not a terminal: plain progress lines, the last one for the whole set.
    #expect(outputs.contains { $0.stderr.contains("migrating tenants") })

    let described = try await pool.listTenants().filter { tenants.contains($0.tenant) }
    #expect(described.count == tenants.count)
    // All at the same, latest version (each version's row is unique in schema_migrations).
    let versions = Set(described.map(\.migrationVersion))
    #expect(versions.count == 1)
    #expect((versions.first ?? 0) >= 1)
    for tenant in tenants.prefix(3) {
      let counts = try await pool.withTenant(tenant) { tx in
        try await tx.query("SELECT count(*) AS n, count(DISTINCT code) AS codes FROM account")
      }
      // The default chart: 22 accounts, and GOSI payable and expense (finance migration 6).
      #expect(try counts[0].decode("n", as: Int.self) == 26)
      #expect(try counts[0].decode("codes", as: Int.self) == 26)
    }
    await pool.shutdown()
  }

  @Test("a run with nothing to do says so and changes nothing")
  func nothingToDo() async throws {
    let executable = try Subprocess.builtProduct("erp-finance")
    let conninfo = try await TestDatabase.isolatedConninfo("erp_migrate_all_noop_test")
    var environment = ProcessInfo.processInfo.environment
    environment["ERP_DATABASE_URL"] = conninfo
    environment["ERP_SERVICE_SECRET"] = "migrate-all-test-secret"
    _ = try await Subprocess.run(executable, ["migrate-all"], environment: environment)
    let again = try await Subprocess.run(executable, ["migrate-all"], environment: environment)
    #expect(again.status == 0)
    #expect(again.stderr.contains("migrated=0"))
  }

  @Test("a missing setting exits non-zero naming the flag and the variable")
  func missingSetting() async throws {
    let executable = try Subprocess.builtProduct("erp-finance")
    var environment = ProcessInfo.processInfo.environment
    environment["ERP_DATABASE_URL"] = nil
    environment["ERP_SERVICE_SECRET"] = nil
    let output = try await Subprocess.run(executable, ["migrate-all"], environment: environment)
    #expect(output.status != 0)
    #expect(output.stderr.contains("--database-url / ERP_DATABASE_URL is required"))
  }
}

@Suite("migrate-all progress")
struct MigrationProgressTests {
  @Test("the bar fills with the work done")
  func bar() {
    #expect(MigrationProgress.bar(done: 0, total: 4, width: 8) == "\r[........] 0/4 tenants 0%")
    #expect(MigrationProgress.bar(done: 2, total: 4, width: 8) == "\r[####....] 2/4 tenants 50%")
    #expect(MigrationProgress.bar(done: 4, total: 4, width: 8) == "\r[########] 4/4 tenants 100%")
  }

  @Test("log lines come every tenth of the way and at the end")
  func milestones() {
    let lines = (1...1000).filter { MigrationProgress.isMilestone(done: $0, total: 1000) }
    #expect(lines == [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
    #expect((1...3).filter { MigrationProgress.isMilestone(done: $0, total: 3) } == [1, 2, 3])
  }
}
