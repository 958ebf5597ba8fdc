public import ERPProtos
public import ERPStore
import GRPCCore

extension CalendarDate {
  /// A date from a request, checked to be a real calendar date between 1900 and 9999; otherwise
  /// INVALID_ARGUMENT naming `field`. Every service reads `erp.common.v1.Date` this one way.
  public init(_ proto: Erp_Common_V1_Date, field: String) throws {
    let (year, month, day) = (Int(proto.year), Int(proto.month), Int(proto.day))
    guard (1900...9999).contains(year), (1...12).contains(month),
      (1...Self.days(inYear: year, month: month)).contains(day)
    else {
      throw RPCError(
        code: .invalidArgument,
        message: "\(field): \(year)-\(month)-\(day) is not a date"
      )
    }
    self.init(year: year, month: month, day: day)
  }

  /// The date as the API carries it.
  public var proto: Erp_Common_V1_Date {
    var proto = Erp_Common_V1_Date()
    proto.year = Int32(self.year)
    proto.month = Int32(self.month)
    proto.day = Int32(self.day)
    return proto
  }

  static func days(inYear year: Int, month: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
