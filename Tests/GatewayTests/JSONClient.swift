import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import NIOHTTP1
import Testing

/// A plain HTTP/1.1 client of the gateway's JSON door (AsyncHTTPClient: it shares no code with
/// the door), as a partner's script would call it.
struct JSONClient: Sendable {
  let port: Int

  /// An answer: its status, headers and body, with the body parsed when it is a JSON object.
  struct Answer: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let text: String

    var object: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(self.text.utf8))) as? [String: Any] ?? [:]
    }
    var code: String? { self.object["code"] as? String }
    var message: String { self.object["message"] as? String ?? "" }
    func header(_ name: String) -> String? { self.headers.first(name: name) }
  }

  /// The JSON door of the harness's gateway.
  static func of(_ gateway: GatewayHarness) async throws -> JSONClient {
    let door = try #require(gateway.system["gateway"]?.worker(JSONDoor.self))
    return JSONClient(port: try await door.listeningPort)
  }

  func post(
    _ path: String,
    _ body: String,
    key: String? = nil,
    headers: [(String, String)] = [],
    contentType: String = "application/json"
  ) async throws -> Answer {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
    request.method = .POST
    request.headers.add(name: "content-type", value: contentType)
    if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    request.body = .bytes(ByteBuffer(string: body))
    return try await self.execute(request)
  }

  func send(
    _ method: HTTPMethod,
    _ path: String,
    headers: [(String, String)] = []
  ) async throws
    -> Answer
  {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    return try await self.execute(request)
  }

  private func execute(_ request: HTTPClientRequest) async throws -> Answer {
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    let body = try await response.body.collect(upTo: 64 << 20)
    return Answer(
      status: Int(response.status.code),
      headers: response.headers,
      text: String(buffer: body)
    )
  }

  /// Calls `path` and returns its answer's JSON, failing the test when the call failed.
  func call(_ path: String, _ body: String, key: String) async throws -> [String: Any] {
    let answer = try await self.post(path, body, key: key)
    guard answer.status == 200 else {
      throw JSONCallFailed(path: path, status: answer.status, body: answer.text)
    }
    return answer.object
  }
}

struct JSONCallFailed: Error, CustomStringConvertible {
  let path: String
  let status: Int
  let body: String
  var description: String { "\(self.path) answered \(self.status): \(self.body)" }
}
