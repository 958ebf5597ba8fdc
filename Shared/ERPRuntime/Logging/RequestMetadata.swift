public import Logging
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

/// Process-wide logging set-up: one line per record on standard error, with request metadata.
/// `LoggingSystem` may be bootstrapped once per process; later calls are ignored.
public enum ServiceLogging {
  private static let once: Void = {
    LoggingSystem.bootstrap(
      { label, provider in StreamLogHandler.standardError(label: label, metadataProvider: provider)
      },
      metadataProvider: .erpService
    )
  }()

  public static func logger(_ label: String, level: Logger.Level) -> Logger {
    _ = Self.once
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
  }
}
