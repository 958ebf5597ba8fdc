import ERPMoney
import ERPRuntime
import ERPStore

/// One employee's pay for one month, computed from their terms, the days they were employed
/// and their timesheet, with no database in sight (so the rules read, and test, on their own).
///
/// - Monthly pay and allowances are prorated by calendar days employed: amount × days ÷ days
///   in the month.
/// - Hourly pay is regular hours × rate; overtime (minutes past the daily threshold) is paid at
///   the overtime multiple of the hourly rate, for a monthly employee the salary ÷ 240 (30 days
///   of 8 hours).
/// - GOSI (Saudi social insurance): the contributable wage is base pay + housing (as paid this
///   month, so prorated), capped; the employee's share (deducted, `socialInsurance`) and the
///   employer's share are each that wage × the rate for the employee's nationality, in basis
///   points, rounded half up to the minor unit per employee in integer arithmetic
///   (`Proportion`). Defaults: Saudi 9.75 % + 11.75 %, non-Saudi 0 % + 2 %.
/// - Every component is rounded half up to the minor unit on its own; gross and net are sums.
struct PayrollCalculation {
  struct Terms {
    var monthly: Bool
    var rate: Int64
    var housing: Int64
    var transport: Int64
    var hired: CalendarDate
    var left: CalendarDate?
    var saudi = true
  }

  struct Rules {
    var overtimeMultiplierBasisPoints: Int64
    /// The Saudi employee's GOSI share.
    var socialInsuranceBasisPoints: Int64
    var socialInsuranceCap: Int64
    var saudiEmployerBasisPoints: Int64 = 1175
    var nonSaudiEmployeeBasisPoints: Int64 = 0
    var nonSaudiEmployerBasisPoints: Int64 = 200
  }

  struct Payslip: Equatable {
    var daysEmployed: Int
    var daysInMonth: Int
    var base: Int64
    var overtime: Int64
    var housing: Int64
    var transport: Int64
    var socialInsurance: Int64
    var wageBase: Int64 = 0
    var employerShare: Int64 = 0
    var gross: Int64 { self.base + self.overtime + self.housing + self.transport }
    var net: Int64 { self.gross - self.socialInsurance }
  }

  static func payslip(
    year: Int,
    month: Int,
    terms: Terms,
    regularMinutes: Int64,
    overtimeMinutes: Int64,
    rules: Rules
  ) -> Payslip {
    let first = CalendarDate(year: year, month: month, day: 1)
    let length = CalendarDate.days(inYear: year, month: month)
    let last = CalendarDate(year: year, month: month, day: length)
    let from = max(first, terms.hired)
    let to = min(last, terms.left ?? last)
    let days = from > to ? 0 : to.day - from.day + 1

    func prorated(_ amount: Int64) -> Int64 {
      Proportion.of(amount, Int64(days), over: Int64(length))
    }
    let base =
      terms.monthly
      ? prorated(terms.rate)
      : Proportion.of(terms.rate, regularMinutes, over: 60)
    let overtimeDivisor: Int64 = (terms.monthly ? 240 : 1) * 60 * 10_000
    let overtime = Proportion.of(
      terms.rate,
      overtimeMinutes * rules.overtimeMultiplierBasisPoints,
      over: overtimeDivisor
    )
    let housing = prorated(terms.housing)
    let insurable = min(base + housing, rules.socialInsuranceCap)
    let (employeeRate, employerRate) =
      terms.saudi
      ? (rules.socialInsuranceBasisPoints, rules.saudiEmployerBasisPoints)
      : (rules.nonSaudiEmployeeBasisPoints, rules.nonSaudiEmployerBasisPoints)
    return Payslip(
      daysEmployed: days,
      daysInMonth: length,
      base: base,
      overtime: overtime,
      housing: housing,
      transport: prorated(terms.transport),
      socialInsurance: Proportion.of(insurable, employeeRate, over: 10_000),
      wageBase: insurable,
      employerShare: Proportion.of(insurable, employerRate, over: 10_000)
    )
  }
}
