import ERPProtos
import ERPRuntime
import ERPTransport
import GRPCCore

/// The demo tenant's people: two departments, four employees (one hired mid-month; three Saudi,
/// one not), a week of shifts, a few timesheet days, and an approved payroll run for October
/// 2026 posted to finance with its GOSI shares (employer expense and GOSI payable). Idempotent:
/// fixed request ids, existing departments and positions left as they are.
extension DemoData {
  static func seedHR(_ client: GRPCClient<ERPTransport.Client>) async throws {
    let people = Erp_Hr_V1_People.Client(wrapping: client)
    for (code, name, parent) in [("HQ", "الإدارة العامة", ""), ("SALES", "المبيعات", "HQ")] {
      var department = Erp_Hr_V1_Department()
      department.code = code
      department.name = name
      department.parentCode = parent
      department.requestID = "demo-department-\(code)"
      do {
        _ = try await people.createDepartment(department)
      } catch let error as RPCError where error.code == .alreadyExists {}
    }
    var position = Erp_Hr_V1_Position()
    position.code = "SALES-REP"
    position.title = "مندوب مبيعات"
    position.departmentCode = "SALES"
    position.requestID = "demo-position-SALES-REP"
    do {
      _ = try await people.createPosition(position)
    } catch let error as RPCError where error.code == .alreadyExists {}

    let staff: [(String, String, String, String, Erp_Common_V1_Date, Bool, Int64, Int64)] = [
      (
        "نورة القحطاني", "Noura Alqahtani", "1012345678", "HQ", Self.date(2024, 3, 1), true,
        18_000_00, 4_500_00
      ),
      (
        "فهد الدوسري", "Fahad Aldossari", "1023456789", "SALES", Self.date(2025, 6, 15), true,
        9_500_00, 2_375_00
      ),
      ("Ravi Kumar", "Ravi Kumar", "2034567890", "SALES", Self.date(2025, 2, 1), false, 45_00, 0),
      (
        "ريم الشهري", "Reem Alshehri", "1045678901", "SALES", Self.date(2026, 10, 12), true,
        8_000_00, 2_000_00
      ),
    ]
    var ids: [String] = []
    for (index, person) in staff.enumerated() {
      var request = Erp_Hr_V1_HireEmployeeRequest()
      request.requestID = "demo-employee-\(index + 1)"
      request.employee.nameArabic = person.0
      request.employee.nameLatin = person.1
      request.employee.identityKind = person.2.hasPrefix("2") ? .residenceID : .nationalID
      request.employee.identityNumber = person.2
      request.employee.departmentCode = person.3
      request.employee.hireDate = person.4
      request.employee.payType = person.5 ? .monthly : .hourly
      request.employee.payRate = Self.sar(person.6)
      request.employee.housingAllowance = Self.sar(person.7)
      request.employee.transportAllowance = Self.sar(person.5 ? 500_00 : 0)
      request.employee.positionCode = person.3 == "SALES" ? "SALES-REP" : ""
      request.employee.managerID = ids.first ?? ""
      ids.append(try await people.hireEmployee(request).id)
    }

    // A working week of shifts, Sunday 22 to Thursday 26 November 2026, 08:00 to 16:00 UTC.
    let scheduling = Erp_Hr_V1_Scheduling.Client(wrapping: client)
    let sunday: Int64 = 1_795_334_400
    for day in 0..<5 {
      var shift = Erp_Hr_V1_CreateShiftRequest()
      shift.requestID = "demo-shift-\(day + 1)"
      shift.shift.departmentCode = "SALES"
      shift.shift.positionCode = "SALES-REP"
      shift.shift.location = "معرض الرياض"
      shift.shift.startsAt = sunday + Int64(day) * 86_400
      shift.shift.endsAt = shift.shift.startsAt + 8 * 3600
      let created = try await scheduling.createShift(shift)
      for employee in ids.dropFirst() {
        var assign = Erp_Hr_V1_AssignShiftRequest()
        assign.shiftID = created.id
        assign.employeeID = employee
        _ = try await scheduling.assignShift(assign)
      }
    }

    let timesheets = Erp_Hr_V1_Timesheets.Client(wrapping: client)
    for (day, minutes) in [(5, 540), (6, 480), (7, 600), (8, 480)] as [(Int32, Int32)] {
      var record = Erp_Hr_V1_RecordDayRequest()
      record.employeeID = ids[2]
      record.day = Self.date(2026, 10, day)
      record.minutesWorked = minutes
      _ = try await timesheets.recordDay(record)
    }

    let payroll = Erp_Hr_V1_Payroll.Client(wrapping: client)
    var run = Erp_Hr_V1_RunPayrollRequest()
    run.year = 2026
    run.month = 10
    var get = Erp_Hr_V1_GetPayrollRunRequest()
    get.id = "PR-2026-10"
    let existing = try? await payroll.getPayrollRun(get)
    if existing?.status != .approved { _ = try await payroll.runPayroll(run) }
    _ = try await payroll.approvePayrollRun(get)
  }

  static func sar(_ minor: Int64) -> Erp_Common_V1_Money { Erp_Common_V1_Money(minor, "SAR") }
}
