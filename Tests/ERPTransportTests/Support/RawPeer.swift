import NIOCore
import NIOPosix

/// A bare TCP socket that writes exactly the bytes a test gives it and reads what comes back,
/// for feeding the transport malformed input and reading its answer frame by frame.
struct RawPeer {
  let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

  static func connect(port: Int) async throws -> RawPeer {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .connect(host: "127.0.0.1", port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
    return RawPeer(channel: channel)
  }

  /// Sends bytes, then reads until the server closes the connection (or `limit` bytes), and
  /// returns everything read.
  func exchange(_ bytes: [UInt8], readUntilClose: Bool = true) async throws -> [UInt8] {
    try await self.channel.executeThenClose { inbound, outbound in
      try await outbound.write(ByteBuffer(bytes: bytes))
      var received: [UInt8] = []
      for try await chunk in inbound {
        received += chunk.readableBytesView
        if !readUntilClose,
          RawFrames.parse(received).contains(where: { $0.type == 0x8 || $0.type == 0x4 })
        {
          break
        }
      }
      return received
    }
  }

  /// Sends bytes, then reads until `done` holds for the frames received so far, the server
  /// closes, or `limit` passes (a safety net so a server that never answers fails the test
  /// instead of hanging it). Returns the frames read.
  func exchange(
    _ bytes: [UInt8],
    limit: Duration = .seconds(10),
    until done: @escaping @Sendable ([RawFrames.Parsed]) -> Bool
  ) async throws -> [RawFrames.Parsed] {
    try await self.channel.executeThenClose { inbound, outbound in
      try await outbound.write(ByteBuffer(bytes: bytes))
      return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
        group.addTask {
          var received: [UInt8] = []
          for try await chunk in inbound {
            received += chunk.readableBytesView
            if done(RawFrames.parse(received)) { break }
          }
          return received
        }
        group.addTask {
          try? await Task.sleep(for: limit)
          return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        return RawFrames.parse(first ?? [])
      }
    }
  }
}

/// Builds and parses frames by hand, independently of the transport's own codec.
enum RawFrames {
  struct Parsed: Equatable {
    var type: UInt8
    var flags: UInt8
    var stream: UInt32
    var payload: [UInt8]
  }

  static let preface: [UInt8] = Array("ERPT".utf8) + [0, 1, 0, 0]
  static let settings: [UInt8] = frame(type: 0, stream: 0, payload: [])

  static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32, payload: [UInt8]) -> [UInt8] {
    be32(UInt32(payload.count)) + [type, flags] + be32(stream) + payload
  }

  static func be32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
  }

  static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

  static func headers(stream: UInt32, path: String, metadata: [(String, String)] = []) -> [UInt8] {
    var payload = be16(UInt16(path.utf8.count)) + Array(path.utf8)
    for (key, value) in metadata {
      payload +=
        be16(UInt16(key.utf8.count)) + Array(key.utf8) + be32(UInt32(value.utf8.count))
        + Array(value.utf8)
    }
    return frame(type: 1, stream: stream, payload: payload)
  }

  /// Parses a server's output after its 8-byte preface.
  static func parse(_ bytes: [UInt8]) -> [Parsed] {
    guard bytes.count >= 8 else { return [] }
    var frames: [Parsed] = []
    var index = 8
    while index + 10 <= bytes.count {
      let length =
        Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8
        | Int(bytes[index + 3])
      guard index + 10 + length <= bytes.count else { break }
      let stream =
        UInt32(bytes[index + 6]) << 24 | UInt32(bytes[index + 7]) << 16 | UInt32(bytes[index + 8])
        << 8 | UInt32(bytes[index + 9])
      frames.append(
        Parsed(
          type: bytes[index + 4],
          flags: bytes[index + 5],
          stream: stream,
          payload: Array(bytes[(index + 10)..<(index + 10 + length)])
        )
      )
      index += 10 + length
    }
    return frames
  }

  /// The GOAWAY among frames, as (code, reason).
  static func goAway(in frames: [Parsed]) -> (code: UInt32, reason: String)? {
    guard let frame = frames.first(where: { $0.type == 0x8 }), frame.payload.count >= 8 else {
      return nil
    }
    let code =
      UInt32(frame.payload[4]) << 24 | UInt32(frame.payload[5]) << 16 | UInt32(frame.payload[6])
      << 8 | UInt32(frame.payload[7])
    return (code, String(decoding: frame.payload[8...], as: UTF8.self))
  }

  /// HEADERS with raw metadata entries, values given as bytes.
  static func headers(stream: UInt32, path: String, rawMetadata: [(String, [UInt8])]) -> [UInt8] {
    var payload = be16(UInt16(path.utf8.count)) + Array(path.utf8)
    for (key, value) in rawMetadata {
      payload += be16(UInt16(key.utf8.count)) + Array(key.utf8) + be32(UInt32(value.count)) + value
    }
    return frame(type: 1, stream: stream, payload: payload)
  }

  /// The TRAILERS frame of `stream` among frames.
  static func trailers(of stream: UInt32, in frames: [Parsed]) -> Parsed? {
    frames.first { $0.type == 4 && $0.stream == stream }
  }

  /// The status message of a TRAILERS or RST_STREAM frame's payload.
  static func statusMessage(_ frame: Parsed) -> String {
    let length =
      Int(frame.payload[4]) << 24 | Int(frame.payload[5]) << 16 | Int(frame.payload[6]) << 8
      | Int(frame.payload[7])
    return String(decoding: frame.payload[8..<(8 + length)], as: UTF8.self)
  }

  /// The status code of a TRAILERS frame's payload.
  static func statusCode(_ frame: Parsed) -> UInt32 {
    UInt32(frame.payload[0]) << 24 | UInt32(frame.payload[1]) << 16 | UInt32(frame.payload[2]) << 8
      | UInt32(frame.payload[3])
  }
}
