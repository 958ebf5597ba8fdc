import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore

typealias People = Erp_Hr_V1_People.Client<ERPTransport.Client>
typealias Scheduling = Erp_Hr_V1_Scheduling.Client<ERPTransport.Client>
typealias LeaveClient = Erp_Hr_V1_Leave.Client<ERPTransport.Client>
typealias Timesheets = Erp_Hr_V1_Timesheets.Client<ERPTransport.Client>
typealias PayrollClient = Erp_Hr_V1_Payroll.Client<ERPTransport.Client>
typealias Ledger = Erp_Finance_V1_Ledger.Client<ERPTransport.Client>

struct HRClients: Sendable {
  let people: People
  let scheduling: Scheduling
  let leave: LeaveClient
  let timesheets: Timesheets
  let payroll: PayrollClient
  let ledger: Ledger
}

/// HR calling a real finance service, both on production's runners (``InProcessSystem``: the
/// services' authentication, field limits, HR's payroll relay), payroll and books in SAR, with a
/// SALES department and a CASHIER position.
enum HRHarness {
  /// `currency` is the books' base currency and the payroll currency (SAR unless given).
  static func run<T: Sendable>(
    currency: String = "SAR",
    _ body: @Sendable (HRClients) async throws -> T
  ) async throws -> T {
    let options = InProcessSystem.Options(services: ["finance", "hr"]) { entry in
      try await TestDatabase.isolatedConninfo("hr_\(entry.name)")
    }
    return try await InProcessSystem.run(options) { system in
      try await system.withTenant(TestDatabase.uniqueTenant("hr"), clients: ["hr", "finance"]) {
        try await Self.seeded(hr: $0["hr"]!, finance: $0["finance"]!, currency: currency, body)
      }
    }
  }

  private static func seeded<T: Sendable>(
    hr: GRPCClient<ERPTransport.Client>,
    finance: GRPCClient<ERPTransport.Client>,
    currency: String,
    _ body: @Sendable (HRClients) async throws -> T
  ) async throws -> T {
    var settings = Erp_Finance_V1_SetBaseCurrencyRequest()
    settings.currencyCode = currency
    _ = try await Ledger(wrapping: finance).setBaseCurrency(settings)
    let clients = HRClients(
      people: People(wrapping: hr),
      scheduling: Scheduling(wrapping: hr),
      leave: LeaveClient(wrapping: hr),
      timesheets: Timesheets(wrapping: hr),
      payroll: PayrollClient(wrapping: hr),
      ledger: Ledger(wrapping: finance)
    )
    if currency != "SAR" {
      var payroll = try await clients.payroll.getSettings(.init())
      payroll.currencyCode = currency
      payroll.socialInsuranceCap.currencyCode = currency
      _ = try await clients.payroll.updateSettings(payroll)
    }
    var department = Erp_Hr_V1_Department()
    department.code = "SALES"
    department.name = "المبيعات"
    department.requestID = "department-SALES"
    _ = try await clients.people.createDepartment(department)
    var position = Erp_Hr_V1_Position()
    position.code = "CASHIER"
    position.title = "أمين صندوق"
    position.departmentCode = "SALES"
    position.requestID = "position-CASHIER"
    _ = try await clients.people.createPosition(position)
    return try await body(clients)
  }
}

func day(_ year: Int32, _ month: Int32, _ day: Int32) -> Erp_Common_V1_Date {
  var date = Erp_Common_V1_Date()
  date.year = year
  date.month = month
  date.day = day
  return date
}

func sar(_ minor: Int64) -> Erp_Common_V1_Money { Erp_Common_V1_Money(minor, "SAR") }

/// A valid Saudi IBAN (check digits computed for the test, as a bank would).
let testIBAN = "SA0380000000608010167519"

extension HRClients {
  func hire(
    _ key: String,
    arabic: String = "موظف",
    latin: String = "",
    identity: String,
    hired: Erp_Common_V1_Date,
    monthly: Bool = true,
    rate: Int64,
    housing: Int64 = 0,
    transport: Int64 = 0,
    position: String = "",
    kind: Erp_Hr_V1_IdentityKind = .nationalID,
    currency: String = "SAR",
    iban: String = testIBAN,
    wps: (personID: String, routingCode: String) = ("", "")
  ) async throws -> Erp_Hr_V1_Employee {
    var request = Erp_Hr_V1_HireEmployeeRequest()
    request.requestID = key
    request.employee.nameArabic = arabic
    request.employee.nameLatin = latin
    request.employee.identityKind = kind
    request.employee.identityNumber = identity
    request.employee.hireDate = hired
    request.employee.departmentCode = "SALES"
    request.employee.positionCode = position
    request.employee.payType = monthly ? .monthly : .hourly
    request.employee.payRate = Erp_Common_V1_Money(rate, currency)
    request.employee.housingAllowance = Erp_Common_V1_Money(housing, currency)
    request.employee.transportAllowance = Erp_Common_V1_Money(transport, currency)
    request.employee.iban = iban
    request.employee.wpsPersonID = wps.personID
    request.employee.wpsRoutingCode = wps.routingCode
    return try await self.people.hireEmployee(request)
  }

  /// A shift of the SALES department from `start` (seconds since the epoch) for `hours`.
  func shift(
    _ key: String,
    start: Int64,
    hours: Int64,
    position: String = ""
  ) async throws
    -> Erp_Hr_V1_Shift
  {
    var request = Erp_Hr_V1_CreateShiftRequest()
    request.requestID = key
    request.shift.departmentCode = "SALES"
    request.shift.positionCode = position
    request.shift.location = "فرع العليا"
    request.shift.startsAt = start
    request.shift.endsAt = start + hours * 3600
    return try await self.scheduling.createShift(request)
  }

  func assign(_ shift: String, _ employee: String) async throws -> Erp_Hr_V1_Shift {
    var request = Erp_Hr_V1_AssignShiftRequest()
    request.shiftID = shift
    request.employeeID = employee
    return try await self.scheduling.assignShift(request)
  }

  /// The ANNUAL leave type, 21 days a year.
  func annualLeave() async throws {
    var type = Erp_Hr_V1_LeaveType()
    type.code = "ANNUAL"
    type.name = "إجازة سنوية"
    type.yearlyDays = 21
    type.requestID = "leave-type-ANNUAL"
    _ = try await self.leave.createLeaveType(type)
  }

  /// The balance of finance's account with `role` (debit positive), as of the end of 2026.
  func financeBalance(role: String) async throws -> Int64 {
    try await ERPTestSupport.financeBalance(self.ledger, role: role, asOf: day(2026, 12, 31))
  }
}
