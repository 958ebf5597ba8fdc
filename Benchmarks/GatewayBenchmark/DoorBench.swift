import AsyncHTTPClient
import BenchmarkStack
import BenchmarkSupport
import ERPClient
import ERPProtos
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Gateway
import NIOCore

/// The same forwarded unary call (GetCustomer with a partner key) through the gateway's three
/// doors, in one run on one stack: ERPT (port 7100's transport, ``GatewayConnection``), standard
/// gRPC over HTTP/2 (grpc-swift-nio-transport, port 7200's) and JSON over HTTP (Connect unary on
/// HTTP/1.1, port 7300's, AsyncHTTPClient as the partner). Each door is called as a partner
/// calls it: the ERPT and HTTP/2 clients on one connection each (both multiplex), the HTTP/1.1
/// client with a pool of connections (one call at a time per connection). p50 and calls per
/// second at concurrency 1 and 32; the last two lines are the p50 ratios at concurrency 1
/// (targets ≤ 1.5 each).
enum DoorBench {
  struct Figures: Sendable {
    var p50: Double
    var perSecond: Double
  }

  static let concurrencies = [1, 32]

  static func run(_ server: BenchServer, calls: Int) async throws {
    try await ServiceStack.run(server, connections: 8) { stack in
      let port = stack.ports["gateway"]!
      let (key, customer) = try await GatewayBench.setUp(stack, gatewayPort: port)
      var request = Erp_Customers_V1_GetCustomerRequest()
      request.id = customer
      let get = request
      let erpt = try await GatewayConnection.with(address: "127.0.0.1:\(port)", apiKey: key) {
        erp in
        let customers = erp.customers
        return try await Self.measure("ERPT", calls: calls) {
          _ = try await customers.getCustomer(get)
        }
      }
      let http2 = try await Self.http2(stack, key: key, get: get, calls: calls)
      let json = try await Self.json(stack, key: key, customer: customer, calls: calls)
      for concurrency in Self.concurrencies {
        let figures = [("ERPT", erpt), ("HTTP/2", http2), ("JSON", json)].map { door, byLevel in
          let f = byLevel[concurrency]!
          return "\(door) p50 \(Measure.format(f.p50)) ms, \(Measure.format(f.perSecond, 0))/s"
        }
        say("GetCustomer at c=\(concurrency): " + figures.joined(separator: "; "))
      }
      // The last two lines, which scripts read (the issue's targets: each at most 1.5).
      say("json/erpt p50 latency ratio: \(Measure.format(json[1]!.p50 / erpt[1]!.p50))")
      say("http2/erpt p50 latency ratio: \(Measure.format(http2[1]!.p50 / erpt[1]!.p50))")
    }
  }

  /// gRPC over HTTP/2 with grpc-swift's own client, as a partner's stock client calls it.
  private static func http2(
    _ stack: ServiceStack,
    key: String,
    get: Erp_Customers_V1_GetCustomerRequest,
    calls: Int
  ) async throws -> [Int: Figures] {
    guard let door = stack.system["gateway"]?.door(HTTP2Door.self) else {
      throw BenchError(description: "the gateway runs no HTTP/2 door")
    }
    let client = GRPCClient(
      transport: try .http2NIOPosix(
        target: .ipv4(address: "127.0.0.1", port: try await door.listeningPort),
        transportSecurity: .plaintext
      )
    )
    let metadata: Metadata = ["x-erp-api-key": .string(key)]
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.runConnections() }
      defer { client.beginGracefulShutdown() }
      let customers = Erp_Customers_V1_Customers.Client(wrapping: client)
      return try await Self.measure("HTTP/2", calls: calls) {
        _ = try await customers.getCustomer(get, metadata: metadata)
      }
    }
  }

  /// Connect unary JSON over HTTP/1.1.
  private static func json(
    _ stack: ServiceStack,
    key: String,
    customer: String,
    calls: Int
  ) async throws -> [Int: Figures] {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let url = "http://127.0.0.1:\(stack.jsonPort)/erp.customers.v1.Customers/GetCustomer"
    let body = #"{"id":"\#(customer)"}"#
    do {
      let figures = try await Self.measure("JSON", calls: calls) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok, answer.readableBytes > 0 else {
          throw BenchError(description: "JSON GetCustomer: \(response.status)")
        }
      }
      try await http.shutdown()
      return figures
    } catch {
      try? await http.shutdown()
      throw error
    }
  }

  /// After 50 warm-up calls, `calls` calls at each concurrency (split between that many tasks,
  /// back to back): the p50 of their latencies (ms) and calls a second, printed as they come.
  private static func measure(
    _ door: String,
    calls: Int,
    _ call: @escaping @Sendable () async throws -> Void
  ) async throws -> [Int: Figures] {
    for _ in 0..<50 { try await call() }
    var figures: [Int: Figures] = [:]
    for concurrency in Self.concurrencies {
      let each = max(1, calls / concurrency)
      let start = ContinuousClock.now
      let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<concurrency {
          group.addTask {
            var samples: [Double] = []
            for _ in 0..<each { samples.append(try await Measure.time { try await call() }) }
            return samples
          }
        }
        return try await group.reduce(into: []) { $0 += $1 }
      }
      let seconds = Measure.seconds(start.duration(to: .now))
      let level = Figures(
        p50: Measure.percentile(samples, 0.5) / 1000,
        perSecond: Double(samples.count) / seconds
      )
      say(
        "\(door) GetCustomer, concurrency \(concurrency): p50 \(Measure.format(level.p50)) ms, "
          + "\(Measure.format(level.perSecond, 0)) calls/s"
      )
      figures[concurrency] = level
    }
    return figures
  }
}
