/// How long erp-run waits before starting a crashed service again: 0.5 s after the first crash,
/// doubling with each crash that follows soon after, at most 30 s; a service that had run
/// healthy for a minute before it crashed starts again from 0.5 s. A pure value: the
/// supervisor asks it once per exit.
struct RestartBackoff: Sendable {
  static let first: Duration = .milliseconds(500)
  static let maximum: Duration = .seconds(30)
  /// Running this long counts as healthy: the next crash is treated as a first one.
  static let healthy: Duration = .seconds(60)

  private var next = Self.first

  /// The delay before the next start, for a process that ran for `uptime` before exiting.
  mutating func delay(afterRunningFor uptime: Duration) -> Duration {
    if uptime >= Self.healthy { self.next = Self.first }
    let delay = self.next
    self.next = min(self.next * 2, Self.maximum)
    return delay
  }

  /// `0.5 s`, `1 s`, `30 s`: as erp-run's log says it.
  static func describe(_ delay: Duration) -> String {
    let milliseconds =
      delay.components.seconds * 1_000
      + delay.components.attoseconds / 1_000_000_000_000_000
    if milliseconds % 1_000 == 0 { return "\(milliseconds / 1_000) s" }
    return "\(Double(milliseconds) / 1_000) s"
  }
}
