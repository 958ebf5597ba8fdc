import Crypto
import Foundation

/// A subscription's signing secret, `whsec_<base64 of 32 random bytes>` as Standard Webhooks
/// writes it, and how the gateway keeps it. Unlike an API key, which the gateway only has to
/// recognise (so only its hash is stored), this secret must be used to sign every delivery, so
/// the gateway must be able to read it back: it is stored sealed with AES-GCM under a key
/// derived (HKDF-SHA256) from the services' secret, so a copy of the database alone (a backup,
/// a replica) does not let anyone forge deliveries.
struct WebhookSecret: Sendable, Equatable {
  /// The 32 bytes the signature is keyed with.
  let bytes: [UInt8]

  static let prefix = "whsec_"

  static func random() -> WebhookSecret {
    WebhookSecret(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
  }

  init(bytes: [UInt8]) { self.bytes = bytes }

  /// Reads `whsec_<base64>`; nil for anything else.
  init?(_ text: String) {
    guard text.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(text.dropFirst(6)))
    else { return nil }
    self.bytes = Array(data)
  }

  /// `whsec_<base64>`: what the partner is shown once.
  var text: String { Self.prefix + Data(self.bytes).base64EncodedString() }

  /// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`: the `webhook-signature` header.
  func signature(id: String, timestamp: Int64, body: String) -> String {
    let content = Data("\(id).\(timestamp).\(body)".utf8)
    let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: self.bytes))
    return "v1," + Data(mac).base64EncodedString()
  }
}

/// Seals and opens subscription secrets with a key derived from the services' secret.
struct WebhookSealing: Sendable {
  /// The derived key's bytes (`SymmetricKey` is not `Sendable`).
  private let keyBytes: [UInt8]
  private var key: SymmetricKey { SymmetricKey(data: self.keyBytes) }

  init(serviceSecret: String) {
    self.keyBytes = HKDF<SHA256>.deriveKey(
      inputKeyMaterial: SymmetricKey(data: Data(serviceSecret.utf8)),
      salt: Data("erp-gateway".utf8),
      info: Data("webhook signing secrets v1".utf8),
      outputByteCount: 32
    ).withUnsafeBytes { Array($0) }
  }

  /// The secret sealed (nonce, ciphertext and tag), base64, bound to its subscription's id so
  /// a sealed secret copied to another row does not open.
  func seal(_ secret: WebhookSecret, subscription: String) throws -> String {
    let box = try AES.GCM.seal(
      Data(secret.bytes),
      using: self.key,
      authenticating: Data(subscription.utf8)
    )
    return box.combined!.base64EncodedString()
  }

  func open(_ sealed: String, subscription: String) throws -> WebhookSecret {
    guard let data = Data(base64Encoded: sealed) else {
      throw CryptoKitError.incorrectParameterSize
    }
    let box = try AES.GCM.SealedBox(combined: data)
    let plain = try AES.GCM.open(box, using: self.key, authenticating: Data(subscription.utf8))
    return WebhookSecret(bytes: Array(plain))
  }
}
