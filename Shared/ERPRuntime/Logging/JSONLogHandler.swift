import Foundation
public import Logging
import NIOConcurrencyHelpers

/// A swift-log handler writing one JSON object per line (`ERP_LOG_FORMAT=json`), for containers
/// and log collectors, which have no terminal to read the human format on:
///
/// ```json
/// {"level":"info","logger":"erp-sales","message":"rpc","metadata":{"code":"ok","ms":"3"},
///  "request_id":"r-1","service":"sales","source":"ERPRuntime","tenant":"acme",
///  "time":"2026-12-01T16:03:10.123Z","trace_id":"…","span_id":"…"}
/// ```
///
/// `time` is RFC 3339 in UTC with milliseconds. `service`, `tenant`, `request_id`, `trace_id`
/// and `span_id` are lifted from the metadata (the logger's, the metadata provider's — the
/// request context's and, when tracing is on, the tracer's — and the call's, later ones winning)
/// to the top level when present; the rest of the metadata is under `metadata`. Encoding is
/// JSONSerialization's, so any message is safe: quotes, newlines, NUL and other control
/// characters are escaped, Arabic and other text is kept as UTF-8 (Swift strings hold only
/// valid scalars, so nothing invalid can reach the output).
public struct JSONLogHandler: LogHandler {
  /// Metadata keys written at the top level rather than under `metadata`.
  public static let liftedKeys = ["service", "tenant", "request_id", "trace_id", "span_id"]

  public var logLevel: Logger.Level = .info
  public var metadata: Logger.Metadata = [:]
  public var metadataProvider: Logger.MetadataProvider?
  private let label: String
  private let write: @Sendable (String) -> Void

  /// Writes each line (with its newline) with `write`; standard error when not given.
  public init(
    label: String,
    metadataProvider: Logger.MetadataProvider? = nil,
    write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError
  ) {
    self.label = label
    self.metadataProvider = metadataProvider
    self.write = write
  }

  public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { self.metadata[key] }
    set { self.metadata[key] = newValue }
  }

  public func log(event: LogEvent) {
    var metadata = self.metadata
    if let provided = self.metadataProvider?.get() {
      metadata.merge(provided) { _, new in new }
    }
    if let explicit = event.metadata {
      metadata.merge(explicit) { _, new in new }
    }
    if let error = event.error { metadata["error"] = "\(error)" }
    self.write(
      Self.line(
        time: Date(),
        level: event.level,
        message: "\(event.message)",
        label: self.label,
        source: event.source,
        metadata: metadata
      )
    )
  }

  /// RFC 3339 in UTC with milliseconds: `2026-12-01T16:03:10.123Z`.
  private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

  /// One record as a line of JSON, with its newline.
  static func line(
    time: Date,
    level: Logger.Level,
    message: String,
    label: String,
    source: String,
    metadata: Logger.Metadata
  ) -> String {
    var object: [String: Any] = [
      "time": Self.timeFormat.format(time),
      "level": level.rawValue,
      "message": message,
      "logger": label,
      "source": source,
    ]
    var rest = metadata
    for key in Self.liftedKeys {
      if let value = rest.removeValue(forKey: key) { object[key] = Self.json(value) }
    }
    if !rest.isEmpty { object["metadata"] = rest.mapValues(Self.json) }
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: object,
        options: [.sortedKeys, .withoutEscapingSlashes]
      )
    else {
      // Unreachable: the object holds only strings, arrays and dictionaries of strings.
      return #"{"level":"error","message":"unencodable log record"}"# + "\n"
    }
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  private static func json(_ value: Logger.Metadata.Value) -> Any {
    switch value {
    case .string(let string): string
    case .stringConvertible(let convertible): convertible.description
    case .array(let values): values.map(Self.json)
    case .dictionary(let values): values.mapValues(Self.json)
    }
  }

  /// Writes `line` to standard error whole: lines from concurrent tasks never interleave.
  public static let standardError: @Sendable (String) -> Void = { line in
    let data = Data(line.utf8)
    standardErrorLock.withLock { FileHandle.standardError.write(data) }
  }
}

private let standardErrorLock = NIOLock()
