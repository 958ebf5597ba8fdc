import ERPDevCluster
import ERPProtos
import ERPRuntime
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import Testing

@Suite("make run: erp-run brings the system up, keeps it up, and comes back on the same .erp")
struct LaunchTests {
  @Test(
    "killed mid-seed, then up with demo data; a killed service restarted alone; stopped, started, killed, started on the same .erp: same data, same token"
  )
  func upRestartAndAgain() async throws {
    let system = try LaunchedSystem()
    defer { try? FileManager.default.removeItem(atPath: system.directory) }

    // erp-run killed outright while it seeds the demo (once the first quotation exists): the
    // next one finishes the seeding, adding nothing twice.
    let seeding = try await system.launch()
    defer { seeding.signal(SIGTERM) }
    _ = try await system.eventually("sales", within: .seconds(240)) { client in
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = "QT-000001"
      return try await Erp_Sales_V1_Orders.Client(wrapping: client).getOrder(ref)
    }
    seeding.signal(SIGKILL)
    _ = try await seeding.waitForExit()

    let first = try await system.start()
    defer { first.signal(SIGTERM) }  // a failed expectation must not leave it running
    // The operator token is kept in the run folder (0600) and shown with the addresses.
    let operatorToken = try system.storedOperatorToken()
    #expect(operatorToken.count >= 32)
    #expect(first.output.contains("operator token \(operatorToken)"))
    #expect(first.output.contains(system.directory + "/demo-partner-key"))
    let services = try await Self.checkEveryService(
      first.output,
      offset: system.offset,
      secret: system.secret,
      operatorToken: operatorToken
    )
    let snapshot = try await DemoSnapshot.take(system)
    #expect(snapshot.customers.count == 4)
    #expect(
      DemoOrders.kinds(snapshot.orders) == DemoOrders.expected,
      "\(snapshot.orders)"
    )

    // One service killed: erp-run says so and starts it again; the others keep running.
    // The staff console is up too, its address and the demo sign-in shown.
    let console = LaunchedSystem.consolePort + system.offset
    #expect(first.output.contains("console      http://127.0.0.1:\(console)/"))
    #expect(first.output.contains("rep@demo.example / Demo-Sales-2026!"))
    #expect(try await OpsProbe.get(port: console, path: "/signin").status == 200)
    let pids = LaunchedSystem.servicePIDs(first.output)
    #expect(Set(pids.keys) == Set(services.map(\.name) + ["web"]))
    let victim = try #require(pids["customers"])
    kill(victim, SIGKILL)
    try await first.waitFor(
      "[run] customers exited with signal 9; restarting in",
      timeout: .seconds(30)
    )
    let found = try await system.eventually("customers") { client in
      try await Erp_Customers_V1_Customers.Client(wrapping: client).listCustomers(.init())
    }
    #expect(found.customers.count == 4)
    #expect(LaunchedSystem.servicePIDs(first.output)["customers"] != victim)
    for (name, pid) in pids where name != "customers" {
      #expect(kill(pid, 0) == 0, "\(name) was stopped")
      #expect(!first.output.contains("[run] \(name) exited"))
      #expect(LaunchedSystem.servicePIDs(first.output)[name] == pid)
    }
    #expect(!first.output.contains("stopping everything"))

    // Ctrl-C, then `make run` again on the same .erp: up again, nothing seeded twice.
    try await system.stop(first)
    let second = try await system.start()
    defer { second.signal(SIGTERM) }  // a failed expectation must not leave it running
    #expect(try system.storedOperatorToken() == operatorToken)
    #expect(second.output.contains("operator token \(operatorToken)"))
    #expect(try await DemoSnapshot.take(system) == snapshot)
    #expect(try await OpsProbe.get(port: console, path: "/signin").status == 200)

    // erp-run killed outright (its services and PostgreSQL left behind): the next one takes
    // over the same .erp.
    second.signal(SIGKILL)
    _ = try await second.waitForExit()
    let third = try await system.start()
    defer { third.signal(SIGTERM) }  // a failed expectation must not leave it running
    #expect(try await DemoSnapshot.take(system) == snapshot)
    #expect(try await OpsProbe.get(port: console, path: "/signin").status == 200)
    try await system.stop(third)
    await #expect(throws: (any Error).self) {
      _ = try await OpsProbe.get(port: console, path: "/healthz")
    }
    for service in services {
      await #expect(throws: (any Error).self) {
        _ = try await OpsProbe.get(port: service.defaultOpsPort + system.offset, path: "/healthz")
      }
    }
  }

  @Test(
    "erp-run whose output nobody reads (`make run | tee`, tee gone) keeps running and stops all"
  )
  func stopsWithoutItsOutput() async throws {
    let system = try LaunchedSystem()
    defer { try? FileManager.default.removeItem(atPath: system.directory) }
    // Its output is a pipe whose reading end is closed at once: every line it writes fails.
    var ends: [Int32] = [-1, -1]
    try #require(pipe(&ends) == 0)
    _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)  // the child gets the writing end only
    let process = try await SupervisedChild.start(
      try Subprocess.builtProduct("erp-run"),
      environment: system.environment,
      output: .fileDescriptor(ends[1])  // closed here once erp-run has it
    )
    close(ends[0])
    defer { if process.isRunning { process.signal(SIGTERM) } }

    // Up: the demo partner key is written at the end of seeding, just before `ERP is up`.
    let deadline = ContinuousClock.now + .seconds(240)
    while !FileManager.default.fileExists(atPath: system.directory + "/demo-partner-key") {
      try #require(process.isRunning, "erp-run died once its output had no reader")
      try #require(ContinuousClock.now < deadline, "erp-run not up within 240 s")
      try await Task.sleep(for: .milliseconds(100))
    }

    process.signal(SIGINT)
    #expect(try await process.waitForExit() == .exited(0))
    #expect(
      !FileManager.default.fileExists(atPath: system.directory + "/postgres/data/postmaster.pid")
    )
    for service in ServiceCatalog.all {
      await #expect(throws: (any Error).self) {
        _ = try await OpsProbe.get(port: service.defaultOpsPort + system.offset, path: "/healthz")
      }
    }
  }

  /// Every service erp-run started is healthy, ready, and holds the demo tenant and its data.
  static func checkEveryService(
    _ output: String,
    offset: Int,
    secret: String,
    operatorToken: String
  ) async throws -> [ServiceEntry] {
    let services = ServiceCatalog.all.filter { output.contains("[\($0.name)] ") }
    // The partner's view, printed through erpctl: the dashboard and a customer 360.
    #expect(output.contains("$ erpctl dashboard"))
    #expect(output.contains("receivables outstanding"))
    #expect(output.contains("شركة النور للتجارة"))
    #expect(services.contains { $0.name == "finance" })
    for service in services {
      #expect(output.contains("rpc 127.0.0.1:\(service.defaultPort + offset)"))
      let health = try await OpsProbe.get(port: service.defaultOpsPort + offset, path: "/healthz")
      #expect(health.status == 200)
      let ready = try await OpsProbe.get(port: service.defaultOpsPort + offset, path: "/readyz")
      #expect(ready.status == 200)

      // The demo tenant exists in every service.
      try await withServiceClient(port: service.defaultPort + offset, secret: secret) { client in
        var request = Erp_Common_V1_DescribeTenantRequest()
        request.tenantID = "demo"
        let info = try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).describe(request)
        #expect(info.schemaVersion == info.latestVersion)
        // The gateway keeps no tenant tables of its own (its registry is global).
        #expect(info.latestVersion > 0 || service.name == "gateway")
        if service.name == "finance" {
          // The demo data is there: an invoice of 8,625.00 SAR with 4,000.00 paid.
          var aged = Erp_Finance_V1_AgedBalancesRequest()
          aged.direction = .receivable
          aged.asOf.year = 2026
          aged.asOf.month = 12
          aged.asOf.day = 31
          var metadata = Metadata()
          metadata.addString("demo", forKey: MetadataKeys.tenant)
          let balances = try await Erp_Finance_V1_Billing.Client(wrapping: client).agedBalances(
            aged,
            metadata: metadata
          )
          #expect(balances.parties.map(\.totalMinor).contains(4_625_00))
          // The demo invoice carries its ZATCA QR code, naming the demo seller.
          var invoices = Erp_Finance_V1_ListInvoicesRequest()
          invoices.direction = .receivable
          invoices.partyID = "demo-customer-1"
          let listed = try await Erp_Finance_V1_Billing.Client(wrapping: client).listInvoices(
            invoices,
            metadata: metadata
          )
          #expect(listed.invoices.first.map { !$0.zatcaQr.isEmpty } == true)
          // The demo's USD invoice is paid, with a realised exchange gain of 4.00 SAR.
          invoices.partyID = "demo-customer-3"
          let usd = try await Erp_Finance_V1_Billing.Client(wrapping: client).listInvoices(
            invoices,
            metadata: metadata
          )
          #expect(usd.invoices.map(\.status) == [.paid])
          #expect(usd.invoices.first?.total == Erp_Common_V1_Money(2_000_00, "USD"))
          var trial = Erp_Finance_V1_TrialBalanceRequest()
          trial.asOf = aged.asOf
          let books = try await Erp_Finance_V1_Ledger.Client(wrapping: client).trialBalance(
            trial,
            metadata: metadata
          )
          #expect(books.lines.first { $0.accountCode == "4900" }?.creditMinor == 4_00)
          #expect(books.totalDebitMinor == books.totalCreditMinor)
          // The demo bank account's November statement is fully reconciled.
          var reconciliation = Erp_Finance_V1_ReconciliationReportRequest()
          reconciliation.accountCode = "1100"
          let report = try await Erp_Finance_V1_Banking.Client(wrapping: client)
            .getReconciliationReport(reconciliation, metadata: metadata)
          #expect(report.statementBalance.unitsMinor > 0)
          #expect(report.statementBalance == report.bookBalance)
          #expect(report.unreconciledStatementLines.isEmpty)
          #expect(report.unreconciledBookItems.isEmpty)
          #expect(report.difference.unitsMinor == 0)
        }
        if service.name == "customers" {
          var search = Erp_Customers_V1_SearchCustomersRequest()
          search.query = "احمد"
          var metadata = Metadata()
          metadata.addString("demo", forKey: MetadataKeys.tenant)
          let found = try await Erp_Customers_V1_Customers.Client(wrapping: client).searchCustomers(
            search,
            metadata: metadata
          )
          #expect(found.results.first?.customer.name == "أَحْمَد الشَّمْرِي")
          let stages = try await Erp_Customers_V1_Insights.Client(wrapping: client).pipelineByStage(
            .init(),
            metadata: metadata
          )
          #expect(stages.stages.count == 2)
        }
        if service.name == "supplychain" {
          // Stock in two warehouses from a received purchase order, its bill posted to finance.
          var metadata = Metadata()
          metadata.addString("demo", forKey: MetadataKeys.tenant)
          let stock = Erp_Supplychain_V1_Stock.Client(wrapping: client)
          let valuation = try await stock.inventoryValuation(.init(), metadata: metadata)
          #expect(Set(valuation.levels.map(\.warehouseCode)) == ["RUH", "JED"])
          #expect(valuation.undeliveredPostings == 0)
          // Received, less what the demo orders shipped (2 dates, 2 coffee, 1 cup set).
          #expect(
            valuation.total.unitsMinor
              == 30 * 25_00 + 12 * 38_50 + 5 * 60_00 - (2 * 25_00 + 2 * 38_50 + 1 * 60_00)
          )
          var order = Erp_Supplychain_V1_PurchaseOrderRef()
          order.number = "PO-000001"
          let received = try await Erp_Supplychain_V1_Purchasing.Client(wrapping: client)
            .getPurchaseOrder(order, metadata: metadata)
          #expect(received.status == .received)
        }
        if service.name == "sales" {
          // Orders in every state an order keeps, the paid one paid in finance.
          var metadata = Metadata()
          metadata.addString("demo", forKey: MetadataKeys.tenant)
          let statuses = try await DemoOrders.statuses(
            Erp_Sales_V1_Orders.Client(wrapping: client),
            metadata: metadata
          )
          #expect(
            DemoOrders.kinds(statuses)
              == DemoOrders.expected,
            "\(statuses)"
          )
        }
        if service.name == "gateway" {
          // Operator calls need the operator token; with it, the registry answers.
          let tenants = Erp_Gateway_V1_Tenants.Client(wrapping: client)
          await #expect(throws: RPCError.self) { _ = try await tenants.listTenants(.init()) }
          var metadata = Metadata()
          metadata.addString(operatorToken, forKey: "x-erp-operator-token")
          _ = try await tenants.listTenants(.init(), metadata: metadata)
        }
        if service.name == "hr" {
          // Departments, employees, a week of shifts and an approved payroll run in finance.
          var metadata = Metadata()
          metadata.addString("demo", forKey: MetadataKeys.tenant)
          var headcount = Erp_Hr_V1_HeadcountRequest()
          headcount.asOf.year = 2026
          headcount.asOf.month = 11
          headcount.asOf.day = 26
          let people = try await Erp_Hr_V1_People.Client(wrapping: client).headcount(
            headcount,
            metadata: metadata
          )
          #expect(people.total == 4)
          var week = Erp_Hr_V1_WeeklyScheduleRequest()
          week.departmentCode = "SALES"
          week.weekStart.year = 2026
          week.weekStart.month = 11
          week.weekStart.day = 22
          let shifts = try await Erp_Hr_V1_Scheduling.Client(wrapping: client).weeklySchedule(
            week,
            metadata: metadata
          )
          #expect(shifts.shifts.count == 5)
          var run = Erp_Hr_V1_GetPayrollRunRequest()
          run.id = "PR-2026-10"
          let payroll = try await Erp_Hr_V1_Payroll.Client(wrapping: client).getPayrollRun(
            run,
            metadata: metadata
          )
          #expect(payroll.status == .approved)
          #expect(payroll.journalEntry.hasPrefix("JE-"))
          // GOSI: Saudi and non-Saudi employees, the employer's share posted with the pay.
          #expect(Set(payroll.payslips.map(\.saudi)) == [true, false])
          #expect(payroll.totalGosiEmployer.unitsMinor > 0)
        }
      }
    }

    return services
  }
}
