import Dispatch
import Foundation
import GRPCCore
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Where a webhook may be sent: a subscription's host must resolve to public addresses only, so
/// a partner cannot make the gateway POST into the network it runs in (the cloud's metadata
/// service, the database, a sidecar on loopback). Checked when the subscription is created and
/// again before every attempt (a name can be pointed elsewhere after it was accepted). Refused:
/// 0/8 (0.0.0.0 included), 10/8, 100.64/10, 127/8, 169.254/16 (metadata), 172.16/12, 192.168/16,
/// 224/4 and above; ::, ::1, fc00::/7, fe80::/10, ff00::/8, and IPv4 inside IPv6 by its IPv4
/// address. `allowPrivate` (`ERP_WEBHOOK_ALLOW_PRIVATE=1`, for tests and a gateway whose
/// partners are inside its own network) lets any address through without resolving.
///
/// What it does not stop: a name that resolves to a public address here and to a private one
/// when the HTTP client resolves it again a moment later (DNS rebinding with a zero TTL).
struct WebhookTarget: Sendable {
  var allowPrivate = false
  /// The longest a lookup may take.
  var lookupTimeout: Duration = .seconds(5)

  /// Why a host is refused; messages never name the address it resolved to.
  enum Refusal: Error, Equatable {
    case privateAddress
    case unresolvable
    case timedOut

    var message: String {
      switch self {
      case .privateAddress:
        "the host resolves to a private, loopback, link-local or metadata address"
      case .unresolvable: "the host does not resolve"
      case .timedOut: "the host's lookup took too long"
      }
    }
  }

  /// nil when `url`'s host may be sent to; otherwise why not.
  func refusal(_ url: URL) async -> Refusal? {
    if self.allowPrivate { return nil }
    guard var host = URLComponents(url: url, resolvingAgainstBaseURL: false)?.host else {
      return .unresolvable
    }
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    let addresses: [[UInt8]]
    switch await Self.resolve(host, timeout: self.lookupTimeout) {
    case .success(let found): addresses = found
    case .failure(let refusal): return refusal
    }
    guard !addresses.isEmpty else { return .unresolvable }
    return addresses.contains(where: Self.isPrivate) ? .privateAddress : nil
  }

  /// The check of a subscription's URL at creation, as the API's error.
  func check(_ url: URL) async throws {
    if let refusal = await self.refusal(url) {
      throw RPCError(code: .invalidArgument, message: "url: \(refusal.message)")
    }
  }

  /// Whether an address (4 bytes IPv4, 16 bytes IPv6) is one a webhook must not reach.
  static func isPrivate(_ address: [UInt8]) -> Bool {
    if address.count == 16 {
      if address.prefix(10).allSatisfy({ $0 == 0 }) {
        let tail = address[10..<12]
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, :: and ::1 included).
        if tail.allSatisfy({ $0 == 0xFF }) || tail.allSatisfy({ $0 == 0 }) {
          return Self.isPrivate(Array(address[12..<16]))
        }
      }
      let first = address[0]
      let second = address[1]
      return first & 0xFE == 0xFC  // fc00::/7, unique local
        || (first == 0xFE && second & 0xC0 == 0x80)  // fe80::/10, link-local
        || first == 0xFF  // multicast
    }
    guard address.count == 4 else { return true }
    let (a, b) = (address[0], address[1])
    return a == 0 || a == 10 || a == 127 || a >= 224
      || (a == 100 && b & 0xC0 == 64)
      || (a == 169 && b == 254)
      || (a == 172 && b & 0xF0 == 16)
      || (a == 192 && b == 168)
  }

  /// The host's addresses by the system's resolver (numeric hosts without any lookup), on a
  /// thread of its own (getaddrinfo blocks), given up after `timeout`.
  static func resolve(
    _ host: String,
    timeout: Duration
  ) async -> Result<[[UInt8]], Refusal> {
    await withCheckedContinuation { continuation in
      let once = ResumeOnce(continuation)
      DispatchQueue.global().async { once.resume(Self.lookUp(host)) }
      let seconds =
        Double(timeout.components.seconds)
        + Double(timeout.components.attoseconds) / 1e18
      DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
        once.resume(.failure(.timedOut))
      }
    }
  }

  private static func lookUp(_ host: String) -> Result<[[UInt8]], Refusal> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else {
      return .failure(.unresolvable)
    }
    defer { freeaddrinfo(first) }
    var addresses: [[UInt8]] = []
    var next: UnsafeMutablePointer<addrinfo>? = first
    while let entry = next {
      if let socket = entry.pointee.ai_addr {
        switch Int32(entry.pointee.ai_family) {
        case AF_INET:
          socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
            var address = $0.pointee.sin_addr
            addresses.append(withUnsafeBytes(of: &address) { Array($0) })
          }
        case AF_INET6:
          socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
            var address = $0.pointee.sin6_addr
            addresses.append(withUnsafeBytes(of: &address) { Array($0) })
          }
        default:
          break
        }
      }
      next = entry.pointee.ai_next
    }
    return .success(addresses)
  }
}

/// A continuation resumed by whichever comes first, the lookup or its deadline.
private final class ResumeOnce: Sendable {
  private let continuation:
    NIOLockedValueBox<
      CheckedContinuation<Result<[[UInt8]], WebhookTarget.Refusal>, Never>?
    >

  init(_ continuation: CheckedContinuation<Result<[[UInt8]], WebhookTarget.Refusal>, Never>) {
    self.continuation = NIOLockedValueBox(continuation)
  }

  func resume(_ result: Result<[[UInt8]], WebhookTarget.Refusal>) {
    let waiting = self.continuation.withLockedValue { waiting in
      defer { waiting = nil }
      return waiting
    }
    waiting?.resume(returning: result)
  }
}
