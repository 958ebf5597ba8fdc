import ERPDevCluster

#if canImport(Glibc)
import Glibc
#endif

/// One service started as its own process, in its own process group, with its standard output
/// and error read line by line and echoed with its name in front: `[finance] …`. A
/// ``SupervisedChild`` (ERPDevCluster), which also starts it with the default signal
/// dispositions although erp-run ignores SIGPIPE (see main.swift).
final class ServiceProcess: Sendable {
  let name: String
  private let child: SupervisedChild

  var pid: pid_t { self.child.pid }

  private init(name: String, child: SupervisedChild) {
    self.name = name
    self.child = child
  }

  /// Starts `executable`.
  static func start(
    name: String,
    executable: String,
    environment: [String: String],
    output: LinePrinter
  ) async throws -> ServiceProcess {
    let prefix = "[\(name)] "
    let child = try await SupervisedChild.start(
      executable,
      environment: environment,
      output: .lines { output.print(prefix + $0) }
    )
    return ServiceProcess(name: name, child: child)
  }

  /// `handler` hears how it ended once it has exited (at once if it already has). Asked for
  /// after the supervisor has recorded it as running, so that no exit comes before that.
  func whenExited(_ handler: @escaping @Sendable (ChildExit) -> Void) {
    let child = self.child
    Task {
      // A failure to read its output counts as a kill: it is started again.
      handler((try? await child.waitForExit()) ?? .signaled(SIGKILL))
    }
  }

  /// Whether it has not exited yet.
  var isRunning: Bool { self.child.isRunning }

  /// Asks the service to drain and stop.
  func terminate() { self.child.signal(SIGTERM) }

  /// Stops it at once (after the drain period has passed).
  func forceKill() { self.child.signal(SIGKILL) }
}

/// Writes whole lines to standard output, one `write` each, so lines of several services never
/// interleave mid-line.
struct LinePrinter: Sendable {
  func print(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes {
        write(STDOUT_FILENO, $0.baseAddress, $0.count)
      }
      if count <= 0 {
        if errno == EINTR { continue }
        return
      }
      written += count
    }
  }
}
