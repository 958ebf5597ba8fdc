import ERPProtos
import GRPCCore
import Testing

/// The HR calls no other test made: TerminateEmployee, ListEmployees, ListDepartments,
/// UnassignShift, RejectLeave, ListTimesheet. Each checks what is stored, read back, and a
/// refusal that names its field.
@Suite("People and workforce: the calls the other tests do not make")
struct PeopleAndWorkforceTests {
  @Test("TerminateEmployee ends employment on the last day; ListEmployees follows it")
  func terminateAndList() async throws {
    try await HRHarness.run { clients in
      let leaving = try await clients.hire(
        "t-1",
        arabic: "سالم",
        latin: "Salem",
        identity: "1000000031",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      let staying = try await clients.hire(
        "t-2",
        arabic: "نورة",
        latin: "Noura",
        identity: "1000000032",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      var terminate = Erp_Hr_V1_TerminateEmployeeRequest()
      terminate.id = leaving.id
      terminate.lastDay = day(2026, 6, 30)
      let terminated = try await clients.people.terminateEmployee(terminate)
      #expect(terminated.terminationDate == day(2026, 6, 30))
      var get = Erp_Hr_V1_GetEmployeeRequest()
      get.id = leaving.id
      #expect(try await clients.people.getEmployee(get).terminationDate == day(2026, 6, 30))

      var list = Erp_Hr_V1_ListEmployeesRequest()
      list.employedOn = day(2026, 6, 30)
      #expect(
        try await clients.people.listEmployees(list).employees.map(\.id) == [
          staying.id, leaving.id,
        ]
      )  // by Latin name: Noura, Salem
      list.employedOn = day(2026, 7, 1)
      let july = try await clients.people.listEmployees(list).employees
      #expect(july.map(\.id) == [staying.id])
      #expect(july.first?.nameArabic == "نورة")
      list.departmentCode = "NOPE"
      #expect(try await clients.people.listEmployees(list).employees.isEmpty)

      terminate.lastDay = day(2025, 12, 31)
      let early = await #expect(throws: RPCError.self) {
        try await clients.people.terminateEmployee(terminate)
      }
      #expect(early?.code == .invalidArgument)
      #expect(early?.message.hasPrefix("last_day:") == true)
      #expect(try await clients.people.getEmployee(get).terminationDate == day(2026, 6, 30))
      terminate.id = "EMP-999999"
      terminate.lastDay = day(2026, 6, 30)
      let unknown = await #expect(throws: RPCError.self) {
        try await clients.people.terminateEmployee(terminate)
      }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message.hasPrefix("id:") == true)
    }
  }

  @Test("ListDepartments lists parents before their children, with their Arabic names")
  func listDepartments() async throws {
    try await HRHarness.run { clients in
      for (code, name, parent) in [("RETAIL", "التجزئة", "SALES"), ("ADMIN", "الإدارة", "")] {
        var department = Erp_Hr_V1_Department()
        department.code = code
        department.name = name
        department.parentCode = parent
        department.requestID = "department-\(code)"
        _ = try await clients.people.createDepartment(department)
      }
      let departments = try await clients.people.listDepartments(.init()).departments
      #expect(departments.map(\.code) == ["ADMIN", "SALES", "RETAIL"])
      #expect(departments.map(\.parentCode) == ["", "", "SALES"])
      #expect(departments.map(\.name) == ["الإدارة", "المبيعات", "التجزئة"])

      var orphan = Erp_Hr_V1_Department()
      orphan.code = "LOST"
      orphan.name = "x"
      orphan.parentCode = "NOPE"
      orphan.requestID = "department-LOST"
      let refused = await #expect(throws: RPCError.self) {
        try await clients.people.createDepartment(orphan)
      }
      #expect(refused?.message.hasPrefix("parent_code:") == true)
      #expect(try await clients.people.listDepartments(.init()).departments.count == 3)
    }
  }

  @Test("UnassignShift takes the employee off the shift, and the slot is free again")
  func unassignShift() async throws {
    try await HRHarness.run { clients in
      let worker = try await clients.hire(
        "u-1",
        identity: "1000000033",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      let morning = try await clients.shift("us-1", start: SchedulingTests.sunday, hours: 8)
      let overlapping = try await clients.shift(
        "us-2",
        start: SchedulingTests.sunday + 3600,
        hours: 8
      )
      #expect(try await clients.assign(morning.id, worker.id).employeeIds == [worker.id])
      var request = Erp_Hr_V1_AssignShiftRequest()
      request.shiftID = morning.id
      request.employeeID = worker.id
      #expect(try await clients.scheduling.unassignShift(request).employeeIds.isEmpty)
      #expect(try await clients.scheduling.unassignShift(request).employeeIds.isEmpty)  // repeat
      var week = Erp_Hr_V1_WeeklyScheduleRequest()
      week.departmentCode = "SALES"
      week.weekStart = day(2026, 11, 22)
      let stored = try await clients.scheduling.weeklySchedule(week).shifts
      #expect(stored.first { $0.id == morning.id }?.employeeIds == [])
      // No longer on the morning shift, the worker may take the overlapping one.
      #expect(try await clients.assign(overlapping.id, worker.id).employeeIds == [worker.id])

      request.shiftID = "SH-999999"
      let unknown = await #expect(throws: RPCError.self) {
        try await clients.scheduling.unassignShift(request)
      }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message.hasPrefix("shift_id:") == true)
    }
  }

  @Test("RejectLeave rejects a pending request once; it takes no days and cannot be approved")
  func rejectLeave() async throws {
    try await HRHarness.run { clients in
      let worker = try await clients.hire(
        "r-1",
        identity: "1000000034",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      try await clients.annualLeave()
      var request = Erp_Hr_V1_RequestLeaveRequest()
      request.requestID = "rl-1"
      request.employeeID = worker.id
      request.leaveType = "ANNUAL"
      request.firstDay = day(2026, 11, 22)
      request.lastDay = day(2026, 11, 26)
      let leave = try await clients.leave.requestLeave(request)
      var decide = Erp_Hr_V1_DecideLeaveRequest()
      decide.id = leave.id
      let rejected = try await clients.leave.rejectLeave(decide)
      #expect(rejected.status == .rejected)
      #expect(try await clients.leave.rejectLeave(decide).status == .rejected)  // a repeat
      let approve = await #expect(throws: RPCError.self) {
        try await clients.leave.approveLeave(decide)
      }
      #expect(approve?.code == .failedPrecondition)
      #expect(approve?.message.hasPrefix("id:") == true)

      var balances = Erp_Hr_V1_LeaveBalancesRequest()
      balances.employeeID = worker.id
      balances.year = 2026
      let annual = try await clients.leave.leaveBalances(balances).balances.first
      #expect(annual?.takenDays == 0)
      #expect(annual?.pendingDays == 0)
      #expect(annual?.remainingDays == 21)
      // Rejected, the days are free for shifts again.
      let shift = try await clients.shift("rs-1", start: SchedulingTests.sunday, hours: 8)
      #expect(try await clients.assign(shift.id, worker.id).employeeIds == [worker.id])

      decide.id = "LV-999999"
      let unknown = await #expect(throws: RPCError.self) {
        try await clients.leave.rejectLeave(decide)
      }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message.hasPrefix("id:") == true)
    }
  }

  @Test("ListTimesheet gives the month's recorded days, totals and overtime past 8 hours")
  func listTimesheet() async throws {
    try await HRHarness.run { clients in
      let worker = try await clients.hire(
        "ts-1",
        identity: "1000000035",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      for (date, minutes) in [
        (day(2026, 3, 2), 480), (day(2026, 3, 3), 600), (day(2026, 3, 3), 540),
        (day(2026, 4, 1), 300),
      ] {
        var record = Erp_Hr_V1_RecordDayRequest()
        record.employeeID = worker.id
        record.day = date
        record.minutesWorked = Int32(minutes)
        _ = try await clients.timesheets.recordDay(record)
      }
      var request = Erp_Hr_V1_ListTimesheetRequest()
      request.employeeID = worker.id
      request.year = 2026
      request.month = 3
      let march = try await clients.timesheets.listTimesheet(request)
      #expect(march.days.map(\.day) == [day(2026, 3, 2), day(2026, 3, 3)])
      #expect(march.days.map(\.minutesWorked) == [480, 540])  // the second record replaced
      #expect(march.totalMinutes == 1_020)
      #expect(march.overtimeMinutes == 60)
      request.month = 5
      #expect(try await clients.timesheets.listTimesheet(request).days.isEmpty)
      request.month = 13
      let month = await #expect(throws: RPCError.self) {
        try await clients.timesheets.listTimesheet(request)
      }
      #expect(month?.code == .invalidArgument)
      #expect(month?.message.hasPrefix("month:") == true)
    }
  }
}

@Suite("Payroll settings")
struct PayrollSettingsTests {
  @Test("GetSettings answers the defaults, then what UpdateSettings stored")
  func settings() async throws {
    try await HRHarness.run { clients in
      let defaults = try await clients.payroll.getSettings(.init())
      #expect(defaults.overtimeDailyThresholdMinutes == 480)
      #expect(defaults.overtimeMultiplierBasisPoints == 15_000)
      var changed = defaults
      changed.overtimeDailyThresholdMinutes = 420
      _ = try await clients.payroll.updateSettings(changed)
      let stored = try await clients.payroll.getSettings(.init())
      #expect(stored.overtimeDailyThresholdMinutes == 420)
      #expect(stored.overtimeMultiplierBasisPoints == 15_000)
      #expect(stored.currencyCode == "SAR")
      changed.overtimeMultiplierBasisPoints = 5_000
      let refused = await #expect(throws: RPCError.self) {
        try await clients.payroll.updateSettings(changed)
      }
      #expect(refused?.code == .invalidArgument)
      #expect(refused?.message.hasPrefix("overtime_multiplier_basis_points:") == true)
      #expect(try await clients.payroll.getSettings(.init()) == stored)
    }
  }
}
