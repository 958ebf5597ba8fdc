import BenchmarkStack
import BenchmarkSupport
import ERPClient
import ERPProtos
import ERPRuntime
import ERPTransport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Gateway
import NIOConcurrencyHelpers

/// The same forwarded unary call (GetCustomer with a partner key) through the gateway's two
/// gRPC doors, in one run: ERPT (port 7100's transport) and standard gRPC over HTTP/2
/// (grpc-swift-nio-transport, port 7200's). p50 and throughput at concurrency 1 and 32, each
/// door on one client connection; the last line is the HTTP/2 / ERPT p50 ratio (target ≤ 1.5).
enum DoorBench {
  static func run(_ stack: ServiceStack, key: String, customer: String, calls: Int) async throws {
    let erptPort = stack.ports["gateway"]!
    guard let door = stack.system["gateway"]?.door(HTTP2Door.self) else {
      throw BenchError(description: "the gateway runs no HTTP/2 door")
    }
    let http2Port = try await door.listeningPort
    var request = Erp_Customers_V1_GetCustomerRequest()
    request.id = customer
    let get = request
    let metadata: Metadata = ["x-erp-api-key": .string(key)]
    let erpt = try await GatewayConnection.with(address: "127.0.0.1:\(erptPort)", apiKey: key) {
      erp in
      let customers = erp.customers
      return try await Self.measure("erpt", calls: calls) {
        _ = try await customers.getCustomer(get)
      }
    }
    let client = GRPCClient(
      transport: try .http2NIOPosix(
        target: .ipv4(address: "127.0.0.1", port: http2Port),
        transportSecurity: .plaintext
      )
    )
    let http2 = try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.runConnections() }
      defer { client.beginGracefulShutdown() }
      let customers = Erp_Customers_V1_Customers.Client(wrapping: client)
      return try await Self.measure("http2", calls: calls) {
        _ = try await customers.getCustomer(get, metadata: metadata)
      }
    }
    say("http2/erpt p50 latency ratio: \(Measure.format(http2 / erpt)) (target ≤ 1.5)")
  }

  /// Prints p50 and throughput at concurrency 1 and 32; returns the concurrency-1 p50 (ms).
  private static func measure(
    _ door: String,
    calls: Int,
    _ body: @escaping @Sendable () async throws -> Void
  ) async throws -> Double {
    for _ in 0..<50 { try await body() }
    var single = 0.0
    for concurrency in [1, 32] {
      let samples = NIOLockedValueBox<[Double]>([])
      let perTask = max(1, calls / concurrency) * (concurrency == 1 ? 1 : 4)
      let wall = try await Measure.time {
        try await withThrowingTaskGroup(of: Void.self) { group in
          for _ in 0..<concurrency {
            group.addTask {
              var mine: [Double] = []
              for _ in 0..<perTask {
                let start = ContinuousClock.now
                try await body()
                mine.append(Measure.seconds(start.duration(to: .now)))
              }
              samples.withLockedValue { $0 += mine }
            }
          }
          try await group.waitForAll()
        }
      }
      let all = samples.withLockedValue { $0 }
      let p50 = Measure.percentile(all, 0.5) / 1000
      if concurrency == 1 { single = p50 }
      say(
        "\(door) GetCustomer, concurrency \(concurrency): p50 \(Measure.format(p50)) ms, "
          + "\(Measure.format(Double(all.count) / wall, 0)) calls/s"
      )
    }
    return single
  }
}
