import NIOCore
import NIOHTTP1

/// One request per connection, from NIOHTTP1's decoder: at the request's end it answers with
/// the whole response and closes. Probes send no body; one that does is read and ignored (its
/// size is bounded by ``RequestSizeLimit``). Closes the connection when the idle handler says
/// nothing arrived for a while, and when no whole request arrived within `requestTimeout`
/// (a request dribbled in a byte at a time never goes idle).
final class OpsHTTPHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private enum State {
    case awaitingHead
    case awaitingEnd(method: HTTPMethod, path: String)
    case answering
  }

  private let routes: OpsRoutes
  private let requestTimeout: TimeAmount
  private var state = State.awaitingHead
  private var deadline: Scheduled<Void>?

  init(routes: OpsRoutes, requestTimeout: TimeAmount) {
    self.routes = routes
    self.requestTimeout = requestTimeout
  }

  func handlerAdded(context: ChannelHandlerContext) {
    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
    self.deadline = context.eventLoop.scheduleTask(in: self.requestTimeout) {
      bound.value.close(promise: nil)
    }
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.deadline?.cancel()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
      if case .answering = self.state { return }
      context.close(promise: nil)
      return
    }
    context.fireUserInboundEventTriggered(event)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch (self.unwrapInboundIn(data), self.state) {
    case (.head(let head), .awaitingHead):
      self.state = .awaitingEnd(method: head.method, path: head.uri)
    case (.body, _), (.head, _):
      break
    case (.end, .awaitingEnd(let method, let path)):
      self.state = .answering
      self.deadline?.cancel()
      let routes = self.routes
      let promise = context.eventLoop.makePromise(of: OpsRoutes.Answer.self)
      promise.completeWithTask { await routes.answer(method: method, path: path) }
      let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
      promise.futureResult.whenSuccess { answer in
        Self.write(answer, context: bound.value, omittingBody: method == .HEAD)
      }
    case (.end, _):
      break
    }
  }

  static func write(
    _ answer: OpsRoutes.Answer,
    context: ChannelHandlerContext,
    omittingBody: Bool = false
  ) {
    let body = Array(answer.body.utf8)
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: answer.contentType)
    headers.add(name: "Content-Length", value: String(body.count))
    headers.add(name: "Connection", value: "close")
    let head = HTTPResponseHead(version: .http1_1, status: answer.status, headers: headers)
    context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
    if !omittingBody {
      var buffer = context.channel.allocator.buffer(capacity: body.count)
      buffer.writeBytes(body)
      context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
    }
    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
      bound.value.close(promise: nil)
    }
  }
}

/// Counts the bytes a connection sends, ahead of the HTTP decoder: past `maximum` (a probe is
/// a few hundred bytes) it answers 413 and closes, whatever the request looks like so far.
final class RequestSizeLimit: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer

  private let maximum: Int
  private var received = 0
  private var refused = false

  init(maximum: Int) {
    self.maximum = maximum
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !self.refused else { return }
    self.received += self.unwrapInboundIn(data).readableBytes
    guard self.received <= self.maximum else {
      self.refused = true
      let body = "request too large\n"
      var response = context.channel.allocator.buffer(capacity: 128)
      response.writeString(
        "HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
          + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
      )
      let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
      context.writeAndFlush(NIOAny(response)).whenComplete { _ in
        bound.value.close(promise: nil)
      }
      return
    }
    context.fireChannelRead(data)
  }
}
