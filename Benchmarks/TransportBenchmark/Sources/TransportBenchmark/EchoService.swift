import GRPCCore

/// A unary echo of raw bytes, served identically over every transport under comparison.
struct EchoService: RegistrableRPCService {
  static let method = MethodDescriptor(fullyQualifiedService: "bench.Echo", method: "Echo")

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: Self.method,
      deserializer: RawDeserializer(),
      serializer: RawSerializer()
    ) { request, _ in
      var iterator = request.messages.makeAsyncIterator()
      let message = try await iterator.next() ?? []
      return StreamingServerResponse(single: ServerResponse(message: message))
    }
  }
}

struct RawSerializer: MessageSerializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

struct RawDeserializer: MessageDeserializer {
  func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
    bytes.withUnsafeBytes { Array($0) }
  }
}
