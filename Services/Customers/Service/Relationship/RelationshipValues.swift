import ERPProtos
import ERPRuntime
import ERPStore
import SwiftProtobuf

/// Conversions between the API's times and dates and the store's.
enum RelationshipValues {
  static func timestamp(_ proto: Google_Protobuf_Timestamp, field: String) throws -> Timestamp {
    guard proto.seconds > 0, proto.seconds < 253_402_300_800 else {
      throw ContactPoints.invalid(field, "required, between 1970 and 9999")
    }
    return Timestamp(microsecondsSinceEpoch: proto.seconds * 1_000_000 + Int64(proto.nanos / 1000))
  }

  static func proto(_ timestamp: Timestamp) -> Google_Protobuf_Timestamp {
    var proto = Google_Protobuf_Timestamp()
    let (seconds, micros) = timestamp.microsecondsSinceEpoch.quotientAndRemainder(
      dividingBy: 1_000_000
    )
    proto.seconds = seconds
    proto.nanos = Int32(micros * 1000)
    return proto
  }

  static func date(_ proto: Erp_Common_V1_Date, field: String) throws -> CalendarDate {
    try CalendarDate(proto, field: field)
  }

  static func proto(_ date: CalendarDate) -> Erp_Common_V1_Date { date.proto }
}
