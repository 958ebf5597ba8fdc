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
    let cluster = try await Blocking.run { try PrivateCluster.start(in: directory, durable: false) }
    try await Blocking.run { try cluster.stop() }

    // A live process of the user PostgreSQL runs as, standing in for whoever got the old pid.
    let stranger = Process()
    if getuid() == 0 {
      stranger.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
      stranger.arguments = [
        "--reuid=postgres", "--regid=postgres", "--clear-groups", "sleep", "300",
      ]
    } else {
      stranger.executableURL = URL(fileURLWithPath: "/bin/sleep")
      stranger.arguments = ["300"]
    }
    // Not the test's own output: `swift test` reads it to the end, and a stand-in left behind
    // by a failed test would hold it open for its whole sleep.
    stranger.standardOutput = FileHandle.nullDevice
    stranger.standardError = FileHandle.nullDevice
    try stranger.run()
    defer { stranger.terminate() }
    let pidFile = directory + "/data/postmaster.pid"
    try "\(stranger.processIdentifier)\n\(directory)/data\n1700000000\n\(cluster.port)\n"
      .write(toFile: pidFile, atomically: false, encoding: .utf8)
    if getuid() == 0 { _ = try await Subprocess.run("chown", ["postgres", pidFile]) }

    let again = try await Blocking.run { try PrivateCluster.start(in: directory, durable: false) }
    try await Blocking.run { try again.createDatabase("erp_stale_pid") }
    #expect(again.port == cluster.port)
    try await Blocking.run { try again.stop() }
  }
}
