import ERPProtos
import ERPStore
import GRPCCore
import GRPCInProcessTransport
import HTTPTypes
import Hummingbird
import NIOCore

/// What the JSON door answers over HTTP/1.1. `POST /<package>.<Service>/<Method>` with a JSON
/// body calls the method (the Connect protocol's unary form; a server-streaming method answers
/// newline-delimited JSON, ``NDJSONStream``) through the gateway's own server in this process,
/// so the call meets the same access control, rate limits, audit, field limits and tracing as
/// one over ERPT. `OPTIONS` answers a browser's CORS preflight; `GET /openapi.json` and
/// `GET /docs` describe the API.
struct JSONDoorResponder: HTTPResponder {
  typealias Context = JSONDoorContext

  let client: GRPCClient<InProcessTransport.Client>
  /// The largest request body read (4 MiB by default); a larger one is answered 413.
  let bodyLimit: Int

  func respond(to request: Request, context: Context) async throws -> Response {
    let path = request.uri.path
    switch request.method {
    case .post:
      do {
        return try await self.call(path, request, context)
      } catch {
        return Self.failure(error, headers: HTTPFields())
      }
    case .options:
      return Self.preflight(request)
    case .get, .head:
      switch path {
      case "/openapi.json":
        return Self.document(JSONDoorDocuments.openAPI, type: "application/json")
      case "/docs", "/docs/":
        return Self.document(JSONDoorDocuments.docsPage, type: "text/html; charset=utf-8")
      default:
        return Self.failure(
          ConnectError(.notFound, "no page here: methods are POST, see /docs"),
          headers: HTTPFields()
        )
      }
    default:
      var headers = HTTPFields()
      headers[.allow] = "POST, OPTIONS"
      return Self.failure(
        ConnectError(.unimplemented, "methods are called with POST", status: .methodNotAllowed),
        headers: headers
      )
    }
  }

  private func call(
    _ path: String,
    _ request: Request,
    _ context: Context
  ) async throws(ConnectError)
    -> Response
  {
    guard let method = ERPJSONAPI.methods[path] else {
      throw ConnectError(.unimplemented, "no method \(quoted(path, limit: 100))", status: .notFound)
    }
    guard method.kind == .unary || method.kind == .serverStreaming else {
      throw ConnectError(
        .unimplemented,
        "\(method.descriptor.fullyQualifiedMethod) streams its requests: call it over ERPT or "
          + "gRPC over HTTP/2"
      )
    }
    let mediaType = request.headers[.contentType]?.split(separator: ";").first?
      .trimmingCharacters(in: .whitespaces).lowercased()
    guard mediaType == "application/json" else {
      throw ConnectError(
        .invalidArgument,
        "content-type: expected application/json",
        status: .unsupportedMediaType
      )
    }
    let metadata = try ConnectHeaders.metadata(request.headers, remote: context.remoteAddress)
    let options = try ConnectHeaders.options(request.headers)
    let body = try await self.body(request)
    let message = try JSONTranscoding.binary(fromJSON: body, as: method.request)
    let call = ClientRequest(message: message, metadata: metadata)
    if method.kind == .serverStreaming {
      return try await NDJSONStream.respond(
        self.client,
        call,
        method,
        options: options
      )
    }
    let outcome = await self.unary(call, method, options: options)
    switch outcome {
    case .answered(let answer, let metadata):
      var headers = ConnectHeaders.responseHeaders(metadata)
      headers[.contentType] = "application/json"
      let json = try JSONTranscoding.json(fromBinary: answer, as: method.response)
      return Response(
        status: .ok,
        headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: json))
      )
    case .failed(let error, let metadata):
      return Self.failure(ConnectError(error), headers: ConnectHeaders.responseHeaders(metadata))
    }
  }

  /// A call's answer or failure, with the metadata of both ends of the response.
  enum Outcome: Sendable {
    case answered([UInt8], Metadata)
    case failed(RPCError, Metadata)
  }

  private func unary(
    _ call: ClientRequest<[UInt8]>,
    _ method: ERPJSONAPI.Method,
    options: CallOptions
  ) async -> Outcome {
    do {
      return try await self.client.unary(
        request: call,
        descriptor: method.descriptor,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: options
      ) { response in
        switch response.accepted {
        case .success(let contents):
          var metadata = contents.metadata
          switch contents.message {
          case .success(let message):
            metadata.add(contentsOf: contents.trailingMetadata)
            return .answered(message, metadata)
          case .failure(let error):
            metadata.add(contentsOf: error.metadata)
            return .failed(error, metadata)
          }
        case .failure(let error):
          return .failed(error, error.metadata)
        }
      }
    } catch let error as RPCError {
      return .failed(error, error.metadata)
    } catch {
      return .failed(RPCError(code: .unavailable, message: "the gateway is shutting down"), [:])
    }
  }

  /// The request body, at most ``bodyLimit`` bytes.
  private func body(_ request: Request) async throws(ConnectError) -> [UInt8] {
    let tooLarge = ConnectError(
      .resourceExhausted,
      "the request body is larger than \(self.bodyLimit / (1 << 20)) MiB",
      status: .contentTooLarge
    )
    if let length = request.headers[.contentLength].flatMap(Int.init), length > self.bodyLimit {
      throw tooLarge
    }
    do {
      let buffer = try await request.body.collect(upTo: self.bodyLimit)
      return Array(buffer.readableBytesView)
    } catch is NIOTooManyBytesError {
      throw tooLarge
    } catch {
      throw ConnectError(.invalidArgument, "the request body could not be read")
    }
  }

  static func failure(_ error: ConnectError, headers: HTTPFields) -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    return Response(
      status: error.httpStatus,
      headers: headers,
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.body))
    )
  }

  /// A browser's CORS preflight: the methods and headers a call may use. Whether the page's
  /// origin may use a key is decided on the call itself, against the key's allowed origins
  /// (a preflight carries no key).
  static func preflight(_ request: Request) -> Response {
    var headers = HTTPFields()
    if let origin = request.headers[.origin], origin.utf8.count <= CORSOrigins.maximumLength {
      headers[.accessControlAllowOrigin] = origin
      headers[.accessControlAllowMethods] = "POST"
      headers[.accessControlAllowHeaders] =
        "authorization, content-type, connect-protocol-version, connect-timeout-ms, "
        + "x-erp-tenant, x-erp-request-id"
      headers[.accessControlMaxAge] = "600"
      headers[.vary] = "Origin"
    }
    return Response(status: .noContent, headers: headers)
  }

  static func document(_ bytes: ByteBuffer, type: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = type
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
  }
}

/// What the JSON door knows of a request besides the request: who sent it.
struct JSONDoorContext: InitializableFromSource {
  typealias Source = ApplicationRequestContextSource
  let remoteAddress: SocketAddress?

  init(source: Source) {
    self.remoteAddress = source.channel.remoteAddress
  }
}
