public import ERPStore

/// When the outbox relay next looks at what, as a pure value (the relay holds it under a lock
/// and sleeps until ``earliest``):
///
/// - visits: a tenant's outbox, due at an instant (now for a new write; the earliest
///   `next_attempt_at` of its pending messages otherwise). A later request for the same tenant
///   never postpones an earlier one.
/// - probes: while a peer is down (a delivery to it failed as unreachable), one of the
///   messages that failed is tried again every probe interval, whatever its back-off says, so
///   the peer coming back is noticed within that interval.
/// - backed off: the tenants with messages for a down peer. When a delivery to the peer
///   succeeds (a probe, or a new write), they are released: their messages for that peer are
///   retried at once instead of waiting out back-offs that grew during the outage.
public struct RelaySchedule: Sendable {
  public struct Probe: Sendable, Equatable {
    public var tenant: TenantID
    public var messageID: Int64
    public var at: ContinuousClock.Instant
  }

  public private(set) var visits: [TenantID: ContinuousClock.Instant] = [:]
  public private(set) var probes: [String: Probe] = [:]
  public private(set) var backedOff: [String: Set<TenantID>] = [:]

  public init() {}

  /// The receiving service of a topic: its first dotted component (`finance.bill` → finance).
  public static func peer(ofTopic topic: String) -> String {
    String(topic.prefix { $0 != "." })
  }

  /// Visits `tenant` at `instant`, or earlier if a visit is already due before.
  public mutating func visit(_ tenant: TenantID, at instant: ContinuousClock.Instant) {
    if let planned = self.visits[tenant], planned <= instant { return }
    self.visits[tenant] = instant
  }

  /// A delivery of `messageID` to `peer` failed because the peer is unreachable: remember the
  /// tenant, and probe with this message unless a probe of the peer is planned already.
  public mutating func unreachable(
    _ peer: String,
    tenant: TenantID,
    messageID: Int64,
    probeAt: ContinuousClock.Instant
  ) {
    self.backedOff[peer, default: []].insert(tenant)
    if self.probes[peer] == nil {
      self.probes[peer] = Probe(tenant: tenant, messageID: messageID, at: probeAt)
    }
  }

  /// A delivery to `peer` went through: no more probing, and the tenants whose messages for it
  /// are backed off, to release now.
  public mutating func reached(_ peer: String) -> Set<TenantID> {
    self.probes[peer] = nil
    return self.backedOff.removeValue(forKey: peer) ?? []
  }

  /// Takes the visits and probes due at `now`.
  public mutating func takeDue(
    _ now: ContinuousClock.Instant
  ) -> (tenants: [TenantID], probes: [Probe]) {
    let tenants = self.visits.filter { $0.value <= now }.map(\.key)
    for tenant in tenants { self.visits[tenant] = nil }
    let probes = self.probes.filter { $0.value.at <= now }
    for peer in probes.keys { self.probes[peer] = nil }
    return (tenants, Array(probes.values))
  }

  /// The next instant something is due, nil when nothing is planned.
  public var earliest: ContinuousClock.Instant? {
    (Array(self.visits.values) + self.probes.values.map(\.at)).min()
  }
}
