public import GRPCCore
public import Instrumentation

/// W3C trace context (`traceparent`, `tracestate`) in a call's metadata: what the tracer's
/// propagator writes and reads (wire spec, "Trace context"). An absent or malformed
/// `traceparent` is no error: the call starts a trace of its own.
public enum TraceMetadata {
  public static let traceparent = "traceparent"
  public static let tracestate = "tracestate"

  /// Writes a key the propagator sets, replacing a value already there (a caller's own
  /// `traceparent` would otherwise travel twice).
  public struct Injector: Instrumentation.Injector {
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout Metadata) {
      carrier.replaceOrAddString(value, forKey: key)
    }
  }

  /// Reads the first value of a key.
  public struct Extractor: Instrumentation.Extractor {
    public init() {}

    public func extract(key: String, from carrier: Metadata) -> String? {
      carrier.firstString(key)
    }
  }
}

/// The same keys in a plain dictionary: how the outbox keeps its writer's context.
struct DictionaryInjector: Injector {
  func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
    carrier[key] = value
  }
}

struct DictionaryExtractor: Extractor {
  func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}
