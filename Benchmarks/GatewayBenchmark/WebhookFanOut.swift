import BenchmarkStack
import BenchmarkSupport
import ERPClient
import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import Foundation
import GRPCCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftProtobuf

/// Webhook fan-out: events published to the gateway (as the services' outbox relays publish
/// them) and delivered, signed, to 10 local HTTP receivers, each subscribed to every event.
/// Prints events per second delivered to all 10 (and deliveries per second), from the first
/// publish to the last delivery received. `erp-bench-gateway webhooks`.
enum WebhookFanOut {
  static let receivers = 10

  static func run(_ server: BenchServer, events count: Int) async throws {
    let events = count
    let counter = NIOLockedValueBox(0)
    let group = MultiThreadedEventLoopGroup.singleton
    var bound: [any Channel] = []
    for _ in 0..<Self.receivers {
      bound.append(
        try await ServerBootstrap(group: group)
          .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
          .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
              try channel.pipeline.syncOperations.configureHTTPServerPipeline()
              try channel.pipeline.syncOperations.addHandler(Counting(counter: counter))
            }
          }
          .bind(host: "127.0.0.1", port: 0).get()
      )
    }
    let channels = bound
    defer { for channel in channels { channel.close(promise: nil) } }
    try await ServiceStack.run(server, connections: 8) { stack in
      let gateway = "127.0.0.1:\(stack.ports["gateway"]!)"
      let key = try await GatewayConnection.with(
        address: gateway,
        operatorToken: ServiceStack.operatorToken
      ) { erp in
        var create = Erp_Gateway_V1_CreateTenantRequest()
        create.tenantID = stack.tenant.slug
        _ = try await erp.tenants.createTenant(create)
        var issue = Erp_Gateway_V1_IssueKeyRequest()
        issue.tenantID = stack.tenant.slug
        issue.name = "bench-webhooks"
        issue.scopes = ["webhooks:write"]
        issue.ratePerSecond = 100_000
        issue.burst = 100_000
        return try await erp.apiKeys.issueKey(issue).secret
      }
      try await GatewayConnection.with(address: gateway, apiKey: key) { erp in
        for (index, channel) in channels.enumerated() {
          var request = Erp_Gateway_V1_CreateSubscriptionRequest()
          request.requestID = "bench-\(index)"
          request.url = "http://127.0.0.1:\(channel.localAddress!.port!)/hook"
          request.eventTypes = ["customer.created"]
          _ = try await erp.webhooks.createSubscription(request)
        }
      }
      let started = ContinuousClock.now
      try await RequestContext.$tenant.withValue(stack.tenant) {
        try await withServiceClient(port: stack.ports["gateway"]!, secret: ServiceStack.secret) {
          client in
          let publisher = Erp_Gateway_V1_Events.Client(wrapping: client)
          try await withThrowingTaskGroup(of: Void.self) { tasks in
            for worker in 0..<8 {
              tasks.addTask {
                for index in stride(from: worker, to: events, by: 8) {
                  var event = Erp_Gateway_V1_PublishEventRequest()
                  event.eventID = "evt_bench_\(index)"
                  event.type = "customer.created"
                  event.occurredAt = Google_Protobuf_Timestamp(date: Date())
                  event.dataJson = #"{"id":"C-\#(index)","name":"شركة القياس"}"#
                  _ = try await publisher.publishEvent(event)
                }
              }
            }
            try await tasks.waitForAll()
          }
        }
      }
      let expected = events * Self.receivers
      let deadline = ContinuousClock.now + .seconds(300)
      while counter.withLockedValue({ $0 }) < expected, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(5))
      }
      let seconds = Double(WebhookTiming.milliseconds(started.duration(to: .now))) / 1000
      let delivered = counter.withLockedValue { $0 }
      say(
        "webhook fan-out: \(events) events × \(Self.receivers) receivers, \(delivered) deliveries in \(String(format: "%.2f", seconds)) s"
      )
      say(
        "webhook fan-out: \(String(format: "%.0f", Double(delivered) / Double(Self.receivers) / seconds)) events/s delivered to all \(Self.receivers) receivers (\(String(format: "%.0f", Double(delivered) / seconds)) deliveries/s)"
      )
    }
  }

  /// Counts requests and answers 204.
  private final class Counting: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let counter: NIOLockedValueBox<Int>

    init(counter: NIOLockedValueBox<Int>) { self.counter = counter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      guard case .end = self.unwrapInboundIn(data) else { return }
      self.counter.withLockedValue { $0 += 1 }
      var headers = HTTPHeaders()
      headers.add(name: "content-length", value: "0")
      context.write(
        self.wrapOutboundOut(
          .head(HTTPResponseHead(version: .http1_1, status: .noContent, headers: headers))
        ),
        promise: nil
      )
      context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }
  }
}

enum WebhookTiming {
  static func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
  }
}
