import Foundation

/// Ports for tests that start real processes, which need to be told a port before they listen:
/// the kernel's choice (bind port 0) for one port, or an offset under which every port of a
/// list is free, for `erp-run` (it adds one offset to every default port). Never fixed ports, so
/// the tests pass while `make run` holds the defaults.
public enum FreePorts {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// A loopback port nothing listens on now, chosen by the kernel.
  public static func one() throws -> Int {
    guard let port = Self.bindable(0) else {
      throw Failure(description: "cannot bind a loopback socket to find a free port")
    }
    return port
  }

  /// `count` different free ports (a service's RPC and ops ports, say).
  public static func distinct(_ count: Int) throws -> [Int] {
    var ports: [Int] = []
    while ports.count < count {
      let port = try Self.one()
      if !ports.contains(port) { ports.append(port) }
    }
    return ports
  }

  /// An offset that, added to each of `ports`, gives ports that are all free now (below the
  /// ephemeral range, where the kernel's own choices for outgoing connections do not land).
  public static func offset(for ports: [Int]) throws -> Int {
    let highest = ports.max() ?? 0
    for _ in 0..<200 {
      let offset = Int.random(in: 10_000...(32_000 - highest))
      if ports.allSatisfy({ Self.bindable($0 + offset) != nil }) { return offset }
    }
    throw Failure(description: "no offset leaves all of \(ports) free")
  }

  /// Binds `port` on 127.0.0.1 (0: any) and returns the port bound, or nil when it is taken.
  private static func bindable(_ port: Int) -> Int? {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return nil }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
        bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
      }
    }
    return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
  }
}
