import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@testable import HR

/// GOSI on a Saudi payroll and the UAE WPS salary file, with every figure computed by hand
/// below (never by the code under test).
@Suite("Payroll: GOSI and WPS")
struct GosiWpsTests {
  /// November 2026, full month for all three, default rates (Saudi 9.75 % + 11.75 %, non-Saudi
  /// 0 % + 2 %), cap 45,000.00, each share rounded half up to the halala:
  ///
  /// - Saudi, 4,002.00 + 1,000.00 housing + 500.00 transport: gross 5,502.00, wage base
  ///   5,002.00, employee 487.695 → 487.70, employer 587.735 → 587.74, net 5,014.30.
  /// - Saudi, 50,000.00 + 5,000.00 housing: gross 55,000.00, wage base capped at 45,000.00,
  ///   employee 4,387.50, employer 5,287.50, net 50,612.50.
  /// - non-Saudi, 6,123.45 + 1,530.86 housing: gross 7,654.31, wage base 7,654.31, employee
  ///   0.00, employer 153.0862 → 153.09, net 7,654.31.
  /// - Totals: gross 68,156.31, wage base 57,656.31, employee 4,875.20, employer 6,028.33, net
  ///   63,281.11.
  ///
  /// The entry: salaries Dr 68,156.31 and GOSI expense Dr 6,028.33 against payroll payable
  /// Cr 63,281.11 and GOSI payable Cr 10,903.53 (4,875.20 + 6,028.33); 74,184.64 each side.
  @Test("a payroll with Saudi and non-Saudi employees posts GOSI shares as computed by hand")
  func gosiPosting() async throws {
    try await HRHarness.run { clients in
      let rates = try await clients.payroll.getSettings(.init()).gosi
      #expect(rates.saudiEmployeeBasisPoints == 975)
      #expect(rates.saudiEmployerBasisPoints == 1175)
      #expect(rates.nonSaudiEmployeeBasisPoints == 0)
      #expect(rates.nonSaudiEmployerBasisPoints == 200)
      let rounding = try await clients.hire(
        "gosi-1",
        arabic: "سارة العتيبي",
        identity: "1000000001",
        hired: day(2024, 1, 1),
        rate: 4_002_00,
        housing: 1_000_00,
        transport: 500_00
      )
      let capped = try await clients.hire(
        "gosi-2",
        arabic: "خالد الحربي",
        identity: "1000000002",
        hired: day(2024, 1, 1),
        rate: 50_000_00,
        housing: 5_000_00
      )
      let expat = try await clients.hire(
        "gosi-3",
        latin: "Ravi Kumar",
        identity: "2000000003",
        hired: day(2024, 1, 1),
        rate: 6_123_45,
        housing: 1_530_86,
        kind: .residenceID
      )
      #expect(rounding.nationality == .saudi)
      #expect(expat.nationality == .nonSaudi)

      var run = Erp_Hr_V1_RunPayrollRequest()
      run.year = 2026
      run.month = 11
      let draft = try await clients.payroll.runPayroll(run)
      #expect(draft.payslips.map(\.employeeID) == [rounding.id, capped.id, expat.id])
      #expect(draft.payslips.map(\.gosiWageBase.unitsMinor) == [5_002_00, 45_000_00, 7_654_31])
      #expect(draft.payslips.map(\.socialInsurance.unitsMinor) == [487_70, 4_387_50, 0])
      #expect(draft.payslips.map(\.gosiEmployerShare.unitsMinor) == [587_74, 5_287_50, 153_09])
      #expect(draft.payslips.map(\.net.unitsMinor) == [5_014_30, 50_612_50, 7_654_31])
      #expect(draft.payslips.map(\.saudi) == [true, true, false])

      var approve = Erp_Hr_V1_GetPayrollRunRequest()
      approve.id = draft.id
      let approved = try await clients.payroll.approvePayrollRun(approve)
      #expect(approved.totalGross.unitsMinor == 68_156_31)
      #expect(approved.totalDeductions.unitsMinor == 4_875_20)
      #expect(approved.totalGosiEmployer.unitsMinor == 6_028_33)
      #expect(approved.totalNet.unitsMinor == 63_281_11)

      var get = Erp_Finance_V1_GetEntryRequest()
      get.number = approved.journalEntry
      let entry = try await clients.ledger.getEntry(get)
      #expect(entry.lines.reduce(0) { $0 + $1.debit.unitsMinor } == 74_184_64)
      #expect(entry.lines.reduce(0) { $0 + $1.credit.unitsMinor } == 74_184_64)
      #expect(try await clients.financeBalance(role: "salaries") == 68_156_31)
      #expect(try await clients.financeBalance(role: "gosi_expense") == 6_028_33)
      #expect(try await clients.financeBalance(role: "payroll_payable") == -63_281_11)
      #expect(try await clients.financeBalance(role: "gosi_payable") == -10_903_53)
      var trial = Erp_Finance_V1_TrialBalanceRequest()
      trial.asOf = day(2026, 12, 31)
      let balance = try await clients.ledger.trialBalance(trial)
      #expect(balance.totalDebitMinor == balance.totalCreditMinor)
      #expect(balance.lines.reduce(0) { $0 + $1.debitMinor - $1.creditMinor } == 0)

      var month = Erp_Hr_V1_GosiReportRequest()
      month.year = 2026
      month.month = 11
      let report = try await clients.payroll.gosiReport(month)
      #expect(report.runID == "PR-2026-11")
      #expect(report.status == .approved)
      #expect(report.employees.map(\.employerShare.unitsMinor) == [587_74, 5_287_50, 153_09])
      #expect(
        report.employees.map(\.employeeName) == ["سارة العتيبي", "خالد الحربي", "Ravi Kumar"]
      )
      #expect(report.totalWageBase.unitsMinor == 57_656_31)
      #expect(report.totalEmployeeShare.unitsMinor == 4_875_20)
      #expect(report.totalEmployerShare.unitsMinor == 6_028_33)
      #expect(report.totalContribution.unitsMinor == 10_903_53)

      // WPS pays AED only: this SAR run has no salary file.
      var sif = Erp_Hr_V1_WpsSalaryFileRequest()
      sif.runID = approved.id
      let refused = await #expect(throws: RPCError.self) {
        _ = try await clients.payroll.wpsSalaryFile(sif)
      }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message.contains("AED") == true)
    }
  }

  /// The SIF of an AED run, written out by hand from the CB-UAE record layouts (see
  /// `WpsSalaryFile`): 2026-11-30T10:15:42Z is 14:15:42 in the UAE. The first employee is paid
  /// the full month, 9,500.00 fixed; the second joined on 16 November (15 days): 8,400.00 +
  /// 2,000.00 housing prorated to 4,200.00 + 1,000.00 = 5,200.00 fixed, and two overtime hours
  /// at 8,400.00 ÷ 240 × 1.5 = 52.50 an hour, 105.00 variable. Total 14,805.00.
  static let expectedSIF =
    "EDR,10003128177364,201234567,AE340330000010790321544,2026-11-01,2026-11-30,30,9500.00,"
    + "0.00,0\r\n"
    + "EDR,00000028829070,803510106,AE580260001015333439201,2026-11-16,2026-11-30,15,5200.00,"
    + "105.00,0\r\n"
    + "SCR,0000000123456,802420101,2026-11-30,1415,112026,2,14805.00,AED,PAYROLL NOV 2026\r\n"

  @Test("the WPS salary file of an approved AED run matches a hand-written file byte for byte")
  func salaryFile() async throws {
    try await HRHarness.run(currency: "AED") { clients in
      var settings = try await clients.payroll.getSettings(.init())
      var bad = settings
      bad.gosi.nonSaudiEmployerBasisPoints = 6_000
      let refused = await #expect(throws: RPCError.self) {
        _ = try await clients.payroll.updateSettings(bad)
      }
      #expect(refused?.message.hasPrefix("gosi.non_saudi_employer_basis_points:") == true)
      settings.gosi = Erp_Hr_V1_GosiRates()  // a UAE employer pays no GOSI
      settings.wps.employerID = "0000000123456"
      settings.wps.routingCode = "802420101"
      _ = try await clients.payroll.updateSettings(settings)
      let first = try await clients.hire(
        "wps-1",
        latin: "Arjun Nair",
        identity: "K1234567",
        hired: day(2023, 5, 1),
        rate: 9_500_00,
        kind: .passport,
        currency: "AED",
        iban: "AE340330000010790321544",
        wps: ("10003128177364", "201234567")
      )
      let second = try await clients.hire(
        "wps-2",
        arabic: "مريم يوسف",
        identity: "K7654321",
        hired: day(2026, 11, 16),
        rate: 8_400_00,
        housing: 2_000_00,
        kind: .passport,
        currency: "AED",
        iban: "AE58 0260 0010 1533 3439 201",
        wps: ("28829070", "803510106")
      )
      #expect(second.wpsPersonID == "00000028829070")
      var record = Erp_Hr_V1_RecordDayRequest()
      record.employeeID = second.id
      record.day = day(2026, 11, 17)
      record.minutesWorked = 600
      _ = try await clients.timesheets.recordDay(record)

      var run = Erp_Hr_V1_RunPayrollRequest()
      run.year = 2026
      run.month = 11
      let draft = try await clients.payroll.runPayroll(run)
      var sif = Erp_Hr_V1_WpsSalaryFileRequest()
      sif.runID = draft.id
      sif.createdAt = Google_Protobuf_Timestamp(seconds: 1_796_033_742)  // 2026-11-30T10:15:42Z
      sif.employerReference = "PAYROLL NOV 2026"
      let early = await #expect(throws: RPCError.self) {
        _ = try await clients.payroll.wpsSalaryFile(sif)
      }
      #expect(early?.code == .failedPrecondition)

      var approve = Erp_Hr_V1_GetPayrollRunRequest()
      approve.id = draft.id
      let approved = try await clients.payroll.approvePayrollRun(approve)
      #expect(approved.payslips.map(\.employeeID) == [first.id, second.id])
      let file = try await clients.payroll.wpsSalaryFile(sif)
      #expect(file.fileName == "0000000123456261130141542.SIF")
      #expect(Array(file.content.utf8) == Array(Self.expectedSIF.utf8))
      #expect(file.records == 2)
      #expect(file.total == Erp_Common_V1_Money(14_805_00, "AED"))
      #expect(file.total.unitsMinor == approved.totalNet.unitsMinor)
    }
  }

  @Test("a bad WPS field is INVALID_ARGUMENT naming the employee and the field")
  func recordValidation() throws {
    let good = WpsSalaryFile.Record(
      employee: "EMP-000007",
      personID: "10003128177364",
      routingCode: "201234567",
      iban: "AE340330000010790321544",
      start: CalendarDate(year: 2026, month: 11, day: 1),
      end: CalendarDate(year: 2026, month: 11, day: 30),
      days: 30,
      fixed: 1_000_00,
      variable: 0
    )
    try WpsSalaryFile.validate(good)
    let cases: [((inout WpsSalaryFile.Record) -> Void, String)] = [
      ({ $0.iban = "AE350330000010790321544" }, "iban"),  // check digits off by one
      ({ $0.iban = "SA0380000000608010167519" }, "iban"),  // a valid IBAN, not a UAE one
      ({ $0.routingCode = "20123456" }, "wps_routing_code"),
      ({ $0.personID = "" }, "wps_person_id"),
    ]
    for (change, field) in cases {
      var record = good
      change(&record)
      let error = #expect(throws: RPCError.self) { try WpsSalaryFile.validate(record) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.hasPrefix("EMP-000007.\(field):") == true)
    }
    let unbalanced = #expect(throws: RPCError.self) {
      _ = try WpsSalaryFile.file(
        employer: .init(id: "0000000123456", routingCode: "802420101", reference: ""),
        year: 2026,
        month: 11,
        createdAt: Date(timeIntervalSince1970: 0),
        records: [good],
        expectedTotal: 999_00
      )
    }
    #expect(unbalanced?.code == .internalError)
  }
}
