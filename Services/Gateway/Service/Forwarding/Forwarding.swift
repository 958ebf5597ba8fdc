import ERPProtos
import ERPRuntime
import GRPCCore

/// Every domain service's API, reachable through the gateway under the same method names: each
/// method is registered with a handler that passes the serialized messages through, both ways
/// and streaming, to the service owning it (by package: `erp.customers.v1.*` to customers, …).
/// The peer client adds the services' secret, the key's tenant, the request id and the
/// remaining deadline (``DownstreamInterceptor``); the partner's own metadata is not forwarded.
/// A failure is told to the partner as ``PartnerFacingError`` words it: naming the service,
/// never an address.
struct Forwarding: RegistrableRPCService {
  let peers: PeerClients

  /// The methods forwarded: every method of every domain's services (``ERPCatalog``).
  static let methods: [MethodDescriptor] = ERPDomain.allCases.flatMap { domain in
    domain.services.flatMap { $0.methods.map(\.descriptor) }
  }

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    for descriptor in Self.methods {
      let peers = self.peers
      router.registerHandler(
        forMethod: descriptor,
        deserializer: RawDeserializer(),
        serializer: RawSerializer()
      ) { request, context in
        guard let scope = MethodScope(descriptor) else {
          throw RPCError(
            code: .unimplemented,
            message: "\(descriptor.fullyQualifiedMethod) is not forwarded"
          )
        }
        let client = try PartnerFacingError.mapping(scope.domain.rawValue) {
          try peers.connection(to: scope.domain)
        }
        return StreamingServerResponse { writer in
          do {
            return try await Self.forward(request, descriptor, client, writer)
          } catch {
            throw PartnerFacingError.rpcError(for: error, service: scope.domain.rawValue)
          }
        }
      }
    }
  }

  /// Passes the request's messages to `client` and its answers to `writer`; the trailers.
  private static func forward<Transport: ClientTransport>(
    _ request: StreamingServerRequest<[UInt8]>,
    _ descriptor: MethodDescriptor,
    _ client: GRPCClient<Transport>,
    _ writer: RPCWriter<[UInt8]>
  ) async throws -> Metadata {
    try await client.bidirectionalStreaming(
      request: StreamingClientRequest(of: [UInt8].self) { outbound in
        for try await message in request.messages { try await outbound.write(message) }
      },
      descriptor: descriptor,
      serializer: RawSerializer(),
      deserializer: RawDeserializer(),
      options: .defaults
    ) { response in
      var trailers = Metadata()
      for try await part in response.bodyParts {
        switch part {
        case .message(let message): try await writer.write(message)
        case .trailingMetadata(let metadata): trailers = metadata
        }
      }
      return trailers
    }
  }
}
