import ArgumentParser
import ERPClient
import ERPProtos
import Foundation
import GRPCCore

/// `erpctl customers …`: search, and import a CSV with a progress bar.
struct CustomersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "customers",
    abstract: "Search customers, import them from CSV.",
    subcommands: [Search.self, Import.self]
  )

  struct Search: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument(help: "Name, email, phone or tag; Arabic or Latin.") var query: String

    func run() async throws {
      var request = Erp_Customers_V1_SearchCustomersRequest()
      request.query = self.query
      let found = try await self.connection.run { [request] in
        try await $0.customers.searchCustomers(request)
      }
      if self.connection.json { return try Output.json(found) }
      Output.table(
        ["ID", "NAME", "STAGE"],
        found.results.map { [$0.customer.id, $0.customer.name, "\($0.customer.stage)"] }
      )
    }
  }

  /// A CSV with a header naming `external_id`, `name` and optionally `email`, `phone`, `kind`
  /// (organisation or individual). Rows go through the client-streaming import; a progress bar
  /// on the terminal shows how many were sent.
  struct Import: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument(help: "The CSV file (UTF-8).") var file: String
    @Option(help: "Calling code for phone numbers without one.") var countryCode = "966"

    func run() async throws {
      let rows = try CSV.rows(String(contentsOfFile: self.file, encoding: .utf8))
      guard let header = rows.first else { throw ValidationError("\(self.file) is empty") }
      let column = Dictionary(
        header.enumerated().map { ($1.lowercased(), $0) },
        uniquingKeysWith: { a, _ in a }
      )
      guard let idColumn = column["external_id"], let nameColumn = column["name"] else {
        throw ValidationError("\(self.file): the header must name external_id and name")
      }
      let records = Array(rows.dropFirst())
      let countryCode = self.countryCode
      let summary = try await self.connection.run { erp in
        try await erp.customers.importCustomers { writer in
          for (index, record) in records.enumerated() {
            func field(_ name: String) -> String {
              column[name].flatMap { $0 < record.count ? record[$0] : nil } ?? ""
            }
            var row = Erp_Customers_V1_ImportRow()
            row.rowNumber = Int64(index + 2)
            row.externalID = idColumn < record.count ? record[idColumn] : ""
            row.customer.name = nameColumn < record.count ? record[nameColumn] : ""
            row.customer.kind = field("kind") == "individual" ? .individual : .organisation
            if !field("email").isEmpty { row.customer.emails = [field("email")] }
            if !field("phone").isEmpty { row.customer.phones = [field("phone")] }
            row.defaultCountryCallingCode = countryCode
            try await writer.write(row)
            Progress.show(index + 1, of: records.count)
          }
        }
      }
      Progress.finish()
      if self.connection.json { return try Output.json(summary) }
      print(
        "\(summary.created) created, \(summary.updated) updated, \(summary.errors.count) refused"
      )
      for error in summary.errors { print("  row \(error.rowNumber): \(error.message)") }
    }
  }
}

/// `erpctl orders …`
struct OrdersCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "orders",
    abstract: "Show an order, or list a customer's orders.",
    subcommands: [Show.self, List.self]
  )

  struct Show: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument var number: String

    func run() async throws {
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = self.number
      let order = try await self.connection.run { [ref] in try await $0.orders.getOrder(ref) }
      if self.connection.json { return try Output.json(order) }
      print(
        "\(order.number)  \(order.status)  \(order.customerName)  \(Output.money(order.total.unitsMinor, order.currencyCode))"
      )
      Output.table(
        ["LINE", "SKU", "QTY", "NET", "SHIPPED"],
        order.lines.map {
          [
            "\($0.lineNumber)", $0.sku, "\($0.quantityMilli / 1000)",
            Output.money($0.netMinor, order.currencyCode),
            "\($0.shippedMilli / 1000)",
          ]
        }
      )
    }
  }

  struct List: AsyncParsableCommand {
    @OptionGroup var connection: Connection
    @Argument var customer: String

    func run() async throws {
      var request = Erp_Sales_V1_ListOrdersRequest()
      request.customerID = self.customer
      let orders = try await self.connection.run { [request] in
        try await $0.orders.listOrders(request)
      }
      if self.connection.json { return try Output.json(orders) }
      Output.table(
        ["ORDER", "STATUS", "TOTAL"],
        orders.orders.map {
          [$0.number, "\($0.status)", Output.money($0.total.unitsMinor, $0.currencyCode)]
        }
      )
    }
  }
}
