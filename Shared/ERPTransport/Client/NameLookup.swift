import Dispatch
public import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ERPTransport.Client {
  /// Turns a peer's host name into the addresses to connect to. The client bounds every lookup
  /// by its own deadline (``Config/lookupTimeout``) and falls back on the last good answer
  /// (``AddressBook``), so a resolver that hangs costs one attempt a bounded wait, never the
  /// connection. Injectable, so tests can play a resolver that hangs or fails.
  public struct NameLookup: Sendable {
    public let resolve: @Sendable (_ host: String, _ port: Int) async throws -> [SocketAddress]

    public init(
      _ resolve: @escaping @Sendable (_ host: String, _ port: Int) async throws -> [SocketAddress]
    ) {
      self.resolve = resolve
    }

    /// glibc's `getaddrinfo`, each lookup on a thread of Dispatch's global concurrent pool. Why
    /// not SwiftNIO's resolver: it runs the lookups of an event loop one after the other on a
    /// serial queue, so one that glibc keeps waiting on (5 s per try and nameserver: podman 4.3's
    /// aardvark-dns drops queries while it reloads) holds back every later lookup, which the
    /// connect timeout then abandons in turn, and the process never catches up. Here a hung
    /// lookup holds only its own thread.
    public static let system = NameLookup { host, port in
      try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
          continuation.resume(
            with: Result { try Self.getaddrinfoAddresses(host: host, port: port) }
          )
        }
      }
    }

    /// Every TCP address `getaddrinfo` gives for `host`, in its order (RFC 6724's preference).
    static func getaddrinfoAddresses(host: String, port: Int) throws -> [SocketAddress] {
      var hints = addrinfo()
      #if os(Linux)
      hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
      #else
      hints.ai_socktype = SOCK_STREAM
      #endif
      hints.ai_protocol = Int32(IPPROTO_TCP)
      var list: UnsafeMutablePointer<addrinfo>?
      let status = getaddrinfo(host, String(port), &hints, &list)
      guard status == 0, let first = list else {
        throw LookupFailure(message: String(cString: gai_strerror(status)))
      }
      defer { freeaddrinfo(first) }
      var addresses: [SocketAddress] = []
      var next: UnsafeMutablePointer<addrinfo>? = first
      while let entry = next {
        if let address = entry.pointee.ai_addr {
          switch entry.pointee.ai_family {
          case AF_INET:
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
              addresses.append(SocketAddress($0.pointee, host: host))
            }
          case AF_INET6:
            address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
              addresses.append(SocketAddress($0.pointee, host: host))
            }
          default: break
          }
        }
        next = entry.pointee.ai_next
      }
      guard !addresses.isEmpty else { throw LookupFailure(message: "no TCP address") }
      return addresses
    }
  }

  /// A lookup's own failure, in the resolver's words (`gai_strerror`).
  public struct LookupFailure: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { self.message }
  }
}
