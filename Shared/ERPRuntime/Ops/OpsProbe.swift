import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 GET over a blocking socket with a timeout, run on NIO's thread pool so it
/// blocks neither an event loop nor the cooperative pool. `make run` and the tests use it to probe
/// the ops port: a client sharing no code with the server it checks.
public enum OpsProbe {
  public struct Response: Sendable {
    public var status: Int
    public var body: String
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  public static func get(
    host: String = "127.0.0.1",
    port: Int,
    path: String,
    timeoutSeconds: Int = 5
  ) async throws -> Response {
    try await NIOThreadPool.singleton.runIfActive {
      try Self.blockingGet(host: host, port: port, path: path, timeoutSeconds: timeoutSeconds)
    }
  }

  static func blockingGet(
    host: String,
    port: Int,
    path: String,
    timeoutSeconds: Int
  ) throws
    -> Response
  {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
      throw Failure(description: "\(host) is not an IPv4 address")
    }
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      throw Failure(description: "connect \(host):\(port): \(String(cString: strerror(errno)))")
    }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
    var sent = 0
    while sent < request.count {
      let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
      guard count > 0 else {
        throw Failure(description: "send to \(host):\(port): \(String(cString: strerror(errno)))")
      }
      sent += count
    }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 8192)
    while true {
      let count = recv(fd, &buffer, buffer.count, 0)
      if count > 0 {
        received.append(contentsOf: buffer[0..<count])
      } else if count == 0 {
        break
      } else if errno != EINTR {
        throw Failure(
          description: "no complete answer from \(host):\(port)\(path) within \(timeoutSeconds) s "
            + "(\(received.count) bytes received: \(String(cString: strerror(errno))))"
        )
      }
    }
    let text = String(decoding: received, as: UTF8.self)
    guard let statusText = text.split(separator: " ", maxSplits: 2).dropFirst().first,
      let status = Int(statusText)
    else {
      throw Failure(description: "malformed answer from \(host):\(port)\(path): \(text.prefix(80))")
    }
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return Response(status: status, body: body)
  }
}
