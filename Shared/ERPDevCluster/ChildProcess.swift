internal import Subprocess

#if canImport(Glibc)
import Glibc
#endif

/// The one way erp-run, the development cluster, the tests and the benchmarks run a program to
/// completion: swift-subprocess, awaited (no thread of the cooperative pool is blocked, and the
/// child's output pipes are read while it runs). Children start with no descriptor of ours but
/// the three standard ones and with every signal at its default, both done by swift-subprocess:
/// a long-lived child such as PostgreSQL never holds one of our sockets open, and a child of
/// erp-run (which ignores SIGPIPE) or of a thread that blocked SIGALRM (pgbench `-T`) behaves as
/// if started from a shell. Running as another user is no option here but an argument
/// (`runuser -u postgres --`, see ``PrivateCluster``): swift-subprocess's `userID` would drop
/// the process group below, which it sets only through `posix_spawn`.
public enum ChildProcess {
  /// What a finished child left: its exit code (128 + the signal's number when a signal ended
  /// it, as a shell reports it) and its output.
  public struct Output: Sendable {
    public var status: Int32
    /// Standard output, with standard error in it when the streams were merged.
    public var stdout: String
    public var stderr: String
  }

  /// Where a child's standard output and error go.
  public enum Streams: Sendable {
    /// Each captured on its own.
    case separate
    /// Standard error into standard output (`2>&1`).
    case merged
    /// Both to /dev/null: `pg_ctl start`, whose server keeps inherited pipes open for ever.
    case discarded
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
  }

  /// More output than this from one program is a fault, not something to keep.
  static let outputLimit = 64 << 20

  /// Runs `executable` (a path, or a name looked up on `PATH`) with `arguments` until it exits.
  /// `environment` replaces ours when given. With `ownProcessGroup` the child gets a process
  /// group of its own: Ctrl-C at a terminal then reaches only the program that started it,
  /// which stops what it started in order.
  public static func collect(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    streams: Streams = .separate,
    ownProcessGroup: Bool = false
  ) async throws -> Output {
    let configuration = Self.configuration(
      executable,
      arguments,
      environment: environment,
      ownProcessGroup: ownProcessGroup
    )
    let limit = Self.outputLimit
    switch streams {
    case .separate:
      let result = try await Subprocess.run(
        configuration,
        output: .string(limit: limit),
        error: .string(limit: limit)
      )
      return Output(
        status: Self.code(result.terminationStatus),
        stdout: result.standardOutput,
        stderr: result.standardError
      )
    case .merged:
      let result = try await Subprocess.run(
        configuration,
        output: .string(limit: limit),
        error: .combinedWithOutput
      )
      let status = Self.code(result.terminationStatus)
      return Output(status: status, stdout: result.standardOutput, stderr: "")
    case .discarded:
      let result = try await Subprocess.run(configuration, output: .discarded, error: .discarded)
      return Output(status: Self.code(result.terminationStatus), stdout: "", stderr: "")
    }
  }

  /// Runs it as ``collect(_:_:environment:streams:ownProcessGroup:)`` does and returns its
  /// output (both streams merged unless discarded); a non-zero exit throws with that output.
  @discardableResult
  public static func run(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil,
    discardOutput: Bool = false,
    ownProcessGroup: Bool = false
  ) async throws -> String {
    let output = try await Self.collect(
      executable,
      arguments,
      environment: environment,
      streams: discardOutput ? .discarded : .merged,
      ownProcessGroup: ownProcessGroup
    )
    guard output.status == 0 else {
      throw Failure(
        description: "\(executable) \(arguments.joined(separator: " ")) failed "
          + "(status \(output.status)): \(output.stdout)"
      )
    }
    return output.stdout
  }

  /// What to run: a path, or a name looked up on `PATH`; `environment` replaces ours if given.
  static func configuration(
    _ executable: String,
    _ arguments: [String],
    environment variables: [String: String]?,
    ownProcessGroup: Bool
  ) -> Configuration {
    var environment = Environment.inherit
    if let variables {
      var custom: [Environment.Key: String] = [:]
      for (key, value) in variables {
        if let key = Environment.Key(rawValue: key) { custom[key] = value }
      }
      environment = .custom(custom)
    }
    var options = PlatformOptions()
    if ownProcessGroup { options.processGroupID = 0 }
    return Configuration(
      executable: executable.contains("/") ? .path(.init(executable)) : .name(executable),
      arguments: Arguments(arguments),
      environment: environment,
      platformOptions: options
    )
  }

  /// An exit code as a shell gives it: the code, or 128 + the signal.
  static func code(_ status: TerminationStatus) -> Int32 {
    switch status {
    case .exited(let code): return code
    case .signaled(let signal): return 128 + signal
    }
  }
}
