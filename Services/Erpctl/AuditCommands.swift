import ArgumentParser
import ERPClient
import ERPProtos
import Foundation
import GRPCCore
import SwiftProtobuf

/// `erpctl audit …`: the tenant's audit trail (`search`, API key or session with `admin`) and
/// one record's history (`history`, the read scope of the record's domain).
struct AuditCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Search the audit trail; show one record's history.",
    subcommands: [Search.self, History.self]
  )

  struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Calls made in the tenant, newest first."
    )
    @OptionGroup var connection: Connection
    @Option(help: "An API key's id or user:<id>.") var actor = ""
    @Option(help: "From this time (ISO 8601, e.g. 2026-01-31T00:00:00Z), inclusive.")
    var from: String?
    @Option(help: "Until this time (ISO 8601), exclusive.") var to: String?
    @Option(help: "A method (erp.sales.v1.Orders/ConfirmOrder) or a service ending in /.")
    var method = ""
    @Flag(help: "Only calls that change something.") var writesOnly = false
    @Option(help: "At most this many entries.") var limit: Int32 = 50
    @Option(help: "Continue after this page token.") var pageToken = ""

    func run() async throws {
      var request = Erp_Gateway_V1_SearchAuditRequest()
      request.actor = self.actor
      request.method = self.method
      request.writesOnly = self.writesOnly
      request.page.pageSize = self.limit
      request.page.pageToken = self.pageToken
      if let from = self.from { request.from = try Self.timestamp(from, option: "--from") }
      if let to = self.to { request.to = try Self.timestamp(to, option: "--to") }
      let found = try await self.connection.run { [request] in
        try await $0.audit.searchAudit(request)
      }
      if self.connection.json { return try Output.json(found) }
      Output.table(
        ["ID", "AT", "ACTOR", "METHOD", "RECORD", "CODE", "REQUEST", "FROM"],
        found.entries.map {
          [
            String($0.id), ISO8601DateFormatter().string(from: $0.at.date), $0.actor, $0.method,
            $0.recordID, $0.code, $0.requestID, $0.sourceAddress,
          ]
        }
      )
      if !found.page.nextPageToken.isEmpty {
        print("\nmore: --page-token \(found.page.nextPageToken)")
      }
    }

    static func timestamp(_ text: String, option: String) throws -> Google_Protobuf_Timestamp {
      guard let date = ISO8601DateFormatter().date(from: text) else {
        throw ValidationError("\(option): not an ISO 8601 time such as 2026-01-31T00:00:00Z")
      }
      return Google_Protobuf_Timestamp(date: date)
    }
  }

  struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "One record's changes, oldest first, with the fields each update changed."
    )
    @OptionGroup var connection: Connection
    @Argument(help: "customer, opportunity, order, invoice, item or employee.") var type: String
    @Argument(help: "The record's id (C-000001, SO-000001, an item's SKU, …).") var id: String
    @Option(help: "At most this many entries.") var limit: Int32 = 100

    func run() async throws {
      var request = Erp_Gateway_V1_HistoryRequest()
      request.recordType = self.type
      request.recordID = self.id
      request.page.pageSize = self.limit
      let history = try await self.connection.run { [request] in
        try await $0.audit.history(request)
      }
      if self.connection.json { return try Output.json(history) }
      Output.table(
        ["#", "AT", "EVENT", "BY", "METHOD", "CHANGES"],
        history.entries.map { entry in
          [
            String(entry.sequence), ISO8601DateFormatter().string(from: entry.at.date),
            entry.event, entry.callerID, entry.method,
            entry.changes.map { "\($0.field): \($0.beforeJson) → \($0.afterJson)" }
              .joined(separator: "; "),
          ]
        }
      )
    }
  }
}
