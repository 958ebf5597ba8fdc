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
      #expect(theOneAnswer(seen, of: 8) != nil, "\(seen)")
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
      var renamed = department
      renamed.name = "Operations"
      var other = department
      other.requestID = "dep-ops-2"
      let departments = await FirstAnswers.of(
        department,
        changed: renamed,
        taken: other,
        key: { $0.code }
      ) { try await clients.people.createDepartment($0) }
      #expect(
        departments
          == .init(concurrent: ["OPS": 8], changed: .invalidArgument, taken: .alreadyExists)
      )

      var position = Erp_Hr_V1_Position()
      position.requestID = "pos-driver"
      position.code = "DRIVER"
      position.title = "سائق"
      position.departmentCode = "OPS"
      var retitled = position
      retitled.title = "Driver"
      let positions = await FirstAnswers.of(position, changed: retitled, key: { $0.code }) {
        try await clients.people.createPosition($0)
      }
      #expect(positions == .init(concurrent: ["DRIVER": 8], changed: .invalidArgument))

      var leave = Erp_Hr_V1_LeaveType()
      leave.requestID = "leave-sick"
      leave.code = "SICK"
      leave.name = "إجازة مرضية"
      leave.yearlyDays = 30
      var longer = leave
      longer.yearlyDays = 31
      let types = await FirstAnswers.of(
        leave,
        changed: longer,
        key: { "\($0.code) \($0.yearlyDays)" }
      ) {
        try await clients.leave.createLeaveType($0)
      }
      #expect(types == .init(concurrent: ["SICK 30": 8], changed: .invalidArgument))
    }
  }
}
