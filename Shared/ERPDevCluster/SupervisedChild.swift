internal import Subprocess
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How a child ended: its exit code, or the signal that ended it.
public enum ChildExit: Sendable, Hashable, CustomStringConvertible {
  case exited(Int32)
  case signaled(Int32)

  init(_ status: TerminationStatus) {
    switch status {
    case .exited(let code): self = .exited(code)
    case .signaled(let signal): self = .signaled(signal)
    }
  }

  /// As a shell reports it: the code, or 128 + the signal.
  public var code: Int32 {
    switch self {
    case .exited(let code): code
    case .signaled(let signal): 128 + signal
    }
  }

  /// `exited with status 1`, `exited with signal 9`: as erp-run's log says it.
  public var description: String {
    switch self {
    case .exited(let code): "exited with status \(code)"
    case .signaled(let signal): "exited with signal \(signal)"
    }
  }
}

/// A long-running child that outlives the call that starts it: a service erp-run supervises,
/// erp-run itself under the tests. swift-subprocess ties a child's life to the closure of its
/// `run`, which returns once the child has exited; a supervisor must instead know the pid at
/// once, go on with its work, signal the child from elsewhere (SIGTERM to drain, SIGKILL after
/// the grace period) and hear of its exit later. This helper runs that closure in a task of its
/// own and hands out the pid, the signals and the exit.
///
/// The child is in a process group of its own (`setpgid` through `posix_spawn`): Ctrl-C at the
/// terminal reaches the supervisor only, which then stops its children in order.
public final class SupervisedChild: Sendable {
  public let pid: Glibc.pid_t
  private let exit: Task<ChildExit, any Error>
  private let ended: Ended

  /// Where the child's standard output and error (merged) go.
  public enum Output: Sendable {
    /// Line by line to `handler`, called on a task of the child's, in order; a last line
    /// without a newline is delivered too.
    case lines(@Sendable (String) -> Void)
    /// To a descriptor of ours, which is closed here once the child has it.
    case fileDescriptor(Int32)
  }

  /// The exit once known; set by the child's task.
  final class Ended: Sendable {
    let exit = Mutex<ChildExit?>(nil)
  }

  private init(pid: Glibc.pid_t, exit: Task<ChildExit, any Error>, ended: Ended) {
    self.pid = pid
    self.exit = exit
    self.ended = ended
  }

  /// Starts `executable` with `arguments` and `environment` (replacing ours); returns once it
  /// runs, or throws when it cannot be started.
  public static func start(
    _ executable: String,
    _ arguments: [String] = [],
    environment: [String: String],
    output: Output
  ) async throws -> SupervisedChild {
    let configuration = ChildProcess.configuration(
      executable,
      arguments,
      environment: environment,
      ownProcessGroup: true
    )
    let (started, announce) = AsyncThrowingStream.makeStream(of: Glibc.pid_t.self)
    let ended = Ended()
    let exit = Task<ChildExit, any Error> {
      do {
        let status: TerminationStatus
        switch output {
        case .lines(let handler):
          status = try await Subprocess.run(
            configuration,
            input: .none,
            output: .sequence,
            error: .combinedWithOutput
          ) { execution in
            announce.yield(execution.processIdentifier.value)
            announce.finish()
            for try await line in execution.standardOutput.strings() { handler(line) }
          }.terminationStatus
        case .fileDescriptor(let fd):
          let file = FileDescriptorOutput.fileDescriptor(
            .init(rawValue: fd),
            closeAfterSpawningProcess: true
          )
          status = try await Subprocess.run(
            configuration,
            input: .none,
            output: file,
            error: .combinedWithOutput
          ) { execution in
            announce.yield(execution.processIdentifier.value)
            announce.finish()
          }.terminationStatus
        }
        let exit = ChildExit(status)
        ended.exit.withLock { $0 = exit }
        return exit
      } catch {
        // swift-subprocess kills a child whose output could not be read: it is gone either way.
        ended.exit.withLock { $0 = $0 ?? .signaled(SIGKILL) }
        announce.finish(throwing: error)
        throw error
      }
    }
    for try await pid in started { return SupervisedChild(pid: pid, exit: exit, ended: ended) }
    throw ChildProcess.Failure(description: "\(executable) did not start")
  }

  /// Sends `number` to the child (not to its group: a service's own children are its business).
  public func signal(_ number: Int32) { kill(self.pid, number) }

  /// Waits until it has exited (and its output has been read to the end).
  public func waitForExit() async throws -> ChildExit { try await self.exit.value }

  /// Whether its exit is still unknown (it runs, or its output is still being read).
  public var isRunning: Bool { self.ended.exit.withLock { $0 == nil } }
}
