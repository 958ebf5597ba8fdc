import Foundation

/// A private PostgreSQL cluster in a folder of ours, for `make run` and the tests when no
/// database URL is given: `initdb` once, then `pg_ctl start` on a free loopback port.
///
/// PostgreSQL refuses to run as root, and CI runs as root: then every command runs as the
/// `postgres` user (Debian's package creates it) through `runuser`, and the folder is given to it.
/// Its programs run through ``ChildProcess``, awaited, each in a process group of its own.
///
/// Its own target: only erp-run, the tests and the benchmarks link it, never a service.
public struct PrivateCluster: Sendable {
  public let directory: String
  public let port: Int

  /// libpq connection string for a database of this cluster.
  public func conninfo(database: String = "postgres") -> String {
    "host=127.0.0.1 port=\(self.port) user=postgres dbname=\(database) connect_timeout=5"
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// Starts the cluster in `directory`, creating it first when the folder holds none. With
  /// `durable: false` (tests) fsync is off: fast, and fine for data nobody keeps.
  public static func start(
    in directory: String,
    durable: Bool = true
  ) async throws -> PrivateCluster {
    let bin = try Self.binDirectory()
    let data = directory + "/data"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    if getuid() == 0 {
      try await ChildProcess.run("/bin/chown", ["-R", "postgres:postgres", directory])
    }
    if !FileManager.default.fileExists(atPath: data + "/PG_VERSION") {
      try await Self.runAsPostgres(
        bin + "/initdb",
        ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
      )
    }
    Self.removeStaleLockFiles(data: data, socketDirectory: directory)
    // A running cluster left by an earlier run is reused.
    if let port = await Self.runningPort(data: data, bin: bin) {
      return PrivateCluster(directory: directory, port: port)
    }
    // The port is kept for next time, so that clients configured once keep working.
    let portFile = directory + "/port"
    let kept = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap {
      Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let port = try kept ?? Self.freePort()
    try String(port).write(toFile: portFile, atomically: true, encoding: .utf8)
    // A test cluster serves every suite of a test process at once, each running a whole system
    // with its pools (GatewayTests: about fifty systems of six services): room for them all.
    let connections = durable ? 300 : 1_000
    var options =
      "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=\(connections)"
    if !durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" }
    // The server it starts inherits pg_ctl's output: a pipe would never see end-of-file.
    try await Self.runAsPostgres(
      bin + "/pg_ctl",
      ["-D", data, "-l", directory + "/postgres.log", "-o", options, "-w", "-t", "60", "start"],
      discardOutput: true
    )
    return PrivateCluster(directory: directory, port: port)
  }

  /// Stops the cluster (fast shutdown: rolls back open transactions).
  public func stop() async throws {
    try await Self.runAsPostgres(
      try Self.binDirectory() + "/pg_ctl",
      ["-D", self.directory + "/data", "-m", "fast", "-w", "stop"]
    )
  }

  /// The same fast shutdown without a child process, for an `atexit` handler, where nothing can
  /// be awaited: SIGINT to the server (what `pg_ctl stop -m fast` sends), then up to 10 s for it
  /// to go.
  public func stopAtExit() {
    guard
      let contents = try? String(
        contentsOfFile: self.directory + "/data/postmaster.pid",
        encoding: .utf8
      ),
      let pid = contents.split(separator: "\n").first.flatMap({ Int32($0) }),
      Self.isPostgres(pid)
    else { return }
    kill(pid, SIGINT)
    for _ in 0..<200 where kill(pid, 0) == 0 { usleep(50_000) }
  }

  /// Creates a database unless it exists.
  public func createDatabase(_ name: String) async throws {
    let psql = try Self.binDirectory() + "/psql"
    let exists = try await Self.runAsPostgres(
      psql,
      [
        "-h", "127.0.0.1", "-p", "\(self.port)", "-U", "postgres", "-tAc",
        "SELECT 1 FROM pg_database WHERE datname = '\(name)'",
      ]
    )
    if exists.trimmingCharacters(in: .whitespacesAndNewlines) != "1" {
      try await Self.runAsPostgres(
        psql,
        [
          "-h", "127.0.0.1", "-p", "\(self.port)", "-U", "postgres", "-c",
          "CREATE DATABASE \"\(name)\"",
        ]
      )
    }
  }

  // MARK: Helpers

  /// Where the PostgreSQL server programs are (initdb, pg_ctl, pgbench…): `ERP_PG_BIN`, or the
  /// newest `/usr/lib/postgresql/<version>/bin` that has `initdb`.
  public static func binDirectory() throws -> String {
    if let bin = ProcessInfo.processInfo.environment["ERP_PG_BIN"] { return bin }
    let root = "/usr/lib/postgresql"
    let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    let usable = versions.compactMap(Int.init).sorted().reversed().map { "\(root)/\($0)/bin" }
      .filter { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    guard let bin = usable.first else {
      throw Failure(
        description: "PostgreSQL server binaries not found (install Debian's postgresql)"
      )
    }
    return bin
  }

  private static func runningPort(data: String, bin: String) async -> Int? {
    guard (try? await Self.runAsPostgres(bin + "/pg_ctl", ["-D", data, "status"])) != nil,
      let pid = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)
    else { return nil }
    let lines = pid.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.count > 3 ? Int(lines[3]) : nil
  }

  /// After PostgreSQL was killed (or the machine restarted), `postmaster.pid` and the socket's
  /// lock file name a pid that may now belong to another program, which makes `pg_ctl status`
  /// report a server and PostgreSQL refuse to start. A lock file whose pid is not a live
  /// `postgres` process is removed; a live server's are left alone.
  private static func removeStaleLockFiles(data: String, socketDirectory: String) {
    let pidFile = data + "/postmaster.pid"
    guard let contents = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return }
    let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
    guard let pid = lines.first.flatMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }),
      !Self.isPostgres(pid)
    else { return }
    unlink(pidFile)
    if lines.count > 3, let port = Int(lines[3]) {
      unlink(socketDirectory + "/.s.PGSQL.\(port).lock")
    }
  }

  /// Whether `pid` is a live PostgreSQL server process (its command name is `postgres`).
  private static func isPostgres(_ pid: Int32) -> Bool {
    guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
    // Without /proc (not Linux) a live pid is taken to be the server, as pg_ctl does.
    guard let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else {
      return true
    }
    return name.trimmingCharacters(in: .whitespacesAndNewlines) == "postgres"
  }

  /// A loopback port nothing listens on now (the kernel's pick for port 0), for the cluster.
  /// (Tests pick theirs with ERPTestSupport's `FreePorts`.)
  private static func freePort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw Failure(description: "cannot open a socket to find a port") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
        bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
      }
    }
    guard bound else { throw Failure(description: "cannot bind a socket to find a port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Runs one of PostgreSQL's programs as the `postgres` user when we are root (PostgreSQL
  /// refuses root): `runuser` is just an argument in front, so the process group still applies.
  @discardableResult
  private static func runAsPostgres(
    _ executable: String,
    _ arguments: [String],
    discardOutput: Bool = false
  ) async throws -> String {
    let command =
      getuid() == 0
      ? ("/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
      : (executable, arguments)
    return try await ChildProcess.run(
      command.0,
      command.1,
      discardOutput: discardOutput,
      ownProcessGroup: true
    )
  }
}
