import ERPDevCluster
import ERPRuntime
import ERPStore
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// The embedded default behind `make run`: a private PostgreSQL under `.erp/` (unless
/// `ERP_DATABASE_URL` names a server), one database per service, every service executable that
/// was built started as its own process, a `demo` tenant provisioned everywhere, then `ERP is up`.
/// A service that dies is started again (with back-off); only SIGINT or SIGTERM stops the
/// services, then PostgreSQL.
struct Launcher {
  let environment: [String: String]
  let output = LinePrinter()

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// The folder holding the private cluster: `ERP_RUN_DIR`, by default `.erp` in the current one.
  var runDirectory: String {
    self.environment["ERP_RUN_DIR"]
      ?? FileManager.default.currentDirectoryPath + "/.erp"
  }

  /// Added to every default port, so a second system (the tests') can run beside `make run`.
  var portOffset: Int { Int(self.environment["ERP_RUN_PORT_OFFSET"] ?? "") ?? 0 }

  /// The built service executables, which sit next to this one.
  func builtServices() -> [(ServiceEntry, String)] {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent().path
    return ServiceCatalog.all.compactMap { entry in
      let path = folder + "/" + entry.executable
      return FileManager.default.isExecutableFile(atPath: path) ? (entry, path) : nil
    }
  }

  func run() async throws {
    let stopSignal = NIOLockedValueBox<Int32?>(nil)
    let signals = SignalWatcher(signals: [SIGINT, SIGTERM]) { number in
      stopSignal.withLockedValue { if $0 == nil { $0 = number } }
    }
    defer { signals.cancel() }

    let services = self.builtServices()
    guard !services.isEmpty else {
      throw Failure(description: "no service executable next to erp-run; run `swift build` first")
    }
    let folder = RunFolder(path: self.runDirectory)
    try folder.lock()
    let leftovers = await folder.stopLeftovers(grace: .seconds(15))
    if !leftovers.isEmpty {
      self.output.print("[run] stopped \(leftovers.joined(separator: ", ")) left by an earlier run")
    }
    let database = try await self.database(for: services.map(\.0))
    let secret = self.environment["ERP_SERVICE_SECRET"] ?? Self.randomSecret()
    let operatorToken = try self.environment["ERP_OPERATOR_TOKEN"] ?? folder.operatorToken()
    let supervisor = Supervisor(output: self.output, folder: folder)
    var consoleUp = false
    do {
      for (entry, path) in services {
        await supervisor.add(
          .init(
            name: entry.name,
            executable: path,
            environment: self.serviceEnvironment(
              entry,
              database: database,
              secret: secret,
              operatorToken: operatorToken
            )
          )
        )
      }
      try await self.waitUntilReady(services.map(\.0), stopSignal: stopSignal)
      try await DemoTenant.provision(
        in: services.map(\.0),
        portOffset: self.portOffset,
        secret: secret
      )
      try await DemoData.seed(services.map(\.0), portOffset: self.portOffset, secret: secret)
      if services.contains(where: { $0.0 == ServiceCatalog.gateway }) {
        try await DemoPartner.showcase(
          portOffset: self.portOffset,
          operatorToken: operatorToken,
          runDirectory: self.runDirectory,
          output: self.output
        )
      }
      if let console = ConsoleLaunch.built(),
        services.contains(where: { $0.0 == ServiceCatalog.gateway })
      {
        await supervisor.add(
          .init(
            name: "web",
            executable: console,
            environment: ConsoleLaunch.environment(self.environment, portOffset: self.portOffset)
          )
        )
        try await ConsoleLaunch.waitUntilUp(portOffset: self.portOffset)
        consoleUp = true
      }
    } catch {
      await self.stop(supervisor, database: database)
      throw error
    }
    self.printAddresses(services.map(\.0), database: database)
    if consoleUp {
      self.output.print(
        "  console      http://127.0.0.1:\(ConsoleLaunch.port + self.portOffset)/   "
          + "(tenant \"\(DemoTenant.id)\": \(DemoStaff.admin.email) / \(DemoStaff.admin.password), "
          + "\(DemoStaff.rep.email) / \(DemoStaff.rep.password))"
      )
    }
    self.output.print(
      "  operator token \(operatorToken)   "
        + (self.environment["ERP_OPERATOR_TOKEN"] == nil
          ? "(kept in \(folder.operatorTokenFile))" : "(from ERP_OPERATOR_TOKEN)")
    )
    if services.contains(where: { $0.0 == ServiceCatalog.gateway }) {
      self.output.print("  partner key    \(folder.partnerKeyFile)")
    }
    self.output.print("ERP is up (tenant \"demo\"; Ctrl-C stops everything)")

    // A crashed service is restarted by the supervisor; only a signal ends the run.
    while stopSignal.withLockedValue({ $0 }) == nil {
      try? await Task.sleep(for: .milliseconds(100))
    }
    self.output.print("stopping")
    await self.stop(supervisor, database: database)
    self.output.print("stopped")
  }

  /// SIGTERM to every service (they drain), SIGKILL to any still there after 15 s, then
  /// PostgreSQL if we started it.
  func stop(_ supervisor: Supervisor, database: Databases) async {
    await supervisor.stop(grace: .seconds(15))
    await database.bouncer?.stop()
    do {
      try await database.cluster?.stop()
    } catch {
      self.output.print("stopping PostgreSQL: \(error)")
    }
  }

  /// The gateway's HTTP/2 port by default (ERP_GATEWAY_HTTP2_PORT).
  static let http2Port = 7200

  func serviceEnvironment(
    _ entry: ServiceEntry,
    database: Databases,
    secret: String,
    operatorToken: String
  ) -> [String: String] {
    var environment = self.environment
    for peer in ServiceCatalog.all {
      environment[peer.peerVariable] = "127.0.0.1:\(peer.defaultPort + self.portOffset)"
    }
    environment["ERP_DATABASE_URL"] = database.conninfo(entry.database)
    environment["ERP_PORT"] = String(entry.defaultPort + self.portOffset)
    environment["ERP_OPS_PORT"] = String(entry.defaultOpsPort + self.portOffset)
    if entry == ServiceCatalog.gateway {
      // The gateway's gRPC over HTTP/2 door (its default port, 7200, shifted like the others).
      environment["ERP_GATEWAY_HTTP2_PORT"] = String(Self.http2Port + self.portOffset)
    }
    // The gateway's JSON door, offset like every other port.
    environment["ERP_JSON_PORT"] = String(ServiceConfiguration.defaultJSONPort + self.portOffset)
    environment["ERP_SERVICE_SECRET"] = secret
    environment["ERP_OPERATOR_TOKEN"] = operatorToken
    environment["ERP_HOST"] = "127.0.0.1"
    return environment
  }

  func printAddresses(_ services: [ServiceEntry], database: Databases) {
    for entry in services {
      let name = entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)
      self.output.print(
        "  \(name) rpc 127.0.0.1:\(entry.defaultPort + self.portOffset)   "
          + "ops http://127.0.0.1:\(entry.defaultOpsPort + self.portOffset)/healthz"
      )
      if entry == ServiceCatalog.gateway {
        self.output.print("  \(name) grpc (HTTP/2) 127.0.0.1:\(Self.http2Port + self.portOffset)")
      }
    }
    if let cluster = database.cluster {
      self.output.print("  postgresql   \(cluster.conninfo(database: "postgres"))")
    }
  }

  /// Where each service's database is: a private cluster's, or the server `ERP_DATABASE_URL`
  /// names (a key=value conninfo; each service's `dbname` is appended).
  func database(for services: [ServiceEntry]) async throws -> Databases {
    if let url = self.environment["ERP_DATABASE_URL"], !url.isEmpty {
      return Databases(cluster: nil) { "\(url) dbname=\($0)" }
    }
    self.output.print("starting PostgreSQL in \(self.runDirectory)")
    let cluster = try await PrivateCluster.start(in: self.runDirectory + "/postgres")
    for service in services { try await cluster.createDatabase(service.database) }
    if self.environment["ERP_PGBOUNCER"] == "1" {
      // The services then reach PostgreSQL through PgBouncer in transaction mode only.
      let folder = URL(fileURLWithPath: self.runDirectory + "/pgbouncer").standardizedFileURL.path
      let bouncer = try await PgBouncer.start(in: folder, serverPort: cluster.port)
      self.output.print("PgBouncer (transaction pooling) in \(folder)")
      return Databases(cluster: cluster, bouncer: bouncer) { bouncer.conninfo(database: $0) }
    }
    return Databases(cluster: cluster) { cluster.conninfo(database: $0) }
  }

  struct Databases {
    var cluster: PrivateCluster?
    /// With `ERP_PGBOUNCER=1`: the pooler between the services and the cluster.
    var bouncer: PgBouncer? = nil
    var conninfo: (String) -> String
  }

  /// Polls every service's `/readyz` until all answer 200 (a service that exits meanwhile is
  /// restarted by the supervisor); fails when a signal arrives first, or after two minutes.
  func waitUntilReady(
    _ services: [ServiceEntry],
    stopSignal: NIOLockedValueBox<Int32?>
  ) async throws {
    let deadline = ContinuousClock.now + .seconds(120)
    var waiting = services
    while !waiting.isEmpty {
      if stopSignal.withLockedValue({ $0 }) != nil {
        throw Failure(description: "interrupted while starting")
      }
      var stillWaiting: [ServiceEntry] = []
      for service in waiting {
        let answer = try? await OpsProbe.get(
          port: service.defaultOpsPort + self.portOffset,
          path: "/readyz",
          timeoutSeconds: 2
        )
        if answer?.status != 200 { stillWaiting.append(service) }
      }
      waiting = stillWaiting
      guard ContinuousClock.now < deadline else {
        throw Failure(
          description: "not ready after 120 s: \(waiting.map(\.name).joined(separator: ", "))"
        )
      }
      if !waiting.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
    }
  }

  static func randomSecret() -> String {
    (0..<32).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
  }
}
