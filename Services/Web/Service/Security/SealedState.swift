import Crypto
import Foundation

/// Where a list page is (its search words and the gateway's page token), sealed with AES-GCM
/// under a key derived from the console's: links and redirects carry it as one opaque `s=`
/// parameter, so no business data (a name searched for, the keyset a page token encodes) ever
/// appears in a URL, a proxy's log or the browser's history. Altered or foreign text opens as
/// nothing, which a page treats as its first page.
struct SealedState: Sendable {
  /// The derived key's bytes (`SymmetricKey` is not `Sendable` in swift-crypto 3).
  private let keyBytes: [UInt8]

  /// The longest sealed text a request may carry.
  static let maxLength = 2048

  init(consoleKey: [UInt8]) {
    let derived = HKDF<SHA256>.deriveKey(
      inputKeyMaterial: SymmetricKey(data: consoleKey),
      info: Data("erp-web sealed list state".utf8),
      outputByteCount: 32
    )
    self.keyBytes = derived.withUnsafeBytes { [UInt8]($0) }
  }

  struct State: Codable, Equatable {
    /// The search words; empty for the plain list.
    var query: String = ""
    /// The gateway's token of the page to show; empty for the first.
    var page: String = ""
  }

  func seal(_ state: State) -> String {
    let plain = (try? JSONEncoder().encode(state)) ?? Data()
    guard let box = try? AES.GCM.seal(plain, using: SymmetricKey(data: self.keyBytes)),
      let combined = box.combined
    else { return "" }
    return combined.base64URLEncoded()
  }

  func open(_ text: String?) -> State {
    guard let text, !text.isEmpty, text.utf8.count <= Self.maxLength,
      let data = Data(base64URLEncoded: text),
      let box = try? AES.GCM.SealedBox(combined: data),
      let plain = try? AES.GCM.open(box, using: SymmetricKey(data: self.keyBytes)),
      let state = try? JSONDecoder().decode(State.self, from: plain)
    else { return State() }
    return state
  }
}
