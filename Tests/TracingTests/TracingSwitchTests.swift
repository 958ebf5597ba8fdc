import ERPRuntime
import ERPStore
import Logging
import Testing
import Tracing

@Suite("Tracing: on only when the OTEL_* variables ask for it")
struct TracingSwitchTests {
  let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

  @Test("no OTEL_* variables, OTEL_SDK_DISABLED or exporter none: no tracer at all")
  func off() throws {
    for variables in [
      [:], ["OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
      ["OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
      ["OTEL_SERVICE_NAME": "x"],
    ] as [[String: String]] {
      #expect(!ServiceTracing.isRequested(by: variables), "\(variables)")
      #expect(
        try ServiceTracing.backend(service: "erp-x", variables: variables, logger: self.logger)
          == nil
      )
    }
  }

  @Test("an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp: a tracer that makes real spans")
  func on() throws {
    for variables in [
      ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"],
      ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"],
      [
        "OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.5",
      ],
    ] as [[String: String]] {
      #expect(ServiceTracing.isRequested(by: variables), "\(variables)")
      let backend = try #require(
        try ServiceTracing.backend(service: "erp-x", variables: variables, logger: self.logger)
      )
      #expect(backend.tracer.isOn)
    }
  }

  @Test("an unknown sampler is a start-up error naming the variable")
  func badSampler() {
    let error = #expect(throws: (any Error).self) {
      _ = try ServiceTracing.backend(
        service: "erp-x",
        variables: ["OTEL_TRACES_EXPORTER": "otlp", "OTEL_TRACES_SAMPLER": "sometimes"],
        logger: self.logger
      )
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains("OTEL_TRACES_SAMPLER"))
  }

  @Test("log lines inside a span carry its trace_id and span_id; outside, none")
  func logMetadata() async throws {
    let backend = try #require(
      try ServiceTracing.backend(
        service: "erp-x",
        variables: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"],
        logger: self.logger
      )
    )
    #expect(Logger.MetadataProvider.erpService.get()["trace_id"] == nil)
    try await backend.tracer.withSpan("work") { span in
      let metadata = Logger.MetadataProvider.erpService.get()
      let traceID = try #require(metadata["trace_id"])
      #expect("\(traceID)".count == 32)
      #expect(metadata["span_id"].map { "\($0)".count } == 16)
      _ = span
    }
  }
}
