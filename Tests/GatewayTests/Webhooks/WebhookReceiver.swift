import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One webhook request as a partner's endpoint received it.
struct ReceivedWebhook: Sendable {
  var path: String
  var id: String
  var timestamp: String
  var signature: String
  var body: String

  /// The body's JSON object.
  var json: [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
  }
  var type: String { self.json["type"] as? String ?? "" }
  var tenant: String { self.json["tenant"] as? String ?? "" }
  var data: [String: Any] { self.json["data"] as? [String: Any] ?? [:] }

  /// Standard Webhooks' check, written here from the specification (no code shared with the
  /// gateway): `v1,` and the base64 HMAC-SHA256, keyed with the base64-decoded secret after
  /// `whsec_`, of "<webhook-id>.<webhook-timestamp>.<body>".
  func signed(with secret: String) -> Bool {
    guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6)))
    else { return false }
    let mac = HMAC<SHA256>.authenticationCode(
      for: Data("\(self.id).\(self.timestamp).\(self.body)".utf8),
      using: SymmetricKey(data: key)
    )
    return self.signature.split(separator: " ").contains {
      $0 == "v1," + Data(mac).base64EncodedString()
    }
  }
}

/// A real HTTP endpoint on a free loopback port, as a partner runs one: it keeps every request
/// and answers each with the status `answer` gives (from the request and how many requests with
/// the same path and id came before it).
final class WebhookReceiver: Sendable {
  typealias Answer = @Sendable (ReceivedWebhook, _ earlier: Int) -> Int
  private let requests: NIOLockedValueBox<[ReceivedWebhook]>
  private let channel: any Channel

  func url(_ path: String) -> String {
    "http://127.0.0.1:\(self.channel.localAddress?.port ?? 0)\(path)"
  }

  static func run<T: Sendable>(
    answer: @escaping Answer = { _, _ in 200 },
    _ body: @Sendable (WebhookReceiver) async throws -> T
  ) async throws -> T {
    let requests = NIOLockedValueBox<[ReceivedWebhook]>([])
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          try channel.pipeline.syncOperations.addHandler(
            ReceiverHandler(requests: requests, answer: answer)
          )
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let receiver = WebhookReceiver(channel: channel, requests: requests)
    defer { channel.close(promise: nil) }
    return try await body(receiver)
  }

  private init(channel: any Channel, requests: NIOLockedValueBox<[ReceivedWebhook]>) {
    self.channel = channel
    self.requests = requests
  }

  var received: [ReceivedWebhook] { self.requests.withLockedValue { $0 } }

  func received(at path: String) -> [ReceivedWebhook] {
    self.received.filter { $0.path == path }
  }
}

private final class ReceiverHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let requests: NIOLockedValueBox<[ReceivedWebhook]>
  private let answer: WebhookReceiver.Answer
  private var head: HTTPRequestHead?
  private var body = ByteBuffer()

  init(requests: NIOLockedValueBox<[ReceivedWebhook]>, answer: @escaping WebhookReceiver.Answer) {
    self.requests = requests
    self.answer = answer
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch self.unwrapInboundIn(data) {
    case .head(let head):
      self.head = head
      self.body.clear()
    case .body(var part):
      self.body.writeBuffer(&part)
    case .end:
      guard let head = self.head else { return }
      let request = ReceivedWebhook(
        path: head.uri,
        id: head.headers.first(name: "webhook-id") ?? "",
        timestamp: head.headers.first(name: "webhook-timestamp") ?? "",
        signature: head.headers.first(name: "webhook-signature") ?? "",
        body: String(decoding: self.body.readableBytesView, as: UTF8.self)
      )
      let earlier = self.requests.withLockedValue { requests in
        defer { requests.append(request) }
        return requests.filter { $0.path == request.path && $0.id == request.id }.count
      }
      let status = HTTPResponseStatus(statusCode: self.answer(request, earlier))
      let reply = "answered \(status.code) to attempt \(earlier + 1)"
      var headers = HTTPHeaders()
      headers.add(name: "content-type", value: "text/plain")
      headers.add(name: "content-length", value: String(reply.utf8.count))
      context.write(
        self.wrapOutboundOut(
          .head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))
        ),
        promise: nil
      )
      context.write(
        self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: reply)))),
        promise: nil
      )
      context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }
  }
}
