import AsyncHTTPClient
import BenchmarkStack
import BenchmarkSupport
import ERPClient
import ERPProtos
import Foundation
import NIOCore

/// The same forwarded call, GetCustomer with a partner key, through the gateway's ERPT port and
/// through its JSON door (Connect over HTTP/1.1, AsyncHTTPClient as the partner), each at
/// concurrency 1 and 32: p50 latency and calls per second. The JSON door adds the HTTP parse,
/// JSON ↔ protobuf both ways and an in-process gRPC hop to the ERPT path (target: JSON p50 at
/// most 1.5 × ERPT's at concurrency 1). The last line is that ratio.
enum JSONDoorBench {
  struct Figures: Sendable {
    var p50: Double
    var perSecond: Double
  }

  static func run(_ server: BenchServer, calls: Int) async throws -> Double {
    try await ServiceStack.run(server, connections: 8) { stack in
      let port = stack.ports["gateway"]!
      let (key, customer) = try await GatewayBench.setUp(stack, gatewayPort: port)
      let erpt = try await GatewayConnection.with(address: "127.0.0.1:\(port)", apiKey: key) {
        erp in
        var get = Erp_Customers_V1_GetCustomerRequest()
        get.id = customer
        let customers = erp.customers
        var figures: [Int: Figures] = [:]
        for concurrency in [1, 32] {
          figures[concurrency] = try await Self.measure(concurrency: concurrency, calls: calls) {
            [get] in _ = try await customers.getCustomer(get)
          }
        }
        return figures
      }
      var configuration = HTTPClient.Configuration()
      configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
      let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
      var json: [Int: Figures] = [:]
      do {
        let url = "http://127.0.0.1:\(stack.jsonPort)/erp.customers.v1.Customers/GetCustomer"
        let body = #"{"id":"\#(customer)"}"#
        let call: @Sendable () async throws -> Void = {
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
        for concurrency in [1, 32] {
          json[concurrency] = try await Self.measure(
            concurrency: concurrency,
            calls: calls,
            call
          )
        }
        try await http.shutdown()
      } catch {
        try? await http.shutdown()
        throw error
      }
      for concurrency in [1, 32] {
        let (e, j) = (erpt[concurrency]!, json[concurrency]!)
        say(
          "GetCustomer at c=\(concurrency): ERPT p50 \(Measure.format(e.p50)) ms, "
            + "\(Measure.format(e.perSecond, 0))/s; JSON p50 \(Measure.format(j.p50)) ms, "
            + "\(Measure.format(j.perSecond, 0))/s"
        )
      }
      let ratio = json[1]!.p50 / erpt[1]!.p50
      say("json/erpt p50 latency ratio: \(Measure.format(ratio))")
      return ratio
    }
  }

  /// `calls` calls by `concurrency` tasks: the p50 of their latencies (ms) and calls a second.
  static func measure(
    concurrency: Int,
    calls: Int,
    _ call: @escaping @Sendable () async throws -> Void
  ) async throws -> Figures {
    for _ in 0..<min(20, calls) { try await call() }  // warm the connections
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
    return Figures(
      p50: Measure.percentile(samples, 0.5) / 1000,
      perSecond: Double(samples.count) / seconds
    )
  }
}
