import ERPProtos
import ERPRuntime
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import Testing

@Suite("make run: erp-run brings the system up and takes it down")
struct LaunchTests {
  @Test("private PostgreSQL, every built service ready, demo tenant provisioned, Ctrl-C stops all")
  func upAndDown() async throws {
    let launcher = try Subprocess.builtProduct("erp-run")
    let directory =
      NSTemporaryDirectory() + "erp-run-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // Ports below the ephemeral range, away from `make run`'s own.
    let offset = Int.random(in: 150...190) * 100
    let secret = "launch-test-secret-0123456789"
    var environment = ProcessInfo.processInfo.environment
    environment["ERP_DATABASE_URL"] = nil
    environment["ERP_RUN_DIR"] = directory
    environment["ERP_RUN_PORT_OFFSET"] = String(offset)
    environment["ERP_SERVICE_SECRET"] = secret
    let operatorToken = "launch-test-operator-token"
    environment["ERP_OPERATOR_TOKEN"] = operatorToken

    let process = try RunningProcess(launcher, [], environment: environment)
    try await process.waitFor("ERP is up", timeout: .seconds(180))

    let services = ServiceCatalog.all.filter { process.output.contains("[\($0.name)] ") }
    // The partner's view, printed through erpctl: the dashboard and a customer 360.
    #expect(process.output.contains("$ erpctl dashboard"))
    #expect(process.output.contains("receivables outstanding"))
    #expect(process.output.contains("شركة النور للتجارة"))
    #expect(services.contains { $0.name == "finance" })
    for service in services {
      #expect(process.output.contains("rpc 127.0.0.1:\(service.defaultPort + offset)"))
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
          let orders = Erp_Sales_V1_Orders.Client(wrapping: client)
          var statuses: Set<Erp_Sales_V1_OrderStatus> = []
          for number in ["QT-000001", "QT-000002"] + (1...6).map({ "SO-00000\($0)" }) {
            var ref = Erp_Sales_V1_OrderRef()
            ref.number = number
            statuses.insert(try await orders.getOrder(ref, metadata: metadata).status)
          }
          #expect(
            statuses == [
              .quotation, .converted, .draft, .confirmed, .partlyShipped, .invoiced, .paid,
              .cancelled,
            ]
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
        }
      }
    }

    process.signal(SIGINT)
    let status = try await process.waitForExit()
    #expect(status == 0, "\(process.output)")
    #expect(process.output.contains("stopped"))
    // PostgreSQL was stopped too: its pid file is gone.
    #expect(!FileManager.default.fileExists(atPath: directory + "/postgres/data/postmaster.pid"))
    for service in services {
      await #expect(throws: (any Error).self) {
        _ = try await OpsProbe.get(port: service.defaultOpsPort + offset, path: "/healthz")
      }
    }
  }
}
