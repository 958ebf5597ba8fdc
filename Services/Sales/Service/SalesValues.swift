import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Checks shared by the sales calls.
enum SalesValues {
  static func invalid(_ field: String, _ problem: String) -> RPCError {
    RPCError(code: .invalidArgument, message: "\(field): \(problem)")
  }

  static func basisPoints(_ value: Int32, field: String) throws -> Int {
    guard (0...10_000).contains(value) else { throw Self.invalid(field, "0 to 10000 basis points") }
    return Int(value)
  }

  static let statuses: [String: Erp_Sales_V1_OrderStatus] = [
    "quotation": .quotation, "converted": .converted, "draft": .draft, "confirmed": .confirmed,
    "partly_shipped": .partlyShipped, "shipped": .shipped, "invoiced": .invoiced, "paid": .paid,
    "cancelled": .cancelled,
  ]
}
