/// The gateway's HTTP/2 door settings, from the environment (or the flags `ServiceMain` puts
/// there): `ERP_GATEWAY_HTTP2_PORT` / `--http2-port` (default 7200; 0 takes a free port), and
/// TLS from PEM files when both `ERP_GATEWAY_TLS_CERT` / `--tls-cert` and `ERP_GATEWAY_TLS_KEY`
/// / `--tls-key` are set (plaintext when neither is).
struct HTTP2DoorSettings: Sendable, Equatable {
  static let defaultPort = 7200
  static let portVariable = "ERP_GATEWAY_HTTP2_PORT"
  static let certificateVariable = "ERP_GATEWAY_TLS_CERT"
  static let keyVariable = "ERP_GATEWAY_TLS_KEY"

  /// A PEM certificate chain and its private key.
  struct TLSFiles: Sendable, Equatable {
    var certificateChain: String
    var privateKey: String
  }

  var port: Int
  var tls: TLSFiles?

  /// A setting that cannot be used; names the setting, never echoes more than a short value.
  struct Invalid: Error, CustomStringConvertible {
    var description: String
  }

  init(variables: [String: String]) throws {
    func value(_ name: String) -> String? {
      variables[name].flatMap { $0.isEmpty ? nil : $0 }
    }
    if let raw = value(Self.portVariable) {
      guard let port = Int(raw), (0...65535).contains(port) else {
        throw Invalid(
          description: "--http2-port / \(Self.portVariable) must be a port number (0-65535), "
            + "not \"\(raw.prefix(20))\""
        )
      }
      self.port = port
    } else {
      self.port = Self.defaultPort
    }
    switch (value(Self.certificateVariable), value(Self.keyVariable)) {
    case (nil, nil):
      self.tls = nil
    case (let certificate?, let key?):
      self.tls = TLSFiles(certificateChain: certificate, privateKey: key)
    default:
      throw Invalid(
        description: "--tls-cert / \(Self.certificateVariable) and --tls-key / "
          + "\(Self.keyVariable) go together: set both for TLS, or neither"
      )
    }
  }
}
