import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

/// A request id returns the first answer: to a repeat, to every one of several concurrent first
/// attempts, and never to different content.
@Suite("HR: one answer per request id")
struct HRIdempotencyTests {
  @Test("eight concurrent first hires with one request id get one employee; other content refused")
  func hire() async throws {
    try await HRHarness.run { clients in
      let outcomes = await concurrently(8) {
        try await clients.hire(
          "hire-1",
          identity: "1012345678",
          hired: day(2026, 1, 1),
          rate: 5_000_00
        ).id
      }
      let seen = answers(outcomes) { $0 }
      #expect(seen.count == 1 && seen.values.first == 8, "\(seen)")
      let changed = await #expect(throws: RPCError.self) {
        try await clients.hire(
          "hire-1",
          identity: "1012345678",
          hired: day(2026, 1, 1),
          rate: 6_000_00
        )
      }
      #expect(changed?.code == .invalidArgument)
    }
  }

  @Test("departments, positions and leave types take a request id with first-answer semantics")
  func codeKeyed() async throws {
    try await HRHarness.run { clients in
      var department = Erp_Hr_V1_Department()
      department.requestID = "dep-ops"
      department.code = "OPS"
      department.name = "العمليات"
      let request = department
      let departments = answers(
        await concurrently(8) { try await clients.people.createDepartment(request) }
      ) { $0.code }
      #expect(departments == ["OPS": 8])
      var renamed = department
      renamed.name = "Operations"
      let changed = await #expect(throws: RPCError.self) {
        try await clients.people.createDepartment(renamed)
      }
      #expect(changed?.code == .invalidArgument)
      var other = department
      other.requestID = "dep-ops-2"
      let taken = await #expect(throws: RPCError.self) {
        try await clients.people.createDepartment(other)
      }
      #expect(taken?.code == .alreadyExists)

      var position = Erp_Hr_V1_Position()
      position.requestID = "pos-driver"
      position.code = "DRIVER"
      position.title = "سائق"
      position.departmentCode = "OPS"
      let positionRequest = position
      let positions = answers(
        await concurrently(8) { try await clients.people.createPosition(positionRequest) }
      ) { $0.code }
      #expect(positions == ["DRIVER": 8])

      var leave = Erp_Hr_V1_LeaveType()
      leave.requestID = "leave-sick"
      leave.code = "SICK"
      leave.name = "إجازة مرضية"
      leave.yearlyDays = 30
      let leaveRequest = leave
      let types = answers(
        await concurrently(8) { try await clients.leave.createLeaveType(leaveRequest) }
      ) { "\($0.code) \($0.yearlyDays)" }
      #expect(types == ["SICK 30": 8])
      var longer = leave
      longer.yearlyDays = 31
      let refused = await #expect(throws: RPCError.self) {
        try await clients.leave.createLeaveType(longer)
      }
      #expect(refused?.code == .invalidArgument)
    }
  }
}
