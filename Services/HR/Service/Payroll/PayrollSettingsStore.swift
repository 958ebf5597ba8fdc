import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The tenant's payroll rules: currency, overtime, social insurance, weekend.
enum PayrollSettingsStore {
  static func currency(_ session: PostgresSession) async throws -> String {
    try await session.query("SELECT currency_code FROM payroll_settings")[0].decode("currency_code")
  }

  static func get(_ session: PostgresSession) async throws -> Erp_Hr_V1_PayrollSettings {
    let row = try await session.query(
      "SELECT currency_code, overtime_threshold_minutes, overtime_multiplier_bp, "
        + "social_insurance_bp, social_insurance_cap_minor, weekend_days::text[] AS weekend, "
        + "gosi_saudi_employer_bp, gosi_non_saudi_employee_bp, gosi_non_saudi_employer_bp, "
        + "wps_employer_id, wps_routing_code FROM payroll_settings"
    )[0]
    var settings = Erp_Hr_V1_PayrollSettings()
    settings.currencyCode = try row.decode("currency_code")
    settings.overtimeDailyThresholdMinutes = try row.decode("overtime_threshold_minutes")
    settings.overtimeMultiplierBasisPoints = try row.decode("overtime_multiplier_bp")
    settings.socialInsuranceBasisPoints = try row.decode("social_insurance_bp")
    settings.socialInsuranceCap = Erp_Common_V1_Money(
      try row.decode("social_insurance_cap_minor"),
      settings.currencyCode
    )
    settings.weekendDays = try row.decode("weekend", as: [String].self).compactMap { Int32($0) }
    settings.gosi.saudiEmployeeBasisPoints = settings.socialInsuranceBasisPoints
    settings.gosi.saudiEmployerBasisPoints = try row.decode("gosi_saudi_employer_bp")
    settings.gosi.nonSaudiEmployeeBasisPoints = try row.decode("gosi_non_saudi_employee_bp")
    settings.gosi.nonSaudiEmployerBasisPoints = try row.decode("gosi_non_saudi_employer_bp")
    settings.wps.employerID = try row.decode("wps_employer_id")
    settings.wps.routingCode = try row.decode("wps_routing_code")
    return settings
  }

  /// Replaces the settings (GOSI rates and the WPS employer only when given). The currency can
  /// change only while no employee is paid in the old one and no run exists.
  static func update(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ settings: Erp_Hr_V1_PayrollSettings
  )
    async throws -> Erp_Hr_V1_PayrollSettings
  {
    guard Currency(code: settings.currencyCode) != nil else {
      throw HRValues.invalid(
        "currency_code",
        "unknown ISO 4217 code \(quoted(settings.currencyCode))"
      )
    }
    guard (0...1440).contains(settings.overtimeDailyThresholdMinutes) else {
      throw HRValues.invalid("overtime_daily_threshold_minutes", "0 to 1440")
    }
    guard (10000...40000).contains(settings.overtimeMultiplierBasisPoints) else {
      throw HRValues.invalid("overtime_multiplier_basis_points", "10000 (1×) to 40000 (4×)")
    }
    guard (0...5000).contains(settings.socialInsuranceBasisPoints) else {
      throw HRValues.invalid("social_insurance_basis_points", "0 to 5000")
    }
    guard settings.socialInsuranceCap.unitsMinor >= 0,
      settings.socialInsuranceCap.currencyCode == settings.currencyCode
    else {
      throw HRValues.invalid(
        "social_insurance_cap",
        "a non-negative amount in \(settings.currencyCode)"
      )
    }
    guard settings.weekendDays.allSatisfy({ (1...7).contains($0) }), settings.weekendDays.count < 7
    else {
      throw HRValues.invalid("weekend_days", "ISO weekdays 1 to 7, fewer than seven")
    }
    var settings = settings
    if settings.hasGosi {
      let gosi = settings.gosi
      for (rate, field) in [
        (gosi.saudiEmployeeBasisPoints, "saudi_employee_basis_points"),
        (gosi.saudiEmployerBasisPoints, "saudi_employer_basis_points"),
        (gosi.nonSaudiEmployeeBasisPoints, "non_saudi_employee_basis_points"),
        (gosi.nonSaudiEmployerBasisPoints, "non_saudi_employer_basis_points"),
      ] where !(0...5000).contains(rate) {
        throw HRValues.invalid("gosi.\(field)", "0 to 5000")
      }
      settings.socialInsuranceBasisPoints = gosi.saudiEmployeeBasisPoints
    }
    if settings.hasWps {
      guard settings.wps.employerID.wholeMatch(of: /([0-9]{13})?/) != nil else {
        throw HRValues.invalid("wps.employer_id", "13 digits (zero-padded) or empty")
      }
      guard settings.wps.routingCode.wholeMatch(of: /([0-9]{9})?/) != nil else {
        throw HRValues.invalid("wps.routing_code", "9 digits or empty")
      }
    }
    return try await pool.withTenant(tenant) { session in
      let current = try await Self.currency(session)
      if current != settings.currencyCode {
        let used = try await session.query(
          "SELECT (SELECT count(*) FROM employee) + (SELECT count(*) FROM payroll_run) AS n"
        )
        guard try used[0].decode("n", as: Int64.self) == 0 else {
          throw RPCError(
            code: .failedPrecondition,
            message: "currency_code: employees are paid in \(current); it cannot change now"
          )
        }
      }
      try await session.query(
        """
        UPDATE payroll_settings SET currency_code = $1, overtime_threshold_minutes = $2,
          overtime_multiplier_bp = $3, social_insurance_bp = $4, social_insurance_cap_minor = $5,
          weekend_days = $6::integer[]
        """,
        [
          settings.currencyCode, Int(settings.overtimeDailyThresholdMinutes),
          Int(settings.overtimeMultiplierBasisPoints), Int(settings.socialInsuranceBasisPoints),
          settings.socialInsuranceCap.unitsMinor, settings.weekendDays.map { String($0) },
        ]
      )
      if settings.hasGosi {
        try await session.query(
          "UPDATE payroll_settings SET gosi_saudi_employer_bp = $1, "
            + "gosi_non_saudi_employee_bp = $2, gosi_non_saudi_employer_bp = $3",
          [
            Int(settings.gosi.saudiEmployerBasisPoints),
            Int(settings.gosi.nonSaudiEmployeeBasisPoints),
            Int(settings.gosi.nonSaudiEmployerBasisPoints),
          ]
        )
      }
      if settings.hasWps {
        try await session.query(
          "UPDATE payroll_settings SET wps_employer_id = $1, wps_routing_code = $2",
          [settings.wps.employerID, settings.wps.routingCode]
        )
      }
      return try await Self.get(session)
    }
  }
}
