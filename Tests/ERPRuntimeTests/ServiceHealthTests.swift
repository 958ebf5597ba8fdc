import ERPRuntime
import Testing

/// The health state on its own: the phase's transitions, and what a Watch's stream sees.
@Suite struct ServiceHealthTests {
  @Test("starting → serving → draining; draining is final, and migrating late changes nothing")
  func transitions() {
    #expect(ServingPhase.starting.migrated() == .serving)
    #expect(ServingPhase.serving.drained() == .draining)
    #expect(ServingPhase.starting.drained() == .draining)
    #expect(ServingPhase.draining.migrated() == .draining)
    #expect(!ServingPhase.starting.isServing && ServingPhase.serving.isServing)
    #expect(ServingPhase.draining.isFinal && !ServingPhase.serving.isFinal)
  }

  @Test("a watcher sees the phase now, each change in order, and its stream ends when drained")
  func watchers() async {
    let health = ServiceHealth(services: ["erp.customers.v1.Customers"])
    #expect(health.knows("") && health.knows("erp.customers.v1.Customers"))
    #expect(!health.knows("erp.customers.v1.Nope"))
    let early = health.changes()
    health.markMigrated()
    let late = health.changes()
    health.markMigrated()  // again: no change, nothing sent
    health.markDraining()
    var seenEarly: [ServingPhase] = []
    for await phase in early { seenEarly.append(phase) }
    var seenLate: [ServingPhase] = []
    for await phase in late { seenLate.append(phase) }
    #expect(seenEarly == [.starting, .serving, .draining])
    #expect(seenLate == [.serving, .draining])
    var after: [ServingPhase] = []
    for await phase in health.changes() { after.append(phase) }
    #expect(after == [.draining])
  }
}
