import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftProtobuf

/// One span as an OTLP collector received it.
struct ReceivedSpan: Sendable, CustomStringConvertible {
  var service: String
  var traceID: String
  var spanID: String
  var parentSpanID: String
  var name: String
  var kind: Opentelemetry_Proto_Trace_V1_Span.SpanKind
  var attributes: [String: String]
  var failed: Bool
  var statusMessage: String
  /// (trace id, span id) of each link.
  var links: [(traceID: String, spanID: String)]
  var events: [String]

  var description: String { "\(self.service) \(self.name) \(self.spanID)←\(self.parentSpanID)" }
}

/// A real OTLP/HTTP trace receiver on a free loopback port, as a collector is: `POST
/// /v1/traces` with an `ExportTraceServiceRequest` in protobuf, answered 200 with an empty
/// `ExportTraceServiceResponse`. It keeps every span it was sent, with its resource's
/// `service.name`.
final class OTLPReceiver: Sendable {
  private let spans: NIOLockedValueBox<[ReceivedSpan]>
  private let channel: any Channel

  var endpoint: String { "http://127.0.0.1:\(self.channel.localAddress?.port ?? 0)" }

  /// Starts a receiver, runs `body` with it, stops it.
  static func run<T: Sendable>(
    _ body: @Sendable (OTLPReceiver) async throws -> T
  ) async throws
    -> T
  {
    let spans = NIOLockedValueBox<[ReceivedSpan]>([])
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          try channel.pipeline.syncOperations.addHandler(ExportHandler(spans: spans))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let receiver = OTLPReceiver(channel: channel, spans: spans)
    do {
      let result = try await body(receiver)
      try? await channel.close()
      return result
    } catch {
      try? await channel.close()
      throw error
    }
  }

  private init(channel: any Channel, spans: NIOLockedValueBox<[ReceivedSpan]>) {
    self.channel = channel
    self.spans = spans
  }

  var received: [ReceivedSpan] { self.spans.withLockedValue { $0 } }

  /// Decodes one export request into spans.
  static func decode(_ body: [UInt8]) throws -> [ReceivedSpan] {
    let request = try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(
      serializedBytes: body
    )
    var spans: [ReceivedSpan] = []
    for resource in request.resourceSpans {
      let service = Self.attributes(resource.resource.attributes)["service.name"] ?? "?"
      for scope in resource.scopeSpans {
        for span in scope.spans {
          spans.append(
            ReceivedSpan(
              service: service,
              traceID: Self.hex(span.traceID),
              spanID: Self.hex(span.spanID),
              parentSpanID: Self.hex(span.parentSpanID),
              name: span.name,
              kind: span.kind,
              attributes: Self.attributes(span.attributes),
              failed: span.status.code == .error,
              statusMessage: span.status.message,
              links: span.links.map { (Self.hex($0.traceID), Self.hex($0.spanID)) },
              events: span.events.map(\.name)
            )
          )
        }
      }
    }
    return spans
  }

  static func attributes(_ values: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [String: String] {
    var attributes: [String: String] = [:]
    for entry in values {
      switch entry.value.value {
      case .stringValue(let value): attributes[entry.key] = value
      case .intValue(let value): attributes[entry.key] = String(value)
      case .boolValue(let value): attributes[entry.key] = String(value)
      case .doubleValue(let value): attributes[entry.key] = String(value)
      default: attributes[entry.key] = "\(entry.value)"
      }
    }
    return attributes
  }

  static func hex(_ data: Data) -> String {
    data.map { String(format: "%02x", $0) }.joined()
  }
}

/// The HTTP side: one export request per message, answered at its end.
private final class ExportHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let spans: NIOLockedValueBox<[ReceivedSpan]>
  private var path = ""
  private var body = ByteBuffer()

  init(spans: NIOLockedValueBox<[ReceivedSpan]>) {
    self.spans = spans
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch self.unwrapInboundIn(data) {
    case .head(let head):
      self.path = head.uri
      self.body.clear()
    case .body(var part):
      self.body.writeBuffer(&part)
    case .end:
      var status = HTTPResponseStatus.ok
      if self.path == "/v1/traces",
        let decoded = try? OTLPReceiver.decode(Array(self.body.readableBytesView))
      {
        self.spans.withLockedValue { $0.append(contentsOf: decoded) }
      } else {
        status = .badRequest
      }
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: "application/x-protobuf")
      headers.add(name: "Content-Length", value: "0")
      context.write(
        self.wrapOutboundOut(
          .head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))
        ),
        promise: nil
      )
      context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }
  }
}
