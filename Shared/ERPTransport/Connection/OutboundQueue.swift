import DequeModule
import NIOCore

/// Frames waiting to be written, scheduled so that no stream monopolises the socket.
///
/// Control frames (PING, WINDOW_UPDATE, GOAWAY, RST_STREAM) go first. Stream frames are taken
/// round-robin, one frame per stream per turn, so a 4 MiB message cut into 16 KiB chunks lets a
/// small call's frames through after at most one chunk of every other busy stream. Because a
/// stream's first frame enters the round-robin when it is queued, and client stream ids are
/// assigned in the same critical section, opening HEADERS leave in increasing id order.
struct OutboundQueue {
  private var control = Deque<Frame>()
  private var perStream: [UInt32: Deque<Frame>] = [:]
  private var ready = Deque<UInt32>()

  var isEmpty: Bool { self.control.isEmpty && self.ready.isEmpty }

  mutating func appendControl(_ frame: Frame) {
    self.control.append(frame)
  }

  mutating func append(_ frame: Frame) {
    let id = frame.streamID
    if self.perStream[id, default: []].isEmpty {
      self.ready.append(id)
    }
    self.perStream[id, default: []].append(frame)
  }

  /// Drops every queued frame of a stream. Returns true when one of them was the stream's
  /// opening HEADERS, meaning the peer never heard of the stream and needs no RST_STREAM.
  mutating func dropFrames(ofStream id: UInt32) -> Bool {
    guard let frames = self.perStream.removeValue(forKey: id) else { return false }
    self.ready.removeAll { $0 == id }
    return frames.contains { $0.type == .headers }
  }

  mutating func next() -> Frame? {
    if let frame = self.control.popFirst() { return frame }
    while let id = self.ready.popFirst() {
      guard var frames = self.perStream[id], let frame = frames.popFirst() else { continue }
      if frames.isEmpty {
        self.perStream[id] = nil
      } else {
        self.perStream[id] = frames
        self.ready.append(id)
      }
      return frame
    }
    return nil
  }
}
