/// Cutting text to a byte budget without breaking it.
enum StatusText {
  /// Marks a message that was cut.
  static let ellipsis = "…"

  /// `text` if it fits in `limit` UTF-8 bytes; otherwise its longest prefix that ends on a
  /// Unicode scalar boundary and fits together with a trailing "…". A multi-byte character (an
  /// Arabic letter is two bytes) is never split, so the result is always valid UTF-8.
  static func truncated(_ text: String, toBytes limit: Int) -> String {
    let utf8 = text.utf8
    guard utf8.count > limit else { return text }
    let budget = limit - Self.ellipsis.utf8.count
    guard budget > 0 else { return "" }
    var end = utf8.index(utf8.startIndex, offsetBy: budget)
    // A continuation byte (10xxxxxx) is the middle of a scalar: back up to where it starts.
    while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 {
      end = utf8.index(before: end)
    }
    return String(decoding: utf8[..<end], as: UTF8.self) + Self.ellipsis
  }

  /// At most `limit` bytes of some text an error quotes from its input.
  static func quoted(_ text: String, limit: Int = 64) -> String {
    Self.truncated(text, toBytes: limit)
  }
}
