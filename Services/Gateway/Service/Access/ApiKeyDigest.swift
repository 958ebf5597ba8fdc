import Crypto

/// An API key's SHA-256, computed in the gateway's process: the secret never leaves it (not to
/// PostgreSQL, not into a cache or a log). Stored as `bytea`; it is the same value PostgreSQL's
/// `sha256(convert_to(secret, 'UTF8'))` gave the rows written before, so existing keys match.
struct ApiKeyDigest: Hashable, Sendable {
  let bytes: [UInt8]

  init(secret: String) {
    self.bytes = Array(SHA256.hash(data: Array(secret.utf8)))
  }

  /// `bytea`'s text input form (`\x` and lowercase hex), for a text-format parameter.
  var byteaText: String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = Array("\\x".utf8)
    for byte in self.bytes {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
