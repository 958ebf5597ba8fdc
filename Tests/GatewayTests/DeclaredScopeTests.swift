import ERPClient
import ERPProtos
import ERPRuntime
import ERPSystem
import ERPTestSupport
import GRPCCore
import Testing

@testable import Gateway

/// Whether a forwarded method reads or writes is declared in the contracts
/// (`idempotency_level = NO_SIDE_EFFECTS` for reads) and read from the generated catalog; the
/// gateway forwards every method of every domain and asks a key for the scope declared.
@Suite("Gateway: scopes declared in the contracts")
struct DeclaredScopeTests {
  /// The name rule the gateway used before the contracts declared it, kept here to show the
  /// declarations agree with it.
  static func oldHeuristic(_ descriptor: MethodDescriptor) -> Bool {
    let service = descriptor.service.fullyQualifiedService.split(separator: ".").last ?? ""
    let reports: Set<String> = [
      "Timeline", "TrialBalance", "IncomeStatement", "BalanceSheet", "GeneralLedger",
      "AgedBalances", "PartyStatement", "VatReturn", "StockOnHand", "ItemHistory",
      "InventoryValuation", "SlowMovers", "Replenishment", "WeeklySchedule", "LeaveBalances",
      "Headcount", "PayrollCost", "OvertimeReport", "Forecast", "Funnel", "WinRates",
    ]
    return ["Insights", "SalesReports"].contains(service) || reports.contains(descriptor.method)
      || ["Get", "List", "Search", "Describe"].contains { descriptor.method.hasPrefix($0) }
  }

  /// Methods where the old rule would be wrong: reads whose names it did not know.
  static let oldHeuristicWrong: Set<String> = [
    "erp.hr.v1.Payroll/GosiReport", "erp.hr.v1.Payroll/WpsSalaryFile",
  ]

  @Test("Every method of every domain is forwarded, with the scope its contract declares")
  func everyForwardedMethodDeclaresItsScope() throws {
    let domainMethods = ERPDomain.allCases.flatMap { domain in
      domain.services.flatMap { service in service.methods.map { (domain, $0) } }
    }
    #expect(Set(Forwarding.methods) == Set(domainMethods.map(\.1.descriptor)))
    #expect(Forwarding.methods.count == domainMethods.count)
    var reads = 0
    for (domain, method) in domainMethods {
      let scope = try #require(MethodScope(method.descriptor))
      // As a server sees it: made from the path, without the generated descriptor's RPC type.
      let served = MethodDescriptor(
        fullyQualifiedService: method.descriptor.service.fullyQualifiedService,
        method: method.descriptor.method
      )
      #expect(MethodScope(served) == scope)
      #expect(scope.domain == domain)
      #expect(scope.readOnly == method.readOnly)
      #expect(scope.required == (method.readOnly ? domain.readScope : domain.writeScope))
      let name = method.descriptor.fullyQualifiedMethod
      #expect(
        method.readOnly == Self.oldHeuristic(method.descriptor)
          || Self.oldHeuristicWrong.contains(name),
        "\(name): declared \(method.readOnly ? "read" : "write")"
      )
      if method.readOnly { reads += 1 }
    }
    #expect(reads == 69)  // 66 + GetPartyTerms, GetCreditExposure and GetExchangeRate
    // Nothing outside the domains is forwarded: TenantAdmin and the gateway's own services.
    for service in ERPCatalog.shared + ERPCatalog.edge {
      #expect(service.methods.allSatisfy { MethodScope($0.descriptor) == nil })
    }
  }

  @Test("A key with the domains' read scopes reads every service and writes none")
  func readScopesReachEveryServiceButWriteNothing() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwscope")
      let reader = try await gateway.key(
        tenant,
        scopes: ERPDomain.allCases.map(\.readScope)
      ).secret
      for domain in ERPDomain.allCases {
        for service in domain.services {
          let name = service.descriptor.fullyQualifiedService
          let reads = service.methods.filter(\.readOnly)
          let read = try #require(reads.first, "\(name) has no reading method")
          // Reaching the service is enough: an empty request may be invalid for it.
          let answered = await Self.call(gateway.client, read.descriptor, key: reader)
          let refused: Set<RPCError.Code> = [
            .unimplemented, .unavailable, .permissionDenied, .unauthenticated,
          ]
          #expect(
            answered.map { !refused.contains($0.code) } ?? true,
            "\(read.descriptor.fullyQualifiedMethod): \(String(describing: answered))"
          )
          guard let write = service.methods.first(where: { !$0.readOnly }) else { continue }
          let denied = await Self.call(gateway.client, write.descriptor, key: reader)
          #expect(denied?.code == .permissionDenied, "\(write.descriptor.fullyQualifiedMethod)")
          #expect(denied?.message.contains(domain.writeScope) == true)
        }
      }
    }
  }

  @Test("The in-process system (the harness's and the benchmarks') defines every catalog domain")
  func definitionsCoverTheCatalog() {
    for domain in ERPDomain.allCases {
      #expect(SystemDefinitions.definition(domain.rawValue) != nil, "\(domain)")
    }
  }

  @Test(
    "The partner library reaches the services it once lacked: scheduling, leave, timesheets, pricing"
  )
  func partnerLibraryIsComplete() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwlib")
      let key = try await gateway.key(tenant, scopes: ["hr:write", "sales:read"]).secret
      try await GatewayConnection.with(address: "127.0.0.1:\(gateway.port)", apiKey: key) { erp in
        #expect(try await erp.pricing.listPriceLists(.init()).priceLists.isEmpty)
        var leaveType = Erp_Hr_V1_LeaveType()
        leaveType.requestID = "lib-leave-type"
        leaveType.code = "ANNUAL"
        leaveType.name = "إجازة سنوية"
        leaveType.yearlyDays = 21
        #expect(try await erp.leave.createLeaveType(leaveType).name == "إجازة سنوية")
        let unreachable: Set<RPCError.Code> = [.unimplemented, .unavailable, .permissionDenied]
        for call in [
          { _ = try await erp.scheduling.weeklySchedule(.init()) },
          { _ = try await erp.timesheets.listTimesheet(.init()) },
        ] as [@Sendable () async throws -> Void] {
          do {
            try await call()
          } catch let error as RPCError {
            #expect(!unreachable.contains(error.code), "\(error)")
          }
        }
      }
    }
  }

  /// Calls `method` through the gateway with one empty message; the error it ends with.
  static func call(_ client: Client, _ method: MethodDescriptor, key: String) async -> RPCError? {
    do {
      try await client.bidirectionalStreaming(
        request: StreamingClientRequest(of: [UInt8].self, metadata: GatewayHarness.partner(key)) {
          try await $0.write([])
        },
        descriptor: method,
        serializer: ERPTestSupport.RawSerializer(),
        deserializer: ERPTestSupport.RawDeserializer(),
        options: .defaults
      ) { response in
        for try await _ in response.messages {}
      }
      return nil
    } catch let error as RPCError {
      return error
    } catch {
      return RPCError(code: .unknown, message: "\(error)")
    }
  }
}
