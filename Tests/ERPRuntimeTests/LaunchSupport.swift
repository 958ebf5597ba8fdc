import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import Testing

/// One `.erp` folder and one port offset, on which the tests start `erp-run` as `make run`
/// would, stop it, and start it again.
struct LaunchedSystem {
  let directory: String
  let offset: Int
  let secret = "launch-test-secret-0123456789"
  let environment: [String: String]

  init() throws {
    self.directory =
      NSTemporaryDirectory() + "erp-run-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    // Free now for every service's RPC and ops port, away from `make run`'s own.
    self.offset = try FreePorts.offset(
      for: ServiceCatalog.all.flatMap { [$0.defaultPort, $0.defaultOpsPort] } + [Self.consolePort]
    )
    var environment = ProcessInfo.processInfo.environment
    environment["ERP_DATABASE_URL"] = nil
    environment["ERP_OPERATOR_TOKEN"] = nil  // erp-run keeps its own in the run folder
    environment["ERP_RUN_DIR"] = self.directory
    environment["ERP_RUN_PORT_OFFSET"] = String(self.offset)
    environment["ERP_SERVICE_SECRET"] = self.secret
    self.environment = environment
  }

  /// The staff console's dev port (erp-web, started by erp-run too), before the offset.
  static let consolePort = 7400

  /// Starts erp-run.
  func launch() async throws -> RunningProcess {
    try await RunningProcess(
      try Subprocess.builtProduct("erp-run"),
      [],
      environment: self.environment
    )
  }

  /// Starts erp-run and waits for `ERP is up`.
  func start() async throws -> RunningProcess {
    let process = try await self.launch()
    do {
      try await process.waitFor("ERP is up", timeout: .seconds(240))
    } catch {
      process.signal(SIGTERM)
      throw error
    }
    return process
  }

  /// Ctrl-C: erp-run exits 0 having stopped its services and PostgreSQL.
  func stop(_ process: RunningProcess) async throws {
    process.signal(SIGINT)
    let status = try await process.waitForExit()
    #expect(status == 0, "\(process.output)")
    #expect(process.output.contains("stopped"))
    #expect(
      !FileManager.default.fileExists(atPath: self.directory + "/postgres/data/postmaster.pid")
    )
  }

  /// The operator token erp-run keeps in the run folder; only its owner may read it.
  func storedOperatorToken() throws -> String {
    let path = self.directory + "/operator-token"
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    return try String(contentsOfFile: path, encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func port(_ name: String) -> Int { ServiceCatalog.entry(named: name)!.defaultPort + self.offset }

  /// The pid of each service as erp-run last reported it (`[run] <name> started (pid N)`).
  static func servicePIDs(_ output: String) -> [String: pid_t] {
    var pids: [String: pid_t] = [:]
    for line in output.split(separator: "\n") where line.hasPrefix("[run] ") {
      let words = line.split(separator: " ")
      guard words.count == 5, words[2] == "started", words[3] == "(pid" else { continue }
      pids[String(words[1])] = pid_t(words[4].dropLast())
    }
    return pids
  }

  /// Calls `body` with a client of service `name` in tenant `demo` until it succeeds (the
  /// service may be coming back), for at most `limit`.
  func eventually<T: Sendable>(
    _ name: String,
    within limit: Duration = .seconds(60),
    _ body: @Sendable (GRPCClient<ERPTransport.Client>) async throws -> T
  ) async throws -> T {
    let deadline = ContinuousClock.now + limit
    while true {
      do {
        return try await self.inDemo(name, body)
      } catch  where ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(200))
      }
    }
  }

  func inDemo<T: Sendable>(
    _ name: String,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>) async throws -> T
  ) async throws -> T {
    try await withServiceClient(port: self.port(name), secret: self.secret) { client in
      try await RequestContext.$tenant.withValue(try TenantID(validating: "demo")) {
        try await body(client)
      }
    }
  }
}

/// What the demo seeding leaves, in a form two runs can be compared by: a second run on the
/// same `.erp` must find exactly this again (nothing added twice, nothing lost).
struct DemoSnapshot: Equatable {
  var customers: [String] = []
  var orders: [String: Erp_Sales_V1_OrderStatus] = [:]
  var trialBalance: [String] = []
  var headcount: Int32 = 0
  var shifts = 0
  var stockValue: Int64 = 0

  static func take(_ system: LaunchedSystem) async throws -> DemoSnapshot {
    var snapshot = DemoSnapshot()
    snapshot.customers = try await system.inDemo("customers") { client in
      try await Erp_Customers_V1_Customers.Client(wrapping: client).listCustomers(.init())
        .customers.map(\.name).sorted()
    }
    snapshot.orders = try await system.inDemo("sales") { client in
      try await DemoOrders.statuses(Erp_Sales_V1_Orders.Client(wrapping: client))
    }
    snapshot.trialBalance = try await system.inDemo("finance") { client in
      var request = Erp_Finance_V1_TrialBalanceRequest()
      request.asOf = CalendarDate(year: 2026, month: 12, day: 31).proto
      return try await Erp_Finance_V1_Ledger.Client(wrapping: client).trialBalance(request)
        .lines.map { "\($0.accountCode) \($0.debitMinor) \($0.creditMinor)" }
    }
    (snapshot.headcount, snapshot.shifts) = try await system.inDemo("hr") { client in
      var headcount = Erp_Hr_V1_HeadcountRequest()
      headcount.asOf = CalendarDate(year: 2026, month: 11, day: 26).proto
      let people = try await Erp_Hr_V1_People.Client(wrapping: client).headcount(headcount)
      var week = Erp_Hr_V1_WeeklyScheduleRequest()
      week.departmentCode = "SALES"
      week.weekStart = CalendarDate(year: 2026, month: 11, day: 22).proto
      let shifts = try await Erp_Hr_V1_Scheduling.Client(wrapping: client).weeklySchedule(week)
      return (people.total, shifts.shifts.count)
    }
    snapshot.stockValue = try await system.inDemo("supplychain") { client in
      try await Erp_Supplychain_V1_Stock.Client(wrapping: client).inventoryValuation(.init())
        .total.unitsMinor
    }
    return snapshot
  }
}

/// The demo's quotations and orders by number, found by asking for each number in turn. Numbers
/// come from PostgreSQL sequences, which do not roll back: a create cut short by a kill uses up
/// a number, so the demo's eight documents need not be QT-000001…2 and SO-000001…6. Asking a
/// few numbers past them shows whether anything was added twice.
enum DemoOrders {
  static func statuses(
    _ orders: Erp_Sales_V1_Orders.Client<ERPTransport.Client>,
    metadata: Metadata = [:]
  ) async throws -> [String: Erp_Sales_V1_OrderStatus] {
    var statuses: [String: Erp_Sales_V1_OrderStatus] = [:]
    let numbers = (1...6).map { "QT-00000\($0)" } + (1...12).map { String(format: "SO-%06d", $0) }
    for number in numbers {
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = number
      do {
        statuses[number] = try await orders.getOrder(ref, metadata: metadata).status
      } catch let error as RPCError where error.code == .notFound {}
    }
    return statuses
  }

  /// The kinds the demo seeds: two quotations (one converted) and six orders, one per state.
  static let expected =
    ([
      .quotation, .converted, .draft, .confirmed, .partlyShipped, .invoiced, .paid, .cancelled,
    ] as [Erp_Sales_V1_OrderStatus]).sorted { $0.rawValue < $1.rawValue }

  /// The statuses, sorted, for comparing with ``expected``: one per document.
  static func kinds(_ statuses: [String: Erp_Sales_V1_OrderStatus]) -> [Erp_Sales_V1_OrderStatus] {
    statuses.values.sorted { $0.rawValue < $1.rawValue }
  }
}
