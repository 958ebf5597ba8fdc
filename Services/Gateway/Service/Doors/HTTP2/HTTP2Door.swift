import ERPRuntime
import GRPCCore
import GRPCNIOTransportHTTP2
public import ServiceLifecycle

/// Standard gRPC over HTTP/2 at the gateway (grpc-swift-nio-transport's HTTP/2 server
/// transport), for partners' stock gRPC clients (grpcurl, Postman, Buf, grpcio): the same RPC
/// services and interceptors as the ERPT port (``ServiceDoor``), so forwarding, views, tenants,
/// keys, scopes, rate limits, field limits, audit, metrics and tracing are the same calls; plus
/// server reflection (``ServerReflection``), which only this door serves. A partner door: a call
/// carrying the services' secret or a caller identity is refused (``PartnerDoorInterceptor``).
/// Drained with the process (SIGTERM): the transport sends GOAWAY and gives in-flight calls
/// `ERP_DRAIN_SECONDS`.
public final class HTTP2Door: Service, Sendable {
  /// The server, or why the settings could not make one (thrown by ``run()``, which stops the
  /// process with it).
  private let server: Result<GRPCServer<HTTP2ServerTransport.Posix>, HTTP2DoorSettings.Invalid>
  /// Whether connections are TLS.
  public let usesTLS: Bool

  init(settings: Result<HTTP2DoorSettings, HTTP2DoorSettings.Invalid>, parts: ServiceDoor.Parts) {
    self.usesTLS = (try? settings.get().tls) != nil
    self.server = settings.map { settings in
      let security: HTTP2ServerTransport.Posix.TransportSecurity =
        settings.tls.map {
          .tls(
            certificateChain: [.file(path: $0.certificateChain, format: .pem)],
            privateKey: .file(path: $0.privateKey, format: .pem)
          )
        } ?? .plaintext
      let transport = HTTP2ServerTransport.Posix(
        address: parts.host.contains(":")
          ? .ipv6(host: parts.host, port: settings.port)
          : .ipv4(host: parts.host, port: settings.port),
        transportSecurity: security,
        config: .defaults { $0.connection.maxGraceTime = .seconds(parts.drainSeconds) }
      )
      let services: [any RegistrableRPCService] =
        parts.services + [ServerReflection(serving: parts.services)]
      return GRPCServer(
        transport: transport,
        services: services,
        interceptors: [PartnerDoorInterceptor()] + parts.interceptors
      )
    }
  }

  /// The door as the gateway's ``ServiceParts`` name it, its settings read from `variables`.
  static func door(variables: [String: String]) -> ServiceDoor {
    let settings = Result { try HTTP2DoorSettings(variables: variables) }
      .mapError { $0 as? HTTP2DoorSettings.Invalid ?? .init(description: "\($0)") }
    return ServiceDoor { parts in HTTP2Door(settings: settings, parts: parts) }
  }

  /// The port it listens on, once it does (the chosen one with port 0).
  public var listeningPort: Int {
    get async throws {
      let address = try await self.server.get().listeningAddress
      guard let port = address?.ipv4?.port ?? address?.ipv6?.port else {
        throw HTTP2DoorSettings.Invalid(description: "the HTTP/2 door listens on no IP port")
      }
      return port
    }
  }

  public func run() async throws {
    try await GRPCServerService(self.server.get()).run()
  }
}
