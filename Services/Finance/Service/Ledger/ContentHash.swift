import ERPProtos

/// A fingerprint of what a request asks for, stored with the entry, so that a request id reused
/// for different content is told apart from a retry. FNV-1a (64 bit) over a canonical text of the
/// request's fields: not for security, only to compare two requests with the same id.
enum ContentHash {
  static func of(_ request: Erp_Finance_V1_PostEntryRequest) -> String {
    var text = "post|\(request.date.year)-\(request.date.month)-\(request.date.day)|\(request.memo)"
    text += "|\(request.sourceType)|\(request.sourceID)"
    for line in request.lines {
      // A role as sent (codes never hold "@"): resolving it is the posting's business.
      let account = line.accountRole.isEmpty ? line.accountCode : "@" + line.accountRole
      text += "|\(account),\(line.hasDebit ? "D" : "C"),"
      let money = line.hasDebit ? line.debit : line.credit
      text += "\(money.currencyCode),\(money.unitsMinor),\(line.memo)"
    }
    return self.fnv1a(text)
  }

  static func ofReversal(_ request: Erp_Finance_V1_ReverseEntryRequest) -> String {
    let date =
      request.hasDate ? "\(request.date.year)-\(request.date.month)-\(request.date.day)" : ""
    return self.fnv1a("reverse|\(request.number)|\(date)")
  }

  static func fnv1a(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    return "fnv1a:" + String(hash, radix: 16)
  }
}
