import ArgumentParser
public import ERPStore
import Logging
import OTel
public import ServiceLifecycle

/// Whether a service traces, and its tracer: on only when the standard OpenTelemetry variables
/// ask for it (`OTEL_TRACES_EXPORTER` other than `none`, or an OTLP endpoint in
/// `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), never when
/// `OTEL_SDK_DISABLED=true`. Spans are exported by swift-otel over OTLP/HTTP (protobuf) in
/// batches, sampled by `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (default
/// `parentbased_always_on`), with `service.name` the service's executable (`erp-sales`) unless
/// `OTEL_SERVICE_NAME` says otherwise. Off, nothing is created: no tracer, no exporter, no task.
public enum ServiceTracing {
  /// A service's tracer and the background work that exports its spans (run it for as long as
  /// the service runs; on shutdown it exports what is left).
  public struct Backend: Sendable {
    public var tracer: ServiceTracer
    public var service: any Service
  }

  /// Whether `variables` turn tracing on.
  public static func isRequested(by variables: [String: String]) -> Bool {
    if variables["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
    if let exporter = variables["OTEL_TRACES_EXPORTER"], !exporter.isEmpty {
      return exporter.lowercased() != "none"
    }
    return ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains {
      !(variables[$0] ?? "").isEmpty
    }
  }

  /// The service's tracing backend, or nil when `variables` leave tracing off. Throws when the
  /// variables are invalid (an unknown sampler, an exporter this build lacks).
  public static func backend(
    service: String,
    variables: [String: String],
    logger: Logger
  ) throws -> Backend? {
    guard Self.isRequested(by: variables) else { return nil }
    let backend = try OTel.makeTracingBackend(
      configuration: Self.configuration(service: service, variables: variables, logger: logger)
    )
    return Backend(tracer: ServiceTracer(backend.factory), service: backend.service)
  }

  /// The configuration the variables describe. swift-otel reads the process environment on
  /// top of this (the same variables, in a service process); reading `variables` here as
  /// well lets the in-process system give each service settings the process does not have.
  static func configuration(
    service: String,
    variables: [String: String],
    logger: Logger
  ) throws -> OTel.Configuration {
    var configuration = OTel.Configuration.default
    configuration.serviceName = variables["OTEL_SERVICE_NAME"] ?? service
    configuration.logs.enabled = false
    configuration.metrics.enabled = false
    configuration.traces.enabled = true
    configuration.diagnosticLogger = .custom(logger)
    configuration.diagnosticLogLevel = .warning
    if let endpoint = variables["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !endpoint.isEmpty {
      configuration.traces.otlpExporter.endpoint = endpoint
    } else if let base = variables["OTEL_EXPORTER_OTLP_ENDPOINT"], !base.isEmpty {
      // Set explicitly, the endpoint is used as it is: add the signal's path as the spec says.
      configuration.traces.otlpExporter.endpoint =
        base.hasSuffix("/") ? "\(base)v1/traces" : "\(base)/v1/traces"
    }
    if let delay = variables["OTEL_BSP_SCHEDULE_DELAY"].flatMap(Int64.init) {
      configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(delay)
    }
    if let sampler = variables["OTEL_TRACES_SAMPLER"] {
      configuration.traces.sampler = try Self.sampler(sampler, variables["OTEL_TRACES_SAMPLER_ARG"])
    }
    return configuration
  }

  /// `OTEL_TRACES_SAMPLER` and its argument (the ratio of the ratio-based samplers).
  static func sampler(
    _ name: String,
    _ argument: String?
  ) throws -> OTel.Configuration.TracesConfiguration.SamplerConfiguration {
    let ratio = argument.flatMap(Double.init) ?? 1.0
    let sampler: OTel.Configuration.TracesConfiguration.SamplerConfiguration? =
      switch name.lowercased() {
      case "always_on": .alwaysOn
      case "always_off": .alwaysOff
      case "parentbased_always_on": .parentBasedAlwaysOn
      case "parentbased_always_off": .parentBasedAlwaysOff
      case "traceidratio": .traceIDRatio(ratio: ratio)
      case "parentbased_traceidratio": .parentBasedTraceIDRatio(ratio: ratio)
      default: nil
      }
    guard let sampler else {
      throw ValidationError(
        "OTEL_TRACES_SAMPLER: expected always_on, always_off, traceidratio, parentbased_always_on, "
          + "parentbased_always_off or parentbased_traceidratio (with OTEL_TRACES_SAMPLER_ARG in 0…1)"
      )
    }
    return sampler
  }
}
