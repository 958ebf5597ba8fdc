import GRPCCore
import NIOCore

/// What a connection state machine asks its driver to do. The machines never touch a socket, a
/// timer or a task: every effect is one of these, performed after the machine's lock is released
/// (so an action that calls back into the connection cannot deadlock).
enum ConnectionAction<Context> {
  /// Our preface and SETTINGS go out now, before anything else.
  case writePreface(Settings)
  /// Frames were queued: make sure one write pass is pending on the event loop.
  case scheduleWrite
  /// The peer's SETTINGS arrived: the connection can carry streams.
  case ready
  /// Client: the connection takes no new streams (GOAWAY received, or it failed).
  case goingAway
  /// Server: a client opened a stream, to hand to GRPCCore.
  case accept(AcceptedStream<Context>)
  /// A whole message for the stream's reader.
  case deliverMessage(Context, ByteBuffer)
  /// Client: the server's initial metadata.
  case deliverMetadata(Context, Metadata)
  /// Client: the call's status; the reader ends after it.
  case deliverStatus(Context, Status, Metadata)
  /// The stream's reader ends cleanly after what it has.
  case finish(Context)
  /// The stream ends abruptly: its reader fails with the error and a server handler is cancelled.
  case abort(Context, RPCError)
  /// A suspended writer (credit) or caller (stream slot) may go on.
  case resume(waiter: UInt64)
  /// A suspended writer or caller fails.
  case failWaiter(UInt64, WaiterFailure)
  /// Server: after `delay`, treat the drain PING as answered (``ServerConnectionStateMachine/drainTimerFired()``).
  case scheduleDrainTimer(TimeAmount)
  /// Close the socket now (keepalive found the peer gone).
  case closeChannel
  /// The connection is closed: the owner forgets it.
  case closed
}

/// Why a waiter fails.
enum WaiterFailure: Equatable {
  /// The connection takes no new calls: the caller moves to another connection.
  case connectionUnusable
  /// The stream or the connection ended with this error.
  case error(code: RPCError.Code, message: String)
}

/// A stream a client opened, as the server machine accepted it.
struct AcceptedStream<Context> {
  var id: UInt32
  var descriptor: MethodDescriptor
  var metadata: Metadata
  var context: Context
  /// From the request's `grpc-timeout`: the server ends the call then (wire spec §2.1).
  var deadline: NIODeadline?
}

/// How the socket closes once everything queued is written.
enum ConnectionCloseMode: Equatable {
  /// Close at once (a drain finished, or the peer said GOAWAY).
  case graceful
  /// After a protocol violation: closing with unread input makes the kernel send RST, which can
  /// destroy the GOAWAY before the peer reads it, so the output closes first and the rest later.
  case afterViolation
}

extension ConnectionAction: Sendable where Context: Sendable {}
extension AcceptedStream: Sendable where Context: Sendable {}
