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

  /// Runs `executable` (looked up on PATH unless absolute) to completion. Both pipes are read
  /// while it runs, so a chatty program cannot fill a pipe and stall.
  public static func run(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil
  ) async throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let exited = Task<Int32, any Error> {
      try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
      }
    }
    async let stdout = Blocking.run { out.fileHandleForReading.readDataToEndOfFile() }
    async let stderr = Blocking.run { err.fileHandleForReading.readDataToEndOfFile() }
    let (outData, errData) = try await (stdout, stderr)
    return Output(
      status: try await exited.value,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self)
    )
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

/// A program left running while a test talks to it: its output is collected as it arrives.
public final class RunningProcess: Sendable {
  private let process: Process
  private let collected = NIOLockedValueBox("")
  private let exited: Task<Int32, any Error>

  public init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let collected = self.collected
    pipe.fileHandleForReading.readabilityHandler = { handle in
      let data = handle.availableData
      if data.isEmpty {
        handle.readabilityHandler = nil  // end of output: stop being called
      } else {
        collected.withLockedValue { $0 += String(decoding: data, as: UTF8.self) }
      }
    }
    self.process = process
    let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
    process.terminationHandler = {
      continuation.yield($0.terminationStatus)
      continuation.finish()
    }
    try process.run()
    self.exited = Task {
      for await status in stream { return status }
      throw Failure(description: "no exit status")
    }
  }

  public typealias Failure = Subprocess.Failure

  /// Everything it printed so far.
  public var output: String { self.collected.withLockedValue { $0 } }

  /// Waits until its output contains `text`; fails if it exits first or after `timeout`.
  public func waitFor(_ text: String, timeout: Duration) async throws {
    let deadline = ContinuousClock.now + timeout
    while !self.output.contains(text) {
      guard self.process.isRunning else {
        throw Failure(description: "exited before printing \"\(text)\":\n\(self.output)")
      }
      guard ContinuousClock.now < deadline else {
        throw Failure(description: "no \"\(text)\" within \(timeout):\n\(self.output)")
      }
      try await Task.sleep(for: .milliseconds(100))
    }
  }

  public func signal(_ number: Int32) { kill(self.process.processIdentifier, number) }

  /// Waits for it to exit and returns its status.
  public func waitForExit() async throws -> Int32 { try await self.exited.value }
}
