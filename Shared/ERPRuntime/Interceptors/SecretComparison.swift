/// The one comparison for secrets and tokens (the services' secret, the operator token): it
/// looks at every byte of the longer input whatever the contents, so its time reveals neither
/// how much of a guess was right nor where it went wrong, and folds the length difference into
/// a full-width word (an 8-bit fold let the secret followed by 256 NUL bytes compare equal).
public enum SecretComparison {
  public static func equal(
    _ presented: some StringProtocol,
    _ expected: some StringProtocol
  )
    -> Bool
  {
    Self.equal(Array(presented.utf8), Array(expected.utf8))
  }

  public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt64(truncatingIfNeeded: a.count ^ b.count)
    for index in 0..<max(a.count, b.count) {
      let x = index < a.count ? a[index] : 0
      let y = index < b.count ? b[index] : 0
      difference |= UInt64(x ^ y)
    }
    return difference == 0
  }
}
