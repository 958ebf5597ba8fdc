import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// PgBouncer (Debian's package, 1.18) in transaction pooling mode in front of a PostgreSQL
/// server, the pooler large installs put between many service replicas and the database: for
/// `make run` with `ERP_PGBOUNCER=1` and for the tests' pooled run (`ERP_TEST_PGBOUNCER=1`).
///
/// It listens on a Unix socket in its own folder only (`.s.PGSQL.6432`; no TCP port to choose
/// or collide on), forwards every database name to the server as `postgres` (whose loopback
/// connections are trusted), and runs as `postgres` when started by root: PgBouncer refuses to
/// run as root. ``stop()`` blocks (it is also called at process exit); call it at shut-down.
public struct PgBouncer: Sendable {
  public let directory: String
  public static let socketPort = 6432

  public init(directory: String) {
    self.directory = directory
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// libpq connection string for `database`, through the pooler.
  public func conninfo(database: String) -> String {
    "host=\(self.directory) port=\(Self.socketPort) user=postgres dbname=\(database) "
      + "connect_timeout=5"
  }

  /// The configuration file's text. `poolSize` server connections per database (PostgreSQL's
  /// `max_connections` must hold them); clients beyond that wait for a transaction to end, which
  /// is the point of a transaction pooler.
  public static func configuration(
    directory: String,
    serverPort: Int,
    poolSize: Int
  ) -> String {
    """
    [databases]
    * = host=127.0.0.1 port=\(serverPort) user=postgres

    [pgbouncer]
    pool_mode = transaction
    listen_addr =
    listen_port = \(Self.socketPort)
    unix_socket_dir = \(directory)
    auth_type = trust
    auth_file = \(directory)/users.txt
    default_pool_size = \(poolSize)
    max_client_conn = 2000
    logfile = \(directory)/pgbouncer.log
    pidfile = \(directory)/pgbouncer.pid
    ignore_startup_parameters = extra_float_digits

    """
  }

  /// Writes the configuration into `directory`, starts PgBouncer (daemonized) in front of the
  /// server on 127.0.0.1:`serverPort`, and waits until its socket accepts connections. A
  /// PgBouncer left running in that folder by an earlier start is stopped first.
  public static func start(
    in directory: String,
    serverPort: Int,
    poolSize: Int = 60
  ) async throws -> PgBouncer {
    let bouncer = PgBouncer(directory: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    await bouncer.stop()
    let ini = directory + "/pgbouncer.ini"
    try Self.configuration(directory: directory, serverPort: serverPort, poolSize: poolSize)
      .write(toFile: ini, atomically: true, encoding: .utf8)
    try "\"postgres\" \"\"\n".write(
      toFile: directory + "/users.txt",
      atomically: true,
      encoding: .utf8
    )
    let executable = "/usr/sbin/pgbouncer"
    guard FileManager.default.isExecutableFile(atPath: executable) else {
      throw Failure(description: "\(executable) is missing (Debian package pgbouncer)")
    }
    var command = [executable, "-d", ini]
    if getuid() == 0 {
      try await Self.run("/bin/chown", ["-R", "postgres:postgres", directory])
      command = ["/sbin/runuser", "-u", "postgres", "--"] + command
    }
    try await Self.run(command[0], Array(command.dropFirst()))
    try await bouncer.waitUntilAccepting(deadline: Date().addingTimeInterval(30))
    return bouncer
  }

  /// Stops a PgBouncer running from this folder (SIGINT: safe shutdown, after the transactions
  /// in flight), if any, and returns once it has gone: SIGKILL after 10 s. It waits without
  /// blocking a thread (erp-run stops it from its cooperative pool).
  public func stop() async {
    guard let pid = self.runningPID() else { return }
    kill(pid, SIGINT)
    let deadline = ContinuousClock.now + .seconds(10)
    while kill(pid, 0) == 0 && ContinuousClock.now < deadline {
      do { try await Task.sleep(for: .milliseconds(20)) } catch { break }
    }
    self.finish(pid)
  }

  /// The same for an `atexit` handler, where nothing can be awaited: blocks its thread.
  public func stopAtExit() {
    guard let pid = self.runningPID() else { return }
    kill(pid, SIGINT)
    let deadline = ContinuousClock.now + .seconds(10)
    while kill(pid, 0) == 0 && ContinuousClock.now < deadline { usleep(20_000) }
    self.finish(pid)
  }

  /// The pid in this folder's pidfile, if any.
  private func runningPID() -> Int32? {
    guard
      let text = try? String(contentsOfFile: self.directory + "/pgbouncer.pid", encoding: .utf8)
    else { return nil }
    return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// Kills `pid` if the signal did not end it, and removes the pidfile.
  private func finish(_ pid: Int32) {
    if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    try? FileManager.default.removeItem(atPath: self.directory + "/pgbouncer.pid")
  }

  /// Polls the socket until a connection is accepted (PgBouncer writes its pidfile before it
  /// listens), failing at `deadline` with the end of its log.
  private func waitUntilAccepting(deadline: Date) async throws {
    let path = "\(self.directory)/.s.PGSQL.\(Self.socketPort)"
    while true {
      if Self.accepts(path) { return }
      guard Date() < deadline else {
        let log =
          (try? String(contentsOfFile: self.directory + "/pgbouncer.log", encoding: .utf8))
          ?? ""
        throw Failure(
          description: "PgBouncer did not accept connections: \(log.suffix(500))"
        )
      }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  private static func accepts(_ path: String) -> Bool {
    let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return false }
    defer { close(socket) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard path.utf8.count < capacity else { return false }
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
    }
    return withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
      }
    }
  }

  /// Like `pg_ctl start`, the daemon keeps inherited pipes open: its output goes to /dev/null.
  private static func run(_ executable: String, _ arguments: [String]) async throws {
    try await ChildProcess.run(executable, arguments, discardOutput: true)
  }
}
