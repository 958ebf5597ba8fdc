import ERPRuntime
import ERPTestSupport
import Foundation
import Logging
import Testing

@Suite("JSON log lines (ERP_LOG_FORMAT=json)")
struct JSONLogHandlerTests {
  private func logger(_ lines: LogLines, provider: Logger.MetadataProvider? = nil) -> Logger {
    var logger = Logger(label: "erp-test") {
      JSONLogHandler(label: $0, metadataProvider: provider, write: lines.append)
    }
    logger.logLevel = .trace
    return logger
  }

  @Test(
    "any message is one line that parses back to itself",
    arguments: [
      "nul \u{0} inside", "new\nline and \r\n", #"quotes " and \ backslash"#,
      "نص عربي يعود كما هو", "control \u{1} \u{1F} \u{7F}", "emoji 🧾 and \u{2028} separator",
      String(repeating: "x", count: 10_000),
    ]
  )
  func hostileMessages(message: String) throws {
    let lines = LogLines()
    self.logger(lines).info("\(message)", metadata: ["field": "\(message)"])
    let objects = try lines.objects()
    #expect(objects.count == 1)
    #expect(objects.first?["message"] as? String == message)
    #expect((objects.first?["metadata"] as? [String: Any])?["field"] as? String == message)
  }

  @Test("trace_id and span_id from a metadata provider are written at the top level")
  func providerFields() throws {
    let lines = LogLines()
    let tracing = Logger.MetadataProvider {
      ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"]
    }
    var logger = self.logger(lines, provider: tracing)
    logger[metadataKey: "service"] = "sales"
    logger.warning(
      "reserved",
      metadata: ["tenant": "acme", "request_id": "r-1", "lines": ["1", "2"], "n": "3"]
    )
    let object = try #require(try lines.objects().first)
    #expect(object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
    #expect(object["span_id"] as? String == "00f067aa0ba902b7")
    #expect(object["service"] as? String == "sales")
    #expect(object["tenant"] as? String == "acme")
    #expect(object["request_id"] as? String == "r-1")
    #expect(object["level"] as? String == "warning")
    #expect(object["logger"] as? String == "erp-test")
    let metadata = try #require(object["metadata"] as? [String: Any])
    #expect(metadata["lines"] as? [String] == ["1", "2"])
    #expect(metadata["n"] as? String == "3")
    #expect(metadata["trace_id"] == nil)
    let time = try #require(object["time"] as? String)
    #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
  }

  @Test("without a provider or metadata the optional fields are absent, not empty")
  func absentFields() throws {
    let lines = LogLines()
    self.logger(lines).info("plain")
    let object = try #require(try lines.objects().first)
    for key in JSONLogHandler.liftedKeys + ["metadata"] { #expect(object[key] == nil) }
    #expect(object["message"] as? String == "plain")
  }

  @Test("ERP_LOG_FORMAT: json or text (the default when unset); anything else names the variable")
  func formatSetting() throws {
    func format(_ value: String?) throws -> LogFormat {
      var environment = ["ERP_DATABASE_URL": "host=x", "ERP_SERVICE_SECRET": "0123456789abcdef0"]
      environment["ERP_LOG_FORMAT"] = value
      return try ServiceConfiguration(
        service: ServiceCatalog.entry(named: "finance")!,
        options: try ServiceOptions.parse([]),
        environment: environment
      ).logFormat
    }
    #expect(try format(nil) == .text)
    #expect(try format("text") == .text)
    #expect(try format("json") == .json)
    let error = #expect(throws: (any Error).self) { try format("xml") }
    #expect("\(error.map { "\($0)" } ?? "")".contains("ERP_LOG_FORMAT"))
  }
}
