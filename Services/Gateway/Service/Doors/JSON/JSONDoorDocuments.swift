import ERPProtos
import NIOCore

/// What the JSON door tells about itself: the OpenAPI 3.1 document generated from the contracts
/// (``ERPJSONAPI/openAPIDocument``) and `/docs`, a plain HTML page listing every method with its
/// request and response messages, built from the same generated table, with no script at all.
enum JSONDoorDocuments {
  static let openAPI = ByteBuffer(string: ERPJSONAPI.openAPIDocument)

  static let docsPage = ByteBuffer(string: Self.html())

  static func html() -> String {
    var services: [String: [ERPJSONAPI.Method]] = [:]
    var order: [String] = []
    for method in ERPJSONAPI.all {
      let service = method.descriptor.service.fullyQualifiedService
      if services[service] == nil { order.append(service) }
      services[service, default: []].append(method)
    }
    var out = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>ERP JSON API</title>
      <style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
      code{background:#f3f3f3;padding:0 .2em}td{padding:.15em .6em;vertical-align:top}</style>
      </head><body>
      <h1>ERP JSON API</h1>
      <p>Every method is <code>POST /&lt;package&gt;.&lt;Service&gt;/&lt;Method&gt;</code> with
      <code>Content-Type: application/json</code> and <code>Authorization: Bearer &lt;api
      key&gt;</code>; bodies are protobuf's canonical JSON mapping (int64 as a string, enums by
      name, timestamps in RFC 3339). Errors are <code>{"code","message"}</code> with Connect's
      HTTP status. Server-streaming methods answer newline-delimited JSON. The machine-readable
      description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>

      """
    for service in order {
      out += "<h2 id=\"\(service)\">\(service)</h2>\n<table>\n"
      for method in services[service]! {
        let kind: String
        switch method.kind {
        case .unary: kind = ""
        case .serverStreaming: kind = " (answers a stream: NDJSON)"
        case .clientStreaming, .bidirectionalStreaming: kind = " (ERPT and gRPC only)"
        }
        out += "<tr><td><code>POST \(method.path)</code>\(kind)</td>"
        out += "<td>\(method.request.protoMessageName) → \(method.response.protoMessageName)</td>"
        out += "</tr>\n"
      }
      out += "</table>\n"
    }
    return out + "</body></html>\n"
  }
}
