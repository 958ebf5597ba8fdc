import ERPStore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `erp-<service> migrate-all`: brings every tenant schema up to the latest migration and exits.
/// On a terminal it draws a progress bar; in logs (not a terminal) it writes a plain line every
/// tenth of the way, so a deploy job's output stays readable.
enum MigrateAllCommand {
  static func run(
    definition: ServiceDefinition,
    configuration: ServiceConfiguration,
    logger: Logger
  ) async throws {
    var poolConfig = ConnectionPool.Config(conninfo: configuration.databaseURL)
    poolConfig.maxConnections = 1
    let pool = ConnectionPool(config: poolConfig)
    defer { Task { await pool.shutdown() } }
    let progress = MigrationProgress(onTerminal: isatty(STDERR_FILENO) == 1, logger: logger)
    let started = ContinuousClock.now
    try await definition.prepareDatabase(pool)
    let migrated = try await pool.migrateAll(migrations: definition.migrations) { done, total in
      progress.report(done: done, total: total)
    }
    progress.finish()
    let tenants = try await pool.listTenants().count
    logger.info(
      "migrate-all done",
      metadata: [
        "tenants": "\(tenants)", "migrated": "\(migrated)",
        "seconds": "\(started.duration(to: .now))",
      ]
    )
    await pool.shutdown()
  }
}

/// Progress of a migrate-all run, drawn as a bar or logged as lines.
struct MigrationProgress: Sendable {
  let onTerminal: Bool
  let logger: Logger

  func report(done: Int, total: Int) {
    if self.onTerminal {
      FileHandle.standardError.write(Data(Self.bar(done: done, total: total).utf8))
    } else if Self.isMilestone(done: done, total: total) {
      self.logger.info("migrating tenants", metadata: ["done": "\(done)", "total": "\(total)"])
    }
  }

  func finish() {
    if self.onTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  /// `\r[#########...........]  450/1000 tenants  45%`, redrawn in place.
  static func bar(done: Int, total: Int, width: Int = 30) -> String {
    let fraction = total == 0 ? 1.0 : Double(done) / Double(total)
    let filled = Int(fraction * Double(width))
    let percent = Int(fraction * 100)
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    return "\r[\(bar)] \(done)/\(total) tenants \(percent)%"
  }

  /// Every tenth of the way, and the last one.
  static func isMilestone(done: Int, total: Int) -> Bool {
    done == total || (done * 10 / max(total, 1)) != ((done - 1) * 10 / max(total, 1))
  }
}
