import ERPDevCluster
public import Foundation
import NIOConcurrencyHelpers

/// Runs programs from the tests without blocking a thread of the cooperative pool.
public enum Subprocess {
  public struct Output: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
  }

  /// Runs `executable` (looked up on PATH unless a path) to completion, through ERPDevCluster's
  /// ``ChildProcess``: both pipes are read while it runs, so a chatty program cannot fill a pipe
  /// and stall.
  public static func run(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil
  ) async throws -> Output {
    let output = try await ChildProcess.collect(executable, arguments, environment: environment)
    return Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
  }

  /// The repository's root, found from this file's path.
  public static var repositoryRoot: URL {
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  }

  /// An executable of this package, from the build folder the tests themselves run from
  /// (`make test` builds every product before testing).
  public static func builtProduct(_ name: String) throws -> String {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [folder.appendingPathComponent(name).path]
    // swift-testing may run from inside the .xctest bundle folder.
    candidates.append(folder.deletingLastPathComponent().appendingPathComponent(name).path)
    candidates.append(
      repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
    )
    guard let found = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
      throw Failure(
        description: "\(name) is not built (looked in \(candidates)); run `swift build` first"
      )
    }
    return found
  }
}

/// A program left running while a test talks to it (a ``SupervisedChild``): its output is
/// collected as it arrives.
public final class RunningProcess: Sendable {
  private let child: SupervisedChild
  private let collected: NIOLockedValueBox<String>

  public init(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]
  ) async throws {
    let collected = NIOLockedValueBox("")
    self.collected = collected
    self.child = try await SupervisedChild.start(
      executable,
      arguments,
      environment: environment,
      output: .lines { line in collected.withLockedValue { $0 += line + "\n" } }
    )
  }

  public typealias Failure = Subprocess.Failure

  /// Everything it printed so far.
  public var output: String { self.collected.withLockedValue { $0 } }

  /// Its process id.
  public var pid: pid_t { self.child.pid }

  /// Whether it has not exited yet.
  public var isRunning: Bool { self.child.isRunning }

  /// Waits until its output contains `text`; fails if it exits first or after `timeout`.
  public func waitFor(_ text: String, timeout: Duration) async throws {
    let deadline = ContinuousClock.now + timeout
    while !self.output.contains(text) {
      guard self.child.isRunning else {
        throw Failure(description: "exited before printing \"\(text)\":\n\(self.output)")
      }
      guard ContinuousClock.now < deadline else {
        throw Failure(description: "no \"\(text)\" within \(timeout):\n\(self.output)")
      }
      try await Task.sleep(for: .milliseconds(100))
    }
  }

  public func signal(_ number: Int32) { self.child.signal(number) }

  /// Waits for it to exit and returns its status (128 + the signal when a signal ended it).
  public func waitForExit() async throws -> Int32 { try await self.child.waitForExit().code }
}
