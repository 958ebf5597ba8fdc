import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Corrects a posted entry the only way the ledger allows: a new entry with every line's debit
/// and credit swapped, at the original rates and base amounts, so the two cancel exactly.
enum EntryReversal {
  static func reverse(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_ReverseEntryRequest
  ) async throws -> Erp_Finance_V1_JournalEntry {
    let requestID = try LedgerValues.text(
      request.requestID,
      field: "request_id",
      maxLength: 100,
      required: true
    )
    guard !request.number.isEmpty else { throw LedgerValues.invalid("number", "required") }
    let date = request.hasDate ? try LedgerValues.date(request.date, field: "date") : nil
    let key = try RequestKey("finance.reversal", request, id: \.requestID)
    let hash = key.fingerprint
    return try await EntryPosting.idempotently(pool, tenant, key) {
      session in
      let original = try await EntryReading.byNumber(session, request.number)
      guard original.entry.reversedBy.isEmpty else {
        throw RPCError(
          code: .failedPrecondition,
          message: "number: \(request.number) was already reversed by \(original.entry.reversedBy)"
        )
      }
      let entryDate =
        date
        ?? CalendarDate(
          year: Int(original.entry.date.year),
          month: Int(original.entry.date.month),
          day: Int(original.entry.date.day)
        )
      if try await LedgerSettingsStore.isClosed(session, entryDate) {
        throw RPCError(
          code: .failedPrecondition,
          message: "date: the period \(entryDate.year)-\(entryDate.month) is closed"
        )
      }
      let mirrored = original.lines.map { line in
        var line = line
        line.amountMinor = -line.amountMinor
        line.baseAmountMinor = -line.baseAmountMinor
        return line
      }
      let header = EntryPosting.Header(
        requestID: requestID,
        contentHash: hash,
        date: entryDate,
        memo: "reversal of \(request.number)",
        sourceType: "reversal",
        sourceID: request.number,
        reversesID: original.id,
        baseCurrency: original.baseCurrency
      )
      var entry = try await EntryPosting.insert(session, header, mirrored)
      entry.reverses = request.number
      return entry
    }
  }
}
