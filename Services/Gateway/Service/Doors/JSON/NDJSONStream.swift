import ERPProtos
import GRPCCore
import GRPCInProcessTransport
import HTTPTypes
import Hummingbird
import NIOCore

/// A server-streaming method over the JSON door, as newline-delimited JSON
/// (`Content-Type: application/x-ndjson`): one answer message per line, in protobuf's JSON
/// mapping. A call refused before its first message is an ordinary Connect error (status and
/// `{"code","message"}`); one that fails after it has begun ends with the line
/// `{"error":{"code":…,"message":…}}`, so a reader tells a complete stream from a cut one.
/// Chosen over Connect's enveloped streaming because `curl` and every language read lines
/// without a framing library.
enum NDJSONStream {
  /// How the call began: accepted with the response's metadata, or refused.
  private enum Head: Sendable {
    case accepted(Metadata)
    case refused(RPCError, Metadata)
  }

  /// What follows an accepted head.
  private enum Part: Sendable {
    case message([UInt8])
    case failed(RPCError)
  }

  static func respond(
    _ client: GRPCClient<InProcessTransport.Client>,
    _ call: ClientRequest<[UInt8]>,
    _ method: ERPJSONAPI.Method,
    options: CallOptions
  ) async throws(ConnectError) -> Response {
    let (heads, head) = AsyncStream<Head>.makeStream()
    let (parts, part) = AsyncStream<Part>.makeStream()
    let task = Task {
      defer {
        head.finish()
        part.finish()
      }
      do {
        try await client.serverStreaming(
          request: call,
          descriptor: method.descriptor,
          serializer: RawSerializer(),
          deserializer: RawDeserializer(),
          options: options
        ) { response in
          switch response.accepted {
          case .failure(let error):
            head.yield(.refused(error, error.metadata))
          case .success(let contents):
            head.yield(.accepted(contents.metadata))
            do {
              for try await body in contents.bodyParts {
                if case .message(let message) = body { part.yield(.message(message)) }
              }
            } catch {
              part.yield(.failed(Self.rpcError(error)))
            }
          }
        }
      } catch {
        // Before the head, this refuses the call; after it, the head was read and the stream
        // ends with the failure.
        let error = Self.rpcError(error)
        head.yield(.refused(error, error.metadata))
        part.yield(.failed(error))
      }
    }
    var first: Head?
    for await value in heads {
      first = value
      break
    }
    switch first {
    case .refused(let error, let metadata):
      return JSONDoorResponder.failure(
        ConnectError(error),
        headers: ConnectHeaders.responseHeaders(metadata)
      )
    case nil:
      return JSONDoorResponder.failure(
        ConnectError(.unavailable, "the gateway is shutting down"),
        headers: HTTPFields()
      )
    case .accepted(let metadata):
      var headers = ConnectHeaders.responseHeaders(metadata)
      headers[.contentType] = "application/x-ndjson"
      let response = method.response
      return Response(
        status: .ok,
        headers: headers,
        body: ResponseBody { writer in
          defer { task.cancel() }
          for await value in parts {
            var line: [UInt8]
            switch value {
            case .message(let message):
              do {
                line = try JSONTranscoding.json(fromBinary: message, as: response)
              } catch let error as ConnectError {
                line = Self.errorLine(error)
              } catch {
                line = Self.errorLine(
                  ConnectError(.internalError, "an answer could not be written")
                )
              }
            case .failed(let error):
              line = Self.errorLine(ConnectError(error))
            }
            line.append(UInt8(ascii: "\n"))
            try await writer.write(ByteBuffer(bytes: line))
            if case .failed = value { break }
          }
          try await writer.finish(nil)
        }
      )
    }
  }

  private static func rpcError(_ error: any Error) -> RPCError {
    error as? RPCError ?? RPCError(code: .unavailable, message: "the gateway is shutting down")
  }

  /// `{"error":{"code":…,"message":…}}`: how a stream that failed after it began ends.
  static func errorLine(_ error: ConnectError) -> [UInt8] {
    Array("{\"error\":".utf8) + error.body + Array("}".utf8)
  }
}
