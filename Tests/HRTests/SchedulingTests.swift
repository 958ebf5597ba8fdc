import ERPProtos
import GRPCCore
import Testing

@Suite("Scheduling and leave")
struct SchedulingTests {
  /// 2026-11-22 is a Sunday, 08:00 UTC.
  static let sunday: Int64 = 1_795_334_400

  @Test("Overlapping shifts are refused, concurrently too; back-to-back shifts are fine")
  func overlappingShiftsRefused() async throws {
    try await HRHarness.run { clients in
      let worker = try await clients.hire(
        "h-1",
        identity: "1000000011",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      let morning = try await clients.shift("s-1", start: Self.sunday, hours: 8)
      let overlapping = try await clients.shift("s-2", start: Self.sunday + 4 * 3600, hours: 8)
      let evening = try await clients.shift("s-3", start: Self.sunday + 8 * 3600, hours: 6)
      _ = try await clients.assign(morning.id, worker.id)
      _ = try await clients.assign(morning.id, worker.id)  // a repeat
      let refused = await #expect(throws: RPCError.self) {
        _ = try await clients.assign(overlapping.id, worker.id)
      }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message.contains(worker.id) == true)
      #expect(try await clients.assign(evening.id, worker.id).employeeIds == [worker.id])

      // Two overlapping shifts assigned at once: the database lets exactly one through.
      let other = try await clients.hire(
        "h-2",
        identity: "1000000012",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      let a = try await clients.shift("s-4", start: Self.sunday + 86_400, hours: 8)
      let b = try await clients.shift("s-5", start: Self.sunday + 86_400 + 3600, hours: 8)
      let outcomes = await withTaskGroup(of: Bool.self) { group in
        for shift in [a.id, b.id] {
          group.addTask { (try? await clients.assign(shift, other.id)) != nil }
        }
        return await group.reduce(into: [Bool]()) { $0.append($1) }
      }
      #expect(outcomes.filter { $0 }.count == 1)

      var week = Erp_Hr_V1_WeeklyScheduleRequest()
      week.departmentCode = "SALES"
      week.weekStart = day(2026, 11, 22)
      let schedule = try await clients.scheduling.weeklySchedule(week).shifts
      #expect(schedule.map(\.id) == [morning.id, overlapping.id, evening.id, a.id, b.id])
    }
  }

  @Test("Assignments outside employment, without the position, or during approved leave")
  func assignmentRefusals() async throws {
    try await HRHarness.run { clients in
      let late = try await clients.hire(
        "h-3",
        identity: "1000000013",
        hired: day(2026, 12, 1),
        rate: 5_000_00
      )
      let shift = try await clients.shift("s-6", start: Self.sunday, hours: 8)
      let early = await #expect(throws: RPCError.self) {
        _ = try await clients.assign(shift.id, late.id)
      }
      #expect(early?.code == .failedPrecondition)
      #expect(early?.message.contains("not employed") == true)

      let worker = try await clients.hire(
        "h-4",
        identity: "1000000014",
        hired: day(2026, 1, 1),
        rate: 5_000_00
      )
      let cashierShift = try await clients.shift(
        "s-7",
        start: Self.sunday + 86_400,
        hours: 8,
        position: "CASHIER"
      )
      let position = await #expect(throws: RPCError.self) {
        _ = try await clients.assign(cashierShift.id, worker.id)
      }
      #expect(position?.message.contains("position") == true)

      try await clients.annualLeave()
      var request = Erp_Hr_V1_RequestLeaveRequest()
      request.requestID = "lv-1"
      request.employeeID = worker.id
      request.leaveType = "ANNUAL"
      request.firstDay = day(2026, 11, 22)  // Sunday
      request.lastDay = day(2026, 11, 28)  // Saturday: Friday and Saturday are the weekend
      let leave = try await clients.leave.requestLeave(request)
      #expect(leave.workingDays == 5)
      var decide = Erp_Hr_V1_DecideLeaveRequest()
      decide.id = leave.id
      #expect(try await clients.leave.approveLeave(decide).status == .approved)
      let onLeave = await #expect(throws: RPCError.self) {
        _ = try await clients.assign(shift.id, worker.id)
      }
      #expect(onLeave?.message.contains("leave") == true)

      var balances = Erp_Hr_V1_LeaveBalancesRequest()
      balances.employeeID = worker.id
      balances.year = 2026
      let annual = try await clients.leave.leaveBalances(balances).balances.first
      #expect(annual?.takenDays == 5)
      #expect(annual?.remainingDays == 16)

      request.requestID = "lv-2"
      request.firstDay = day(2026, 12, 1)
      request.lastDay = day(2026, 12, 31)  // 23 working days, 16 left
      let tooLong = try await clients.leave.requestLeave(request)
      decide.id = tooLong.id
      let refused = await #expect(throws: RPCError.self) {
        _ = try await clients.leave.approveLeave(decide)
      }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message.contains("remain") == true)
    }
  }

  @Test("Hiring refuses a bad IBAN, identity number or missing name, naming the field")
  func hiringRefusals() async throws {
    try await HRHarness.run { clients in
      var request = Erp_Hr_V1_HireEmployeeRequest()
      request.requestID = "bad"
      request.employee.nameArabic = "خالد"
      request.employee.identityKind = .nationalID
      request.employee.identityNumber = "1000000021"
      request.employee.hireDate = day(2026, 1, 1)
      request.employee.departmentCode = "SALES"
      request.employee.payType = .monthly
      request.employee.payRate = sar(4_000_00)
      request.employee.iban = "SA0380000000608010167518"
      let iban = await #expect(throws: RPCError.self) {
        _ = try await clients.people.hireEmployee(request)
      }
      #expect(iban?.code == .invalidArgument)
      #expect(iban?.message.hasPrefix("employee.iban") == true)
      request.employee.iban = "SA03 8000 0000 6080 1016 7519"
      request.employee.identityNumber = "2000000021"
      let identity = await #expect(throws: RPCError.self) {
        _ = try await clients.people.hireEmployee(request)
      }
      #expect(identity?.message.hasPrefix("employee.identity_number") == true)
      request.employee.identityNumber = "1000000021"
      request.employee.nameArabic = ""
      let name = await #expect(throws: RPCError.self) {
        _ = try await clients.people.hireEmployee(request)
      }
      #expect(name?.message.hasPrefix("employee.name_arabic") == true)
      request.employee.nameArabic = "خالد"
      let hired = try await clients.people.hireEmployee(request)
      #expect(hired.iban == testIBAN)
      #expect(hired.nameArabic == "خالد")
      var get = Erp_Hr_V1_GetEmployeeRequest()
      get.id = hired.id
      #expect(try await clients.people.getEmployee(get) == hired)
      let headcount = try await clients.people.headcount(.init())
      #expect(headcount.total == 1)
    }
  }
}
