import ERPRuntime
import ERPStore
import Testing

@Suite("Outbox relay schedule")
struct RelayScheduleTests {
  let a = try! TenantID(validating: "tenant_a")
  let b = try! TenantID(validating: "tenant_b")

  @Test("A visit is never postponed; only due visits are taken; earliest is the next instant")
  func visits() {
    let now = ContinuousClock.now
    var schedule = RelaySchedule()
    #expect(schedule.earliest == nil)
    schedule.visit(self.a, at: now + .seconds(4))
    schedule.visit(self.a, at: now + .seconds(9))
    schedule.visit(self.b, at: now + .seconds(1))
    #expect(schedule.earliest == now + .seconds(1))
    #expect(schedule.takeDue(now).tenants.isEmpty)
    #expect(schedule.takeDue(now + .seconds(2)).tenants == [self.b])
    #expect(schedule.earliest == now + .seconds(4))
    schedule.visit(self.a, at: now + .seconds(3))
    #expect(schedule.earliest == now + .seconds(3))
  }

  @Test("One probe per unreachable peer; reaching it ends the probe and releases its tenants")
  func probes() {
    let now = ContinuousClock.now
    var schedule = RelaySchedule()
    schedule.unreachable("finance", tenant: self.a, messageID: 1, probeAt: now + .seconds(1))
    schedule.unreachable("finance", tenant: self.b, messageID: 7, probeAt: now + .seconds(2))
    schedule.unreachable("customers", tenant: self.b, messageID: 8, probeAt: now + .seconds(3))
    #expect(schedule.probes["finance"]?.messageID == 1)
    #expect(schedule.earliest == now + .seconds(1))
    let due = schedule.takeDue(now + .seconds(1))
    #expect(due.probes.map(\.messageID) == [1])
    #expect(schedule.reached("finance") == [self.a, self.b])
    #expect(schedule.reached("finance").isEmpty)
    #expect(schedule.backedOff["customers"] == [self.b])
    #expect(RelaySchedule.peer(ofTopic: "finance.credit_note") == "finance")
  }
}
