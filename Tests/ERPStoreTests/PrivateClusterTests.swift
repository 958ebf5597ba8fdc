import ERPDevCluster
import ERPStore
import ERPTestSupport
import Foundation
import Testing

@Suite("The private cluster behind make run, after a hard stop")
struct PrivateClusterTests {
  /// PostgreSQL killed (or the machine restarted) leaves `postmaster.pid` behind, and its pid may
  /// since belong to another program of the same user: `pg_ctl status` then reports a server
  /// that is not there. Starting again must see through it and start PostgreSQL.
  @Test("a postmaster.pid naming a live process that is not PostgreSQL does not stop a start")
  func stalePidFile() async throws {
    let directory =
      NSTemporaryDirectory() + "erp-stale-pid-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let cluster = try await PrivateCluster.start(in: directory, durable: false)
    try await cluster.stop()

    // A live process of the user PostgreSQL runs as, standing in for whoever got the old pid.
    // (setpriv is just an argument in front: running as another user needs nothing else.)
    let sleep = ["/bin/sleep", "300"]
    let command =
      getuid() == 0
      ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"] + sleep
      : sleep
    // Not the test's own output: `swift test` reads it to the end, and a stand-in left behind
    // by a failed test would hold it open for its whole sleep.
    let stranger = try await SupervisedChild.start(
      command[0],
      Array(command.dropFirst()),
      environment: ProcessInfo.processInfo.environment,
      output: .fileDescriptor(open("/dev/null", O_WRONLY | O_CLOEXEC))
    )
    defer { stranger.signal(SIGTERM) }
    let pidFile = directory + "/data/postmaster.pid"
    try "\(stranger.pid)\n\(directory)/data\n1700000000\n\(cluster.port)\n"
      .write(toFile: pidFile, atomically: false, encoding: .utf8)
    if getuid() == 0 { _ = try await Subprocess.run("chown", ["postgres", pidFile]) }

    let again = try await PrivateCluster.start(in: directory, durable: false)
    try await again.createDatabase("erp_stale_pid")
    #expect(again.port == cluster.port)
    try await again.stop()
  }
}
