public import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ERPTransport.Client {
  /// Why one attempt to connect to a peer's address failed: the client logs it (the services
  /// word a peer's failure to their callers as "<peer> is unavailable", by design, which hides
  /// the cause) and puts it in the UNAVAILABLE message of calls failed meanwhile. It names only
  /// the configured address and the system's reason, never anything a caller sent.
  public struct ConnectFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
      /// The resolver answered with an error (its own words), and no address was kept.
      case lookupFailed(String)
      /// The resolver did not answer within the lookup's deadline, and no address was kept.
      case lookupTimedOut(TimeAmount)
      /// Every address refused the connection (nothing listens there).
      case refused
      /// TCP did not connect before the attempt's deadline.
      case connectTimedOut
      /// TCP failed otherwise (the system's words).
      case connectFailed(String)
      /// Connected, but the server's preface and settings did not come before the deadline.
      case handshakeTimedOut
      /// The connection closed before it was ready.
      case closed
    }

    public var target: Target
    public var reason: Reason

    public init(target: Target, reason: Reason) {
      self.target = target
      self.reason = reason
    }

    public var description: String {
      switch self.reason {
      case .lookupFailed(let message): "lookup of \(self.target.host) failed: \(message)"
      case .lookupTimedOut(let timeout):
        "lookup of \(self.target.host) timed out after \(timeout.nanoseconds / 1_000_000) ms"
      case .refused: "\(self.target) refused the connection"
      case .connectTimedOut: "connecting to \(self.target) timed out"
      case .connectFailed(let message): "connecting to \(self.target) failed: \(message)"
      case .handshakeTimedOut: "handshake with \(self.target) timed out"
      case .closed: "connection to \(self.target) closed"
      }
    }

    /// The failure of a TCP connect, classified.
    static func connecting(_ target: Target, _ error: any Error) -> ConnectFailure {
      switch error {
      case let failure as ConnectFailure: failure
      case ChannelError.connectTimeout: ConnectFailure(target: target, reason: .connectTimedOut)
      case let error as IOError where error.errnoCode == ECONNREFUSED:
        ConnectFailure(target: target, reason: .refused)
      case let error as IOError:
        ConnectFailure(
          target: target,
          reason: .connectFailed(String(cString: strerror(error.errnoCode)))
        )
      default: ConnectFailure(target: target, reason: .connectFailed("\(error)"))
      }
    }
  }
}
