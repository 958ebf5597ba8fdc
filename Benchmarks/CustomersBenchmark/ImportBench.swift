import BenchmarkSupport
import Customers
import ERPDevCluster
import ERPProtos
import ERPStore
import ERPTransport
import Foundation
import GRPCCore

/// 100,000 rows through ImportCustomers over real TCP, against COPY (psql \copy, CSV) of the
/// same customers, emails and phones into the same tables of another tenant.
enum ImportBench {
  static func row(_ number: Int) -> (name: String, email: String, phone: String) {
    (
      number % 2 == 0 ? "عميل رقم \(number)" : "Customer \(number)", "c\(number)@example.com",
      "+9665\(String(format: "%08d", number))"
    )
  }

  static func run(_ server: BenchServer, rows count: Int) async throws -> Double {
    let ours = try TenantID(validating: "imported")
    let reference = try TenantID(validating: "copied")
    return try await server.customers("bench_import", tenants: [ours, reference]) { client, _ in
      try await Self.compare(server, client, rows: count, ours: ours, reference: reference)
    }
  }

  /// COPY into `reference`'s tables, then the import into `ours` through `client`.
  private static func compare(
    _ server: BenchServer,
    _ client: GRPCClient<ERPTransport.Client>,
    rows count: Int,
    ours: TenantID,
    reference: TenantID
  ) async throws -> Double {
    // COPY: the rows as the import would store them, into the reference tenant's tables.
    let directory = NSTemporaryDirectory() + "erp-import-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var customers = ""
    var emails = ""
    var phones = ""
    for number in 1...count {
      let row = Self.row(number)
      customers +=
        "C-\(number),legacy-\(number),organisation,\(row.name),"
        + "\(SearchKey.of(row.name)),\"\",{imported},\"\",customer,\"{}\"\n"
      emails += "\(number),\(row.email)\n"
      phones += "\(number),\(row.phone)\n"
    }
    for (file, text) in [
      ("customers.csv", customers), ("emails.csv", emails), ("phones.csv", phones),
    ] {
      try text.write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
    }
    if getuid() == 0 {
      try await ChildProcess.run("/bin/chown", ["-R", "postgres", directory])
    }
    let psql = try PrivateCluster.binDirectory() + "/psql"
    let schema = reference.schema
    let copyStart = ContinuousClock.now
    _ = try await Self.run(
      psql,
      [
        server.conninfo + " dbname=bench_import", "-v", "ON_ERROR_STOP=1", "-c",
        "\\copy \"\(schema)\".customer (number, external_id, kind, name, search_name, "
          + "tax_number, tags, owner_id, stage, address) FROM '\(directory)/customers.csv' CSV",
      ]
    )
    _ = try await Self.run(
      psql,
      [
        server.conninfo + " dbname=bench_import", "-v", "ON_ERROR_STOP=1",
        "-c", "\\copy \"\(schema)\".customer_email FROM '\(directory)/emails.csv' CSV",
      ]
    )
    _ = try await Self.run(
      psql,
      [
        server.conninfo + " dbname=bench_import", "-v", "ON_ERROR_STOP=1",
        "-c", "\\copy \"\(schema)\".customer_phone FROM '\(directory)/phones.csv' CSV",
      ]
    )
    let copySeconds = Measure.seconds(copyStart.duration(to: .now))

    // Ours: the RPC, streamed over TCP from a client in this process (the tenant bound).
    let start = ContinuousClock.now
    let summary = try await Erp_Customers_V1_Customers.Client(wrapping: client).importCustomers {
      writer in
      for number in 1...count {
        let data = Self.row(number)
        var row = Erp_Customers_V1_ImportRow()
        row.rowNumber = Int64(number)
        row.externalID = "legacy-\(number)"
        row.customer.kind = .organisation
        row.customer.name = data.name
        row.customer.emails = [data.email]
        row.customer.phones = [data.phone]
        row.customer.tags = ["imported"]
        row.customer.stage = .customer
        try await writer.write(row)
      }
    }
    let importSeconds = Measure.seconds(start.duration(to: .now))
    precondition(
      summary.created == Int64(count) && summary.errors.isEmpty,
      "import incomplete: \(summary)"
    )
    say(
      "COPY (customers, emails, phones): \(Measure.format(copySeconds, 1)) s, \(Measure.format(Double(count) / copySeconds, 0)) rows/s"
    )
    say(
      "ImportCustomers over TCP: \(Measure.format(importSeconds, 1)) s, \(Measure.format(Double(count) / importSeconds, 0)) rows/s"
    )
    let ratio = copySeconds / importSeconds
    say("ratio import / COPY throughput: \(Measure.format(ratio)) (target ≥ 0.5)")
    return ratio
  }

  /// Runs `executable` as the postgres user when we are root (psql's COPY reads its files).
  static func run(_ executable: String, _ arguments: [String]) async throws -> String {
    guard getuid() == 0 else { return try await ChildProcess.run(executable, arguments) }
    return try await ChildProcess.run(
      "/sbin/runuser",
      ["-u", "postgres", "--", executable] + arguments
    )
  }
}
