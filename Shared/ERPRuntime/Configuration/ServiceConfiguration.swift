import ArgumentParser
public import ERPTransport
public import Logging

/// A service's settings, resolved from flags first, then environment variables, then defaults.
/// A missing or malformed setting is a `ValidationError` naming both the flag and the variable.
public struct ServiceConfiguration: Sendable {
  public var service: ServiceEntry
  public var host: String
  public var port: Int
  public var opsPort: Int
  public var databaseURL: String
  public var serviceSecret: String
  public var dbPoolSize: Int
  public var drainSeconds: Int
  public var logLevel: Logger.Level
  /// How log lines are written (`ERP_LOG_FORMAT`): `text` (the default) or `json`.
  public var logFormat: LogFormat
  /// Where the other services listen, by service name.
  public var peers: [String: [ERPTransport.Client.Target]]
  /// The gateway's JSON over HTTP port (the Connect protocol); other services ignore it.
  public var jsonPort: Int
  /// The gateway's JSON port unless configured (the README's port table).
  public static let defaultJSONPort = 7300

  public init(
    service: ServiceEntry,
    options: ServiceOptions,
    environment: [String: String]
  ) throws {
    func text(_ flag: String?, _ variable: String) -> String? {
      flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
    func number(
      _ flag: Int?,
      _ name: String,
      _ variable: String,
      _ fallback: Int,
      _ range: ClosedRange<Int>
    )
      throws -> Int
    {
      let value: Int
      if let flag {
        value = flag
      } else if let raw = text(nil, variable) {
        guard let parsed = Int(raw) else {
          throw ValidationError("\(variable) must be a whole number, not \"\(raw)\"")
        }
        value = parsed
      } else {
        value = fallback
      }
      guard range.contains(value) else {
        throw ValidationError(
          "--\(name) / \(variable) must be between \(range.lowerBound) and \(range.upperBound)"
        )
      }
      return value
    }

    self.service = service
    self.host = text(options.host, "ERP_HOST") ?? "127.0.0.1"
    self.port = try number(options.port, "port", "ERP_PORT", service.defaultPort, 0...65535)
    self.opsPort = try number(
      options.opsPort,
      "ops-port",
      "ERP_OPS_PORT",
      service.defaultOpsPort,
      0...65535
    )
    guard let databaseURL = text(options.databaseURL, "ERP_DATABASE_URL") else {
      throw ValidationError("--database-url / ERP_DATABASE_URL is required")
    }
    self.databaseURL = databaseURL
    guard let secret = text(options.serviceSecret, "ERP_SERVICE_SECRET") else {
      throw ValidationError("--service-secret / ERP_SERVICE_SECRET is required")
    }
    guard secret.utf8.count >= 16 else {
      throw ValidationError("--service-secret / ERP_SERVICE_SECRET must be at least 16 bytes")
    }
    self.serviceSecret = secret
    self.dbPoolSize = try number(
      options.dbPoolSize,
      "db-pool-size",
      "ERP_DB_POOL_SIZE",
      10,
      1...500
    )
    self.drainSeconds = try number(
      options.drainSeconds,
      "drain-seconds",
      "ERP_DRAIN_SECONDS",
      10,
      0...3600
    )
    let level = text(options.logLevel, "ERP_LOG_LEVEL") ?? "info"
    guard let logLevel = Logger.Level(rawValue: level) else {
      throw ValidationError("--log-level / ERP_LOG_LEVEL: unknown level \"\(level)\"")
    }
    self.logLevel = logLevel
    let format = text(nil, "ERP_LOG_FORMAT") ?? "text"
    guard let logFormat = LogFormat(rawValue: format) else {
      throw ValidationError("ERP_LOG_FORMAT: must be text or json, not \"\(format.prefix(20))\"")
    }
    self.logFormat = logFormat

    var peers: [String: [ERPTransport.Client.Target]] = [:]
    for entry in ServiceCatalog.all where entry != service {
      if let raw = text(nil, entry.peerVariable) {
        peers[entry.name] = try Self.targets(raw, setting: entry.peerVariable)
      }
    }
    for flag in options.peers {
      let parts = flag.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, ServiceCatalog.entry(named: parts[0]) != nil else {
        throw ValidationError(
          "--peer \"\(flag)\": expected name=host:port with a known service name"
        )
      }
      peers[parts[0]] = try Self.targets(parts[1], setting: "--peer \(parts[0])")
    }
    self.peers = peers
    self.jsonPort = try number(
      options.jsonPort,
      "json-port",
      "ERP_JSON_PORT",
      Self.defaultJSONPort,
      0...65535
    )
  }

  private static func targets(_ raw: String, setting: String) throws -> [ERPTransport.Client.Target]
  {
    try raw.split(separator: ",").map { part in
      guard let target = ERPTransport.Client.Target(String(part)) else {
        throw ValidationError("\(setting): \"\(part)\" is not host:port")
      }
      return target
    }
  }
}
