public import GRPCCore
public import Logging

/// Logs every call a server handles: method, status code and duration, with the tenant and
/// request id as sent (read from metadata, so calls refused before the tenant is bound are
/// traceable too). Successful calls log at `debug`, failures at `info`, internal errors at `error`.
public struct LoggingInterceptor: ServerInterceptor {
  private let logger: Logger

  public init(logger: Logger) {
    self.logger = logger
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let started = ContinuousClock.now
    var metadata: Logger.Metadata = ["method": "\(context.descriptor.fullyQualifiedMethod)"]
    if let tenant = request.metadata.firstString(MetadataKeys.tenant) {
      metadata["tenant"] = "\(tenant)"
    }
    if let requestID = request.metadata.firstString(MetadataKeys.requestID) {
      metadata["request_id"] = "\(requestID)"
    }
    let logger = self.logger
    let base = metadata
    return try await CallOutcome.observe(request: request, context: context, next: next) {
      code,
      message in
      var metadata = base
      metadata["ms"] = "\(Self.milliseconds(since: started))"
      guard let code else {
        metadata["code"] = "ok"
        logger.debug("rpc", metadata: metadata)
        return
      }
      metadata["code"] = "\(code)"
      metadata["error"] = "\(message ?? "")"
      let serverFault = code == .internalError || code == .unknown || code == .dataLoss
      logger.log(level: serverFault ? .error : .info, "rpc", metadata: metadata)
    }
  }

  private static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
    let elapsed = start.duration(to: .now)
    return elapsed.components.seconds * 1000 + elapsed.components.attoseconds
      / 1_000_000_000_000_000
  }
}
