public import ERPProtos

extension Erp_Finance_V1_EntryLine {
  /// A journal line on `account`: the debit when it is positive, otherwise the credit.
  public init(
    account: String,
    debit: Int64 = 0,
    credit: Int64 = 0,
    currency: String,
    memo: String = ""
  ) {
    self.init()
    self.accountCode = account
    self.memo = memo
    if debit > 0 {
      self.debit = Erp_Common_V1_Money(debit, currency)
    } else {
      self.credit = Erp_Common_V1_Money(credit, currency)
    }
  }
}
