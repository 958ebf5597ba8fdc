import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Payroll runs: one per month ("PR-2026-11"). Running computes every payslip of the month
/// (again, while the run is a draft); approving freezes them and queues one journal entry for
/// finance under the key `hr:PR-2026-11`, so however often approval is retried, finance
/// records one entry. An approved month cannot be run again.
enum PayrollRuns {
  static func run(
    _ context: HRContext,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_RunPayrollRequest
  )
    async throws -> Erp_Hr_V1_PayrollRun
  {
    let first = try HRValues.month(year: request.year, month: request.month)
    let (year, month) = (first.year, first.month)
    let number = "PR-\(year)-\(month < 10 ? "0" : "")\(month)"
    try await context.pool.withTenant(tenant) { session in
      let settings = try await PayrollSettingsStore.get(session)
      try await session.query(
        "INSERT INTO payroll_run (number, year, month, status, currency_code, entry_key) "
          + "VALUES ($1, $2, $3, 'draft', $4, 'hr:' || $1) ON CONFLICT (year, month) DO NOTHING",
        [number, year, month, settings.currencyCode]
      )
      let run = try await session.query(
        "SELECT id, status FROM payroll_run WHERE year = $1 AND month = $2 FOR UPDATE",
        [year, month]
      )[0]
      guard try run.decode("status", as: String.self) == "draft" else {
        throw RPCError(
          code: .failedPrecondition,
          message: "month: \(number) is approved; an approved month cannot be run again"
        )
      }
      let runID: Int64 = try run.decode("id")
      try await session.query("DELETE FROM payslip WHERE run_id = $1", [runID])
      let last = CalendarDate(
        year: year,
        month: month,
        day: CalendarDate.days(inYear: year, month: month)
      )
      let employees = try await session.query(
        """
        SELECT e.id, e.department_id, e.pay_type, e.pay_rate_minor, e.housing_minor,
          e.transport_minor, e.hire_date, e.termination_date, e.saudi,
          coalesce(sum(t.minutes_worked), 0)::bigint AS minutes,
          coalesce(sum(greatest(t.minutes_worked - $3, 0)), 0)::bigint AS overtime
        FROM employee e
        LEFT JOIN timesheet_day t ON t.employee_id = e.id AND t.work_date BETWEEN $1 AND $2
        WHERE e.hire_date <= $2 AND (e.termination_date IS NULL OR e.termination_date >= $1)
        GROUP BY e.id ORDER BY e.id
        """,
        [first, last, Int(settings.overtimeDailyThresholdMinutes)]
      )
      let rules = PayrollCalculation.Rules(
        overtimeMultiplierBasisPoints: Int64(settings.overtimeMultiplierBasisPoints),
        socialInsuranceBasisPoints: Int64(settings.socialInsuranceBasisPoints),
        socialInsuranceCap: settings.socialInsuranceCap.unitsMinor,
        saudiEmployerBasisPoints: Int64(settings.gosi.saudiEmployerBasisPoints),
        nonSaudiEmployeeBasisPoints: Int64(settings.gosi.nonSaudiEmployeeBasisPoints),
        nonSaudiEmployerBasisPoints: Int64(settings.gosi.nonSaudiEmployerBasisPoints)
      )
      var statements: [PostgresStatement] = []
      for employee in employees {
        let minutes: Int64 = try employee.decode("minutes")
        let overtime: Int64 = try employee.decode("overtime")
        let slip = PayrollCalculation.payslip(
          year: year,
          month: month,
          terms: .init(
            monthly: try employee.decode("pay_type", as: String.self) == "monthly",
            rate: try employee.decode("pay_rate_minor"),
            housing: try employee.decode("housing_minor"),
            transport: try employee.decode("transport_minor"),
            hired: try employee.decode("hire_date"),
            left: try employee.decodeIfPresent("termination_date"),
            saudi: try employee.decode("saudi")
          ),
          regularMinutes: minutes - overtime,
          overtimeMinutes: overtime,
          rules: rules
        )
        statements.append(
          PostgresStatement(
            """
            INSERT INTO payslip (run_id, employee_id, department_id, days_employed, days_in_month,
              regular_minutes, overtime_minutes, base_minor, overtime_minor, housing_minor,
              transport_minor, gross_minor, social_insurance_minor, net_minor, saudi,
              gosi_wage_base_minor, gosi_employer_minor)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
            """,
            [
              runID, try employee.decode("id", as: Int64.self),
              try employee.decode("department_id", as: Int64.self), slip.daysEmployed,
              slip.daysInMonth, minutes - overtime, overtime, slip.base, slip.overtime,
              slip.housing, slip.transport, slip.gross, slip.socialInsurance, slip.net,
              try employee.decode("saudi", as: Bool.self), slip.wageBase, slip.employerShare,
            ]
          )
        )
      }
      if !statements.isEmpty { _ = try await session.pipeline(statements) }
    }
    return try await Self.get(context.pool, tenant, number)
  }

  static func approve(
    _ context: HRContext,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Hr_V1_PayrollRun
  {
    try await context.pool.withTenant(tenant) { session in
      let runs = try await session.query(
        "SELECT id, year, month, status, currency_code, entry_key FROM payroll_run "
          + "WHERE number = $1 FOR UPDATE",
        [number]
      )
      guard let run = runs.first else {
        throw RPCError(code: .notFound, message: "id: no payroll run \(quoted(number))")
      }
      guard try run.decode("status", as: String.self) == "draft" else { return }
      let totals = try await session.query(
        "SELECT count(*) AS slips, coalesce(sum(gross_minor), 0)::bigint AS gross, "
          + "coalesce(sum(social_insurance_minor), 0)::bigint AS deductions, "
          + "coalesce(sum(net_minor), 0)::bigint AS net, "
          + "coalesce(sum(gosi_employer_minor), 0)::bigint AS employer FROM payslip "
          + "WHERE run_id = $1",
        [try run.decode("id", as: Int64.self)]
      )[0]
      let gross: Int64 = try totals.decode("gross")
      guard gross > 0 else {
        throw RPCError(
          code: .failedPrecondition,
          message: "id: \(number) pays nothing; run it first"
        )
      }
      let net: Int64 = try totals.decode("net")
      let deductions: Int64 = try totals.decode("deductions")
      let employer: Int64 = try totals.decode("employer")
      try await session.query(
        "UPDATE payroll_run SET status = 'approved' WHERE number = $1",
        [number]
      )
      let year: Int = try run.decode("year")
      let month: Int = try run.decode("month")
      var lines: [(role: String, debit: Int64, credit: Int64, memo: String)] = [
        ("salaries", gross, 0, "gross pay"), ("payroll_payable", 0, net, "net pay"),
      ]
      // GOSI in the same entry: the employee's share withheld from pay and the employer's
      // share as expense, both owed to GOSI.
      if deductions > 0 {
        lines.append(("gosi_payable", 0, deductions, "GOSI employee share withheld"))
      }
      if employer > 0 {
        lines.append(("gosi_expense", employer, 0, "GOSI employer share"))
        lines.append(("gosi_payable", 0, employer, "GOSI employer share"))
      }
      try await FinancePostings.queueEntry(
        session,
        key: try run.decode("entry_key"),
        FinancePostings.entry(
          date: CalendarDate(
            year: year,
            month: month,
            day: CalendarDate.days(inYear: year, month: month)
          ),
          memo: "Payroll \(number)",
          source: ("payroll_run", number),
          currency: try run.decode("currency_code"),
          lines: lines
        )
      )
      var approved = Erp_Gateway_V1_DocumentEventData()
      approved.kind = "payroll_run"
      approved.number = number
      approved.amount = Erp_Common_V1_Money(gross, try run.decode("currency_code"))
      approved.summary = "Payroll \(number) approved: gross pay"
      try await PartnerEvents.queue(
        session,
        .payrollRunApproved,
        key: "payroll_run:\(number)",
        data: approved
      )
    }
    await context.relay.deliverWritten(tenant)
    return try await Self.get(context.pool, tenant, number)
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ number: String
  ) async throws
    -> Erp_Hr_V1_PayrollRun
  {
    let results = try await pool.withTenant(tenant) { session in
      try await session.pipeline([
        PostgresStatement(
          "SELECT r.number, r.year, r.month, r.status, r.currency_code, "
            + "coalesce(o.result, '') AS journal_entry FROM payroll_run r "
            + "LEFT JOIN outbox o ON o.key = r.entry_key WHERE r.number = $1",
          [number]
        ),
        PostgresStatement(
          """
          SELECT e.number, coalesce(nullif(e.name_latin, ''), e.name_arabic) AS name,
            d.code AS department, p.*
          FROM payroll_run r JOIN payslip p ON p.run_id = r.id
          JOIN employee e ON e.id = p.employee_id JOIN department d ON d.id = p.department_id
          WHERE r.number = $1 ORDER BY e.number
          """,
          [number]
        ),
      ])
    }
    guard let row = results[0].first else {
      throw RPCError(code: .notFound, message: "id: no payroll run \(quoted(number))")
    }
    let currency: String = try row.decode("currency_code")
    var run = Erp_Hr_V1_PayrollRun()
    run.id = try row.decode("number")
    run.year = try row.decode("year")
    run.month = try row.decode("month")
    run.status = try row.decode("status", as: String.self) == "approved" ? .approved : .draft
    run.journalEntry = try row.decode("journal_entry")
    run.payslips = try results[1].map { slip in
      var payslip = Erp_Hr_V1_Payslip()
      payslip.employeeID = try slip.decode("number")
      payslip.employeeName = try slip.decode("name")
      payslip.departmentCode = try slip.decode("department")
      payslip.daysEmployed = try slip.decode("days_employed")
      payslip.daysInMonth = try slip.decode("days_in_month")
      payslip.regularMinutes = try slip.decode("regular_minutes")
      payslip.overtimeMinutes = try slip.decode("overtime_minutes")
      payslip.basePay = Erp_Common_V1_Money(try slip.decode("base_minor"), currency)
      payslip.overtimePay = Erp_Common_V1_Money(try slip.decode("overtime_minor"), currency)
      payslip.housingAllowance = Erp_Common_V1_Money(try slip.decode("housing_minor"), currency)
      payslip.transportAllowance = Erp_Common_V1_Money(try slip.decode("transport_minor"), currency)
      payslip.gross = Erp_Common_V1_Money(try slip.decode("gross_minor"), currency)
      payslip.socialInsurance = Erp_Common_V1_Money(
        try slip.decode("social_insurance_minor"),
        currency
      )
      payslip.net = Erp_Common_V1_Money(try slip.decode("net_minor"), currency)
      payslip.saudi = try slip.decode("saudi")
      payslip.gosiWageBase = Erp_Common_V1_Money(try slip.decode("gosi_wage_base_minor"), currency)
      payslip.gosiEmployerShare = Erp_Common_V1_Money(
        try slip.decode("gosi_employer_minor"),
        currency
      )
      return payslip
    }
    run.totalGross = Erp_Common_V1_Money(
      run.payslips.reduce(0) { $0 + $1.gross.unitsMinor },
      currency
    )
    run.totalDeductions = Erp_Common_V1_Money(
      run.payslips.reduce(0) { $0 + $1.socialInsurance.unitsMinor },
      currency
    )
    run.totalNet = Erp_Common_V1_Money(run.payslips.reduce(0) { $0 + $1.net.unitsMinor }, currency)
    run.totalGosiEmployer = Erp_Common_V1_Money(
      run.payslips.reduce(0) { $0 + $1.gosiEmployerShare.unitsMinor },
      currency
    )
    return run
  }
}
