/// The dispatcher's settings, from the gateway's environment (each has a default; the tests
/// shorten the back-off):
///
/// | variable | default | |
/// |---|---|---|
/// | `ERP_WEBHOOK_BACKOFF_BASE_MS` | 5000 | first retry's wait |
/// | `ERP_WEBHOOK_BACKOFF_CAP_MS` | 21600000 (6 h) | longest wait |
/// | `ERP_WEBHOOK_GIVE_UP_SECONDS` | 259200 (3 days) | failures that disable a subscription |
/// | `ERP_WEBHOOK_CONNECT_TIMEOUT_MS` | 5000 | connecting to the endpoint |
/// | `ERP_WEBHOOK_TIMEOUT_MS` | 10000 | the whole attempt, answer included |
/// | `ERP_WEBHOOK_CONCURRENCY` | 32 | attempts in flight per gateway |
struct WebhookSettings: Sendable {
  var backoff = WebhookBackoff()
  var connectTimeout: Duration = .seconds(5)
  var timeout: Duration = .seconds(10)
  var concurrency = 32
  /// The most of an answer's body read; the rest is not waited for.
  var maxResponseBytes = 64 * 1024
  /// How long a claimed delivery is left to the replica attempting it before another may.
  var lease: Duration { self.timeout + .seconds(30) }

  init() {}

  init(_ variables: [String: String]) {
    func milliseconds(_ name: String) -> Duration? {
      variables[name].flatMap(Int64.init).flatMap { $0 > 0 ? .milliseconds($0) : nil }
    }
    if let base = milliseconds("ERP_WEBHOOK_BACKOFF_BASE_MS") { self.backoff.base = base }
    if let cap = milliseconds("ERP_WEBHOOK_BACKOFF_CAP_MS") { self.backoff.cap = cap }
    if let seconds = variables["ERP_WEBHOOK_GIVE_UP_SECONDS"].flatMap(Int64.init), seconds > 0 {
      self.backoff.giveUpAfter = .seconds(seconds)
    }
    if let connect = milliseconds("ERP_WEBHOOK_CONNECT_TIMEOUT_MS") {
      self.connectTimeout = connect
    }
    if let timeout = milliseconds("ERP_WEBHOOK_TIMEOUT_MS") { self.timeout = timeout }
    if let concurrency = variables["ERP_WEBHOOK_CONCURRENCY"].flatMap(Int.init), concurrency > 0 {
      self.concurrency = concurrency
    }
  }
}
