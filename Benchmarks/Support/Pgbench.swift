import ERPDevCluster
import Foundation

/// pgbench, the reference the store and finance benchmarks measure against, on the same server.
public enum Pgbench {
  /// Runs pgbench with `arguments` against `conninfo` and returns its output (a ``ChildProcess``,
  /// awaited: the benchmarks serve from the cooperative pool in this process, and a blocked pool
  /// thread would slow what is being measured). Counts (`-t`) keep runs comparable.
  public static func run(_ arguments: [String], conninfo: String) async throws -> String {
    try await ChildProcess.run(
      try PrivateCluster.binDirectory() + "/pgbench",
      arguments + [conninfo]
    )
  }

  /// The transactions per second a pgbench run reports.
  public static func tps(_ output: String) throws -> Double {
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
      let tps = Double(line.dropFirst(6).prefix { $0 != " " })
    else {
      throw BenchError(description: "no tps in pgbench output:\n\(output)")
    }
    return tps
  }
}

public struct BenchError: Error, CustomStringConvertible {
  public var description: String

  public init(description: String) {
    self.description = description
  }
}
