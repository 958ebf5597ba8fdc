import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One delivery attempt over HTTP: the signed POST, within the attempt's deadline, reading at
/// most `maxResponseBytes` of the answer and keeping its first 1024 bytes for the log.
struct WebhookSender: Sendable {
  let client: HTTPClient
  let settings: WebhookSettings

  /// One attempt's result, as the delivery log records it.
  struct Attempt: Sendable {
    var outcome: WebhookBackoff.Outcome
    var status: Int
    var latencyMilliseconds: Int
    var excerpt: String
    var error: String
  }

  static let excerptBytes = 1024

  func send(
    url: String,
    id: String,
    body: String,
    secret: WebhookSecret,
    now: Date = Date()
  ) async -> Attempt {
    let timestamp = Int64(now.timeIntervalSince1970.rounded(.down))
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "content-type", value: "application/json")
    request.headers.add(name: "user-agent", value: "erp-gateway-webhooks/1")
    request.headers.add(name: "webhook-id", value: id)
    request.headers.add(name: "webhook-timestamp", value: String(timestamp))
    request.headers.add(
      name: "webhook-signature",
      value: secret.signature(id: id, timestamp: timestamp, body: body)
    )
    request.body = .bytes(ByteBuffer(string: body))
    let started = ContinuousClock.now
    func elapsed() -> Int {
      Int(WebhookBackoff.milliseconds(started.duration(to: .now)))
    }
    do {
      let deadline =
        NIODeadline.now()
        + .milliseconds(
          WebhookBackoff.milliseconds(self.settings.timeout)
        )
      let response = try await self.client.execute(request, deadline: deadline)
      var kept: [UInt8] = []
      var read = 0
      for try await chunk in response.body {
        read += chunk.readableBytes
        if kept.count < Self.excerptBytes {
          kept += chunk.readableBytesView.prefix(Self.excerptBytes - kept.count)
        }
        if read >= self.settings.maxResponseBytes { break }
      }
      let status = Int(response.status.code)
      return Attempt(
        outcome: .answered(status: status),
        status: status,
        latencyMilliseconds: elapsed(),
        excerpt: Self.excerpt(kept),
        error: ""
      )
    } catch {
      return Attempt(
        outcome: .noAnswer,
        status: 0,
        latencyMilliseconds: elapsed(),
        excerpt: "",
        error: String(String(describing: error).prefix(200))
      )
    }
  }

  /// The bytes as text of at most 1024 bytes: invalid UTF-8 (a cut character too) replaced,
  /// NUL removed (PostgreSQL text cannot hold it).
  static func excerpt(_ bytes: [UInt8]) -> String {
    var text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\u{0}", with: "")
    while text.utf8.count > Self.excerptBytes { text.removeLast() }
    return text
  }
}
