import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What erp-run keeps in its run folder (`.erp`) besides PostgreSQL: a lock held while it runs
/// (one erp-run per folder), the operator token (created once, reused, readable by its owner
/// only), and the pids of the services it started, so that the next erp-run can stop services
/// left running when this one was killed outright.
struct RunFolder {
  let path: String

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  var operatorTokenFile: String { self.path + "/operator-token" }
  var partnerKeyFile: String { self.path + "/demo-partner-key" }
  private var lockFile: String { self.path + "/erp-run.lock" }
  private var servicesFile: String { self.path + "/services.pid" }

  /// Takes the folder's lock for the rest of this process's life. The kernel drops it when the
  /// process ends, however it ends; close-on-exec keeps it out of PostgreSQL and the services.
  func lock() throws {
    try FileManager.default.createDirectory(atPath: self.path, withIntermediateDirectories: true)
    let fd = open(self.lockFile, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw Failure(
        description: "cannot open \(self.lockFile): \(String(cString: strerror(errno)))"
      )
    }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      close(fd)
      throw Failure(description: "another erp-run is using \(self.path)")
    }
    // The descriptor stays open (and locked) until the process exits.
  }

  /// The operator token in `operator-token`, made (32 random bytes, hex, mode 0600) when the
  /// file does not exist yet.
  func operatorToken() throws -> String {
    if let saved = try? String(contentsOfFile: self.operatorTokenFile, encoding: .utf8) {
      let token = saved.trimmingCharacters(in: .whitespacesAndNewlines)
      if !token.isEmpty {
        chmod(self.operatorTokenFile, 0o600)
        return token
      }
    }
    var generator = SystemRandomNumberGenerator()
    let token = (0..<32).map { _ in
      let byte = UInt8.random(in: 0...255, using: &generator)
      return String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16)
    }.joined()
    try self.writePrivately(token + "\n", to: self.operatorTokenFile)
    return token
  }

  /// Writes `text` to a new file only its owner can read, replacing any earlier one.
  private func writePrivately(_ text: String, to file: String) throws {
    let temporary = file + ".new"
    unlink(temporary)
    let fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))")
    }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count, rename(temporary, file) == 0 else {
      unlink(temporary)
      throw Failure(description: "cannot write \(file): \(String(cString: strerror(errno)))")
    }
  }

  /// Records the services now running (`pid executable` per line).
  func recordServices(_ running: [(pid: pid_t, executable: String)]) {
    let text = running.map { "\($0.pid) \($0.executable)\n" }.joined()
    try? text.write(toFile: self.servicesFile, atomically: true, encoding: .utf8)
  }

  /// Stops the services an earlier erp-run of this folder left running (it was killed before
  /// it could stop them): each recorded pid that is still that executable gets SIGTERM, then
  /// SIGKILL after `grace`. Returns the names of the executables stopped.
  func stopLeftovers(grace: Duration) async -> [String] {
    guard let text = try? String(contentsOfFile: self.servicesFile, encoding: .utf8) else {
      return []
    }
    var left: [(pid_t, String)] = []
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", maxSplits: 1)
      guard fields.count == 2, let pid = pid_t(fields[0]) else { continue }
      let executable = String(fields[1])
      if Self.isRunning(pid, executable) {
        kill(pid, SIGTERM)
        left.append((pid, executable))
      }
    }
    let deadline = ContinuousClock.now + grace
    for (pid, executable) in left {
      while Self.isRunning(pid, executable) {
        if ContinuousClock.now >= deadline {
          kill(pid, SIGKILL)
          break
        }
        try? await Task.sleep(for: .milliseconds(50))
      }
    }
    unlink(self.servicesFile)
    return left.map { URL(fileURLWithPath: $0.1).lastPathComponent }
  }

  /// Whether `pid` is alive and runs `executable` (a pid reused by another program is not).
  private static func isRunning(_ pid: pid_t, _ executable: String) -> Bool {
    guard pid > 0, kill(pid, 0) == 0 else { return false }
    // An executable rebuilt since it started shows as "<path> (deleted)".
    let image = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"))
      .map { $0.hasSuffix(" (deleted)") ? String($0.dropLast(10)) : $0 }
    return image.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
      == URL(fileURLWithPath: executable).standardizedFileURL.path
  }
}
