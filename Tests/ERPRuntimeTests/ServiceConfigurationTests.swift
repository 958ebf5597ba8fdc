import ArgumentParser
import ERPRuntime
import Testing

@Suite("Service configuration: flags over environment over defaults")
struct ServiceConfigurationTests {
  let finance = ServiceCatalog.entry(named: "finance")!
  let required = [
    "ERP_DATABASE_URL": "host=db dbname=erp_finance",
    "ERP_SERVICE_SECRET": "0123456789abcdef0123",
  ]

  func configuration(
    _ arguments: [String],
    _ environment: [String: String]
  ) throws
    -> ServiceConfiguration
  {
    try ServiceConfiguration(
      service: self.finance,
      options: try ServiceOptions.parse(arguments),
      environment: environment
    )
  }

  @Test("defaults come from the catalog; environment overrides them; flags override both")
  func precedence() throws {
    let defaults = try self.configuration([], self.required)
    #expect(defaults.port == 7103)
    #expect(defaults.opsPort == 8103)
    #expect(defaults.dbPoolSize == 10)
    #expect(defaults.logLevel == .info)

    var environment = self.required
    environment["ERP_PORT"] = "9000"
    environment["ERP_LOG_LEVEL"] = "debug"
    let fromEnvironment = try self.configuration([], environment)
    #expect(fromEnvironment.port == 9000)
    #expect(fromEnvironment.logLevel == .debug)

    let fromFlags = try self.configuration(
      ["--port", "9100", "--log-level", "warning"],
      environment
    )
    #expect(fromFlags.port == 9100)
    #expect(fromFlags.logLevel == .warning)
    #expect(fromFlags.databaseURL == "host=db dbname=erp_finance")
  }

  @Test("missing and malformed settings are errors naming the flag and the variable")
  func errors() throws {
    let missingDatabase = #expect(throws: ValidationError.self) {
      try self.configuration([], ["ERP_SERVICE_SECRET": "0123456789abcdef0123"])
    }
    #expect(missingDatabase?.message.contains("--database-url / ERP_DATABASE_URL") == true)

    var environment = self.required
    environment["ERP_PORT"] = "seventy"
    let badPort = #expect(throws: ValidationError.self) { try self.configuration([], environment) }
    #expect(badPort?.message.contains("ERP_PORT") == true)

    environment = self.required
    environment["ERP_SERVICE_SECRET"] = "short"
    let weakSecret = #expect(throws: ValidationError.self) {
      try self.configuration([], environment)
    }
    #expect(weakSecret?.message.contains("at least 16 bytes") == true)

    let badLevel = #expect(throws: ValidationError.self) {
      try self.configuration(["--log-level", "loud"], self.required)
    }
    #expect(badLevel?.message.contains("--log-level") == true)
  }

  @Test("peers come from ERP_PEER_<NAME> and --peer name=host:port")
  func peers() throws {
    var environment = self.required
    environment["ERP_PEER_CUSTOMERS"] = "10.0.0.1:7101,10.0.0.2:7101"
    let configuration = try self.configuration(["--peer", "sales=sales.local:7102"], environment)
    #expect(
      configuration.peers["customers"]?.map(\.description) == ["10.0.0.1:7101", "10.0.0.2:7101"]
    )
    #expect(configuration.peers["sales"]?.map(\.description) == ["sales.local:7102"])
    #expect(throws: ValidationError.self) {
      try self.configuration(["--peer", "nosuch=host:1"], self.required)
    }
  }

  @Test("the command is serve by default, or migrate-all")
  func commands() throws {
    #expect(try ServiceOptions.parse([]).command == .serve)
    #expect(try ServiceOptions.parse(["migrate-all"]).command == .migrateAll)
    #expect(throws: (any Error).self) { try ServiceOptions.parse(["explode"]) }
  }
}
