import Foundation

/// A program the benchmarks run to completion (pgbench, psql, the C client), its output
/// collected from stdout and stderr together.
public enum ChildProcess {
  /// Runs `executable` with `arguments`; throws with the output when it exits non-zero.
  public static func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
      throw BenchError(
        description: "\(executable) \(arguments.joined(separator: " ")) failed:\n\(text)"
      )
    }
    return text
  }

  /// The same, waited for on a Dispatch thread: the benchmarks serve from the cooperative pool
  /// in this process, and a blocked pool thread would slow what is being measured.
  public static func output(_ executable: String, _ arguments: [String]) async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global().async {
        continuation.resume(with: Result { try Self.run(executable, arguments) })
      }
    }
  }
}
