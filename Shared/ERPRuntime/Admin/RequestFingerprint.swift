import Crypto
public import SwiftProtobuf

/// What one create request says, reduced to a digest, so that a request id reused for different
/// content is told apart from a retry. SHA-256 over three length-prefixed fields: the scope
/// (what the call creates), the message's full protobuf name, and the message's deterministic
/// binary serialization with its request id cleared. Protobuf's binary form tags and
/// length-prefixes every field, so two different requests never share an input (no separator
/// can be smuggled into a field, as with joined text).
public enum RequestFingerprint {
  public static func of<Request: SwiftProtobuf.Message>(
    _ scope: String,
    _ request: Request
  ) -> String {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    // Serializing a message the server decoded cannot fail (`partial` skips the required-field
    // check proto3 has no use for); were it ever to, every request would share one fingerprint
    // of its scope alone, so fail loudly instead.
    let bytes: [UInt8]
    do {
      bytes = try request.serializedBytes(partial: true, options: options)
    } catch {
      preconditionFailure("a decoded message could not be serialized: \(error)")
    }
    var hasher = SHA256()
    for field in [Array(scope.utf8), Array(Request.protoMessageName.utf8), bytes] {
      withUnsafeBytes(of: UInt64(field.count).bigEndian) { hasher.update(bufferPointer: $0) }
      hasher.update(data: field)
    }
    return "sha256:"
      + hasher.finalize().map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
      }.joined()
  }
}

/// One create request as ``creatingOnce(_:_:_:requestIDConstraints:_:)`` takes it: the scope it
/// creates in, the caller's request id (checked: 1 to 100 characters) and the fingerprint of the
/// rest of the message.
public struct RequestKey: Sendable, Equatable {
  public var scope: String
  public var requestID: String
  public var fingerprint: String

  public init<Request: SwiftProtobuf.Message>(
    _ scope: String,
    _ request: Request,
    id: WritableKeyPath<Request, String>,
    field: String = "request_id"
  ) throws {
    self.scope = scope
    self.requestID = try checkedRequestID(request[keyPath: id], field: field)
    var content = request
    content[keyPath: id] = ""
    self.fingerprint = RequestFingerprint.of(scope, content)
  }

  /// A key made by the service itself (a step of a saga), whose content is fixed by the id.
  public init(scope: String, requestID: String, fingerprint: String) {
    self.scope = scope
    self.requestID = requestID
    self.fingerprint = fingerprint
  }
}
