public import Logging
import NIOConcurrencyHelpers
import OTel

extension Logger.MetadataProvider {
  /// Adds the tenant and request id of the call being handled (the task-locals the interceptors
  /// bind) to every log line, so a handler's logs need no plumbing to be traceable.
  public static let erpRequestContext = Logger.MetadataProvider {
    var metadata: Logger.Metadata = [:]
    if let tenant = RequestContext.tenant { metadata["tenant"] = "\(tenant.slug)" }
    if let requestID = RequestContext.requestID { metadata["request_id"] = "\(requestID)" }
    return metadata
  }
}

/// How a service writes its log lines (`ERP_LOG_FORMAT`).
public enum LogFormat: String, Sendable {
  /// swift-log's human format, for a terminal: the default.
  case text
  /// One JSON object per line (``JSONLogHandler``), for containers and log collectors.
  case json
}

extension Logger.MetadataProvider {
  /// What every service log line carries: ``erpRequestContext``, and the `trace_id`,
  /// `span_id` and `trace_flags` of the current span (swift-otel's provider; nothing when the
  /// call is not traced).
  public static let erpService = Logger.MetadataProvider {
    var metadata = Self.erpRequestContext.get()
    metadata.merge(Self.spanContext.get()) { own, _ in own }
    return metadata
  }

  private static let spanContext = OTel.makeLoggingMetadataProvider()
}

/// Process-wide logging set-up: one line per record on standard error, with request metadata,
/// in the format asked for. `LoggingSystem` may be bootstrapped once per process: the first
/// call decides the format, later calls reuse it.
public enum ServiceLogging {
  private static let bootstrapped = NIOLockedValueBox(false)

  public static func logger(
    _ label: String,
    level: Logger.Level,
    format: LogFormat = .text
  ) -> Logger {
    Self.bootstrapped.withLockedValue { done in
      guard !done else { return }
      done = true
      switch format {
      case .text:
        LoggingSystem.bootstrap(
          { StreamLogHandler.standardError(label: $0, metadataProvider: $1) },
          metadataProvider: .erpService
        )
      case .json:
        LoggingSystem.bootstrap(
          { JSONLogHandler(label: $0, metadataProvider: $1) },
          metadataProvider: .erpService
        )
      }
    }
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
  }
}
