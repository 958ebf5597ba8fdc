import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

@testable import HR

@Suite("Payroll")
struct PayrollTests {
  static let rules = PayrollCalculation.Rules(
    overtimeMultiplierBasisPoints: 15_000,
    socialInsuranceBasisPoints: 975,
    socialInsuranceCap: 45_000_00
  )

  /// Hired 11 November 2026 (20 of 30 days): salary 9,000.00 → 6,000.00; housing 2,250.00 →
  /// 1,500.00; transport 500.00 → 333.333… → 333.33; social insurance 9.75 % of 7,500.00 =
  /// 731.25; net 7,833.33 − 731.25 = 7,102.08.
  @Test("Proration for a mid-month hire matches a hand computation")
  func midMonthHire() {
    let slip = PayrollCalculation.payslip(
      year: 2026,
      month: 11,
      terms: .init(
        monthly: true,
        rate: 9_000_00,
        housing: 2_250_00,
        transport: 500_00,
        hired: CalendarDate(year: 2026, month: 11, day: 11),
        left: nil
      ),
      regularMinutes: 0,
      overtimeMinutes: 0,
      rules: Self.rules
    )
    #expect(slip.daysEmployed == 20)
    #expect(slip.daysInMonth == 30)
    #expect(slip.base == 6_000_00)
    #expect(slip.housing == 1_500_00)
    #expect(slip.transport == 333_33)
    #expect(slip.gross == 7_833_33)
    #expect(slip.socialInsurance == 731_25)
    #expect(slip.net == 7_102_08)
  }

  /// Hourly at 50.00: 21 regular hours = 1,050.00; 2 overtime hours at 1.5× = 150.00. A
  /// monthly 60,000.00 salary: insurance capped at 45,000.00 → 4,387.50; one overtime hour at
  /// 60,000 ÷ 240 × 1.5 = 375.00. A leaver on 10 February 2028 (leap year): 10 of 29 days.
  @Test("Hourly pay with overtime, the insurance cap, and a leaver in a leap February")
  func hourlyCapAndLeaver() {
    let hourly = PayrollCalculation.payslip(
      year: 2026,
      month: 11,
      terms: .init(
        monthly: false,
        rate: 50_00,
        housing: 0,
        transport: 0,
        hired: CalendarDate(year: 2020, month: 1, day: 1),
        left: nil
      ),
      regularMinutes: 1_260,
      overtimeMinutes: 120,
      rules: Self.rules
    )
    #expect(hourly.base == 1_050_00)
    #expect(hourly.overtime == 150_00)
    #expect(hourly.socialInsurance == 102_38)  // 9.75 % of 1,050.00 = 102.375 → 102.38
    let capped = PayrollCalculation.payslip(
      year: 2026,
      month: 11,
      terms: .init(
        monthly: true,
        rate: 60_000_00,
        housing: 0,
        transport: 0,
        hired: CalendarDate(year: 2020, month: 1, day: 1),
        left: nil
      ),
      regularMinutes: 0,
      overtimeMinutes: 60,
      rules: Self.rules
    )
    #expect(capped.overtime == 375_00)
    #expect(capped.socialInsurance == 4_387_50)
    let leaver = PayrollCalculation.payslip(
      year: 2028,
      month: 2,
      terms: .init(
        monthly: true,
        rate: 2_900_00,
        housing: 0,
        transport: 0,
        hired: CalendarDate(year: 2020, month: 1, day: 1),
        left: CalendarDate(year: 2028, month: 2, day: 10)
      ),
      regularMinutes: 0,
      overtimeMinutes: 0,
      rules: Self.rules
    )
    #expect(leaver.daysInMonth == 29)
    #expect(leaver.base == 1_000_00)
  }

  @Test("An approved run posts exactly one balanced entry, however often approval is retried")
  func approvalPostsOnce() async throws {
    try await HRHarness.run { clients in
      let newcomer = try await clients.hire(
        "hire-1",
        arabic: "سارة العتيبي",
        identity: "1000000001",
        hired: day(2026, 11, 11),
        rate: 9_000_00,
        housing: 2_250_00,
        transport: 500_00
      )
      let hourly = try await clients.hire(
        "hire-2",
        latin: "Omar Haddad",
        identity: "1000000002",
        hired: day(2025, 1, 1),
        monthly: false,
        rate: 50_00
      )
      for (date, minutes) in [
        (day(2026, 11, 2), 600), (day(2026, 11, 3), 480), (day(2026, 11, 4), 300),
      ]
        as [(Erp_Common_V1_Date, Int32)]
      {
        var record = Erp_Hr_V1_RecordDayRequest()
        record.employeeID = hourly.id
        record.day = date
        record.minutesWorked = minutes
        _ = try await clients.timesheets.recordDay(record)
      }
      var run = Erp_Hr_V1_RunPayrollRequest()
      run.year = 2026
      run.month = 11
      let draft = try await clients.payroll.runPayroll(run)
      #expect(draft.status == .draft)
      #expect(draft.payslips.map(\.employeeID) == [newcomer.id, hourly.id])
      #expect(draft.payslips[0].net.unitsMinor == 7_102_08)
      #expect(draft.payslips[1].gross.unitsMinor == 1_200_00)
      #expect(draft.payslips[1].overtimeMinutes == 120)

      let approve = {
        var request = Erp_Hr_V1_GetPayrollRunRequest(); request.id = draft.id; return request
      }()
      let approvals = try await withThrowingTaskGroup(of: Erp_Hr_V1_PayrollRun.self) { group in
        for _ in 0..<5 { group.addTask { try await clients.payroll.approvePayrollRun(approve) } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      let approved = try await clients.payroll.approvePayrollRun(approve)
      #expect(approvals.allSatisfy { $0.status == .approved })
      #expect(approved.journalEntry.hasPrefix("JE-"))
      #expect(Set(approvals.map(\.journalEntry).filter { !$0.isEmpty }) == [approved.journalEntry])

      var get = Erp_Finance_V1_GetEntryRequest()
      get.number = approved.journalEntry
      let entry = try await clients.ledger.getEntry(get)
      let debits = entry.lines.reduce(0) { $0 + $1.debit.unitsMinor }
      let credits = entry.lines.reduce(0) { $0 + $1.credit.unitsMinor }
      #expect(debits == credits)
      // Both Saudi: the employer's GOSI share is 11.75 % of 7,500.00 = 881.25 and of 1,050.00 =
      // 123.375 → 123.38, posted in the same entry as the pay.
      #expect(approved.totalGosiEmployer.unitsMinor == 881_25 + 123_38)
      #expect(debits == approved.totalGross.unitsMinor + approved.totalGosiEmployer.unitsMinor)
      #expect(approved.totalGross.unitsMinor == 7_833_33 + 1_200_00)
      #expect(
        approved.totalNet.unitsMinor + approved.totalDeductions.unitsMinor
          + approved.totalGosiEmployer.unitsMinor == debits
      )
      // One entry's worth on the books, whatever the retries.
      #expect(try await clients.financeBalance(role: "salaries") == approved.totalGross.unitsMinor)
      #expect(
        try await clients.financeBalance(role: "payroll_payable") == -approved.totalNet.unitsMinor
      )

      let again = await #expect(throws: RPCError.self) {
        _ = try await clients.payroll.runPayroll(run)
      }
      #expect(again?.code == .failedPrecondition)
      #expect(again?.message.contains("approved") == true)

      var cost = Erp_Hr_V1_PayrollCostRequest()
      cost.year = 2026
      let lines = try await clients.payroll.payrollCost(cost).lines
      #expect(lines.map(\.departmentCode) == ["SALES"])
      #expect(lines.first?.gross.unitsMinor == approved.totalGross.unitsMinor)
      var overtime = Erp_Hr_V1_OvertimeReportRequest()
      overtime.year = 2026
      overtime.month = 11
      #expect(
        try await clients.payroll.overtimeReport(overtime).employees.map(\.overtimeMinutes) == [120]
      )
    }
  }
}
