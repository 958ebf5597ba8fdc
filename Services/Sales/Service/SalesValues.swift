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

}

extension OrderStatus {
  /// The status as the API shows it.
  var proto: Erp_Sales_V1_OrderStatus {
    switch self {
    case .quotation: .quotation
    case .converted: .converted
    case .draft: .draft
    case .confirmed: .confirmed
    case .partlyShipped: .partlyShipped
    case .shipped: .shipped
    case .invoiced: .invoiced
    case .paid: .paid
    case .cancelled: .cancelled
    }
  }
}
