public import ERPProtos
public import ERPStore
import Foundation
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

  /// Today in UTC, the calendar the services book by.
  public static func today() -> CalendarDate {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents([.year, .month, .day], from: Date())
    return CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!)
  }

  /// The date `days` later (earlier when negative), on the Gregorian calendar.
  public func adding(days: Int) -> CalendarDate {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let start = calendar.date(
      from: DateComponents(year: self.year, month: self.month, day: self.day)
    )!
    let parts = calendar.dateComponents(
      [.year, .month, .day],
      from: calendar.date(byAdding: .day, value: days, to: start)!
    )
    return CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!)
  }

  /// A date from a request that may leave it unset, meaning today.
  public static func orToday(_ proto: Erp_Common_V1_Date, field: String) throws -> CalendarDate {
    proto == Erp_Common_V1_Date() ? Self.today() : try CalendarDate(proto, field: field)
  }

  /// The date as the API carries it.
  public var proto: Erp_Common_V1_Date {
    var proto = Erp_Common_V1_Date()
    proto.year = Int32(self.year)
    proto.month = Int32(self.month)
    proto.day = Int32(self.day)
    return proto
  }

  /// Days in the month.
  public static func days(inYear year: Int, month: Int) -> Int {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }
}
