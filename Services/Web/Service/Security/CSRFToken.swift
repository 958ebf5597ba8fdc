import Crypto
import Foundation

/// Tokens that prove a form was served by the console to this browser: the HMAC-SHA256, under
/// the console's key, of the browser's session cookie (or, before sign-in, of its pre-session
/// cookie). A page from another site cannot read either cookie, so it cannot forge the token;
/// nothing is stored on the server, so any console instance sharing the key accepts it.
public struct CSRFToken: Sendable {
  /// The key's bytes: swift-crypto 3's `SymmetricKey` is not `Sendable`, so the token keeps
  /// the bytes and makes the key when it signs.
  private let keyBytes: [UInt8]

  /// `key` must be the same for every instance behind one address (`ERP_WEB_KEY`); a random
  /// key is fine for one instance, whose forms then expire when it restarts.
  public init(key: [UInt8]) {
    self.keyBytes = key
  }

  private var key: SymmetricKey { SymmetricKey(data: self.keyBytes) }

  /// The form field that carries the token.
  public static let field = "csrf"

  /// The token for forms served to the browser holding `binding`.
  public func token(for binding: String) -> String {
    let mac = HMAC<SHA256>.authenticationCode(for: Data(binding.utf8), using: self.key)
    return Data(mac).base64URLEncoded()
  }

  /// Whether `presented` is the token for `binding`, compared in constant time. An empty
  /// binding (no cookie at all) is never valid.
  public func isValid(_ presented: String?, for binding: String?) -> Bool {
    guard let presented, let binding, !binding.isEmpty, presented.utf8.count <= 64,
      let mac = Data(base64URLEncoded: presented)
    else { return false }
    return HMAC<SHA256>.isValidAuthenticationCode(
      mac,
      authenticating: Data(binding.utf8),
      using: self.key
    )
  }
}

extension Data {
  func base64URLEncoded() -> String {
    self.base64EncodedString()
      .replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  init?(base64URLEncoded text: String) {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(
      of: "_",
      with: "/"
    )
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    self.init(base64Encoded: base64)
  }
}
