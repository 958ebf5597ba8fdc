import ERPProtos
import ERPRuntime

/// A bank statement of 200 lines for November 2026 and the book entries it reconciles with,
/// generated deterministically, written as CSV (a Saudi bank's layout: `;`, dd/MM/yyyy,
/// decimal comma, running balance) or as ISO 20022 camt.053.
///
/// Every amount is a multiple of 10 halalas and at least 1,000.00 SAR (bank charges aside), no
/// two equal, and no sum of two equal to a third, so the only automatic matches are the ones
/// meant. Lines 0..<170 have a book entry of the same amount with the same reference a day or
/// so away; 170..<185 one without a reference two days later; 185..<190 are each paid by two
/// book entries (a split); 190..<196 are paid in pairs by one entry each; 196..<200 are bank
/// charges with no entry yet. The opening balance, 1,000,000.00, is the capital paid in.
enum BankStatementFixture {
  struct Line {
    var index: Int
    var day: Int
    var amount: Int64
    var reference: String
    var description: String
  }

  static let iban = "SA0380000000608010167519"
  static let opening: Int64 = 1_000_000_00
  static let charges = 196..<200

  static let lines: [Line] = (0..<200).map { index in
    let charge = Self.charges.contains(index)
    let magnitude: Int64 = charge ? 1_500 + 10 * Int64(index) : 100_000 + 1_010 * Int64(index)
    let negative = charge || index % 5 == 4
    return Line(
      index: index,
      day: 1 + (index * 7) % 28,
      amount: negative ? -magnitude : magnitude,
      reference: charge ? "" : "REF-\(index)",
      description: charge
        ? "رُسُوم بَنْكِيَّة \(index)" : "تَحْوِيل مِن مؤسسة النور; دفعة \(index) & <سداد>"
    )
  }

  static var closing: Int64 { Self.opening + Self.lines.reduce(0) { $0 + $1.amount } }

  /// The book side: (request id, day, amount, memo) of each entry on the bank account, the
  /// opening capital first (dated 31 October, day 0).
  static var bookEntries: [(String, Int, Int64, String)] {
    var entries: [(String, Int, Int64, String)] = [("capital", 0, Self.opening, "capital paid in")]
    for line in Self.lines {
      switch line.index {
      case 0..<170:
        entries.append(
          ("book-\(line.index)", line.day + line.index % 3 - 1, line.amount, line.reference)
        )
      case 170..<185:
        entries.append(("book-\(line.index)", line.day + 2, line.amount, ""))
      case 185..<190:
        let part = (703 + 10 * Int64(line.index - 185)) * (line.amount < 0 ? -1 : 1)
        entries.append(("book-\(line.index)-a", line.day, part, line.reference))
        entries.append(("book-\(line.index)-b", line.day, line.amount - part, line.reference))
      case 190..<196 where line.index % 2 == 0:
        let next = Self.lines[line.index + 1]
        entries.append(("book-\(line.index)-pair", line.day, line.amount + next.amount, ""))
      default:
        break
      }
    }
    return entries
  }

  static func date(_ day: Int) -> Erp_Common_V1_Date {
    day == 0 ? Build.date(2026, 10, 31) : Build.date(2026, 11, day)
  }

  /// "1.234,56" with a decimal comma and point grouping.
  static func european(_ minor: Int64) -> String {
    let sign = minor < 0 ? "-" : ""
    let whole = String(minor.magnitude / 100)
    var grouped = ""
    for (offset, character) in whole.reversed().enumerated() {
      if offset > 0 && offset % 3 == 0 { grouped.append(".") }
      grouped.append(character)
    }
    let cents = minor.magnitude % 100
    return sign + String(grouped.reversed()) + "," + (cents < 10 ? "0" : "") + String(cents)
  }

  static func plain(_ minor: Int64) -> String {
    let cents = minor.magnitude % 100
    return String(minor.magnitude / 100) + "." + (cents < 10 ? "0" : "") + String(cents)
  }

  static var csvProfile: Erp_Finance_V1_CsvProfile {
    var profile = Erp_Finance_V1_CsvProfile()
    profile.dateColumn = "Booking Date"
    profile.amountColumn = "Amount"
    profile.referenceColumn = "Reference"
    profile.descriptionColumn = "Details"
    profile.balanceColumn = "Balance"
    profile.dateFormat = "dd/MM/yyyy"
    profile.decimalSeparator = ","
    profile.delimiter = ";"
    return profile
  }

  static var csv: String {
    var text = "Booking Date;Amount;Reference;Details;Balance\r\n"
    var balance = Self.opening
    for line in Self.lines {
      balance += line.amount
      let day = line.day < 10 ? "0\(line.day)" : "\(line.day)"
      text += "\(day)/11/2026;\(Self.european(line.amount));\(line.reference);"
      text += "\"\(line.description)\";\(Self.european(balance))\r\n"
    }
    return text
  }

  static func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  static func balance(_ code: String, _ amount: Int64, day: Int) -> String {
    """
        <Bal><Tp><CdOrPrtry><Cd>\(code)</Cd></CdOrPrtry></Tp>
          <Amt Ccy="SAR">\(Self.plain(amount))</Amt><CdtDbtInd>\(amount < 0 ? "DBIT" : "CRDT")</CdtDbtInd>
          <Dt><Dt>2026-11-\(day < 10 ? "0\(day)" : "\(day)")</Dt></Dt></Bal>

    """
  }

  static var camt053: String {
    var text = """
      <?xml version="1.0" encoding="UTF-8"?>
      <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
      <BkToCstmrStmt>
        <GrpHdr><MsgId>MSG-2026-11</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>
        <Stmt>
          <Id>STMT-2026-11</Id>
          <Acct><Id><IBAN>\(Self.iban)</IBAN></Id><Ccy>SAR</Ccy></Acct>

      """
    text += Self.balance("OPBD", Self.opening, day: 1)
    text += Self.balance("CLBD", Self.closing, day: 30)
    for line in Self.lines {
      let day = line.day < 10 ? "0\(line.day)" : "\(line.day)"
      text += """
            <Ntry>
              <NtryRef>\(line.index + 1)</NtryRef>
              <Amt Ccy="SAR">\(Self.plain(line.amount))</Amt>
              <CdtDbtInd>\(line.amount < 0 ? "DBIT" : "CRDT")</CdtDbtInd>
              <Sts><Cd>BOOK</Cd></Sts>
              <BookgDt><Dt>2026-11-\(day)</Dt></BookgDt>
              <ValDt><Dt>2026-11-\(day)</Dt></ValDt>
              <AcctSvcrRef>BANK-2026-11-\(line.index)</AcctSvcrRef>
              <NtryDtls><TxDtls>
                <Refs><EndToEndId>\(line.reference.isEmpty ? "NOTPROVIDED" : line.reference)</EndToEndId></Refs>
                <RmtInf><Ustrd>\(Self.escaped(line.description))</Ustrd></RmtInf>
              </TxDtls></NtryDtls>
            </Ntry>

        """
    }
    return text + "  </Stmt>\n</BkToCstmrStmt>\n</Document>\n"
  }
}
