import ERPProtos
import Foundation
import SwiftProtobuf

/// Where each method's messages name the record the call touched, and its request id: derived
/// once from the contracts' descriptors (``ERPDescriptorSet``), not parsed per message type by
/// hand. The record's id is the answer's key (``keyNames``: `id`, else `number`, `sku`, `code`:
/// what a create returns), else the key of the answer's first message field that has one
/// (`{ Order order = 1 }`); failing both, the request's key, its first `*_id` string field
/// (`order_id`, not `request_id` or `tenant_id`), or the key of its first message field that has
/// one (`UpdateCustomerRequest.customer.id`). The
/// request id is the request's `request_id`, else the call's `x-erp-request-id`. The values are
/// read from the serialized messages (``ProtoWire``), so the forwarded bytes need no decoding.
struct AuditedRecord: Sendable {
  /// Field numbers from the message to a string field.
  typealias Path = [Int]

  var answer: Path?
  var request: Path?
  var requestID: Path?

  /// The names a record's key has in the contracts, in order of preference: most records have
  /// an `id`, orders and invoices a `number`, items a `sku`, warehouses and accounts a `code`.
  static let keyNames = ["id", "number", "sku", "code"]

  /// Every method's paths, by its path (`erp.sales.v1.Orders/ConfirmOrder`).
  static let byMethod: [String: AuditedRecord] = Self.derive(
    (try? Google_Protobuf_FileDescriptorSet(
      serializedBytes: Data(
        base64Encoded: ERPDescriptorSet.base64,
        options: .ignoreUnknownCharacters
      )
        ?? Data()
    ).file) ?? []
  )

  static func derive(_ files: [Google_Protobuf_FileDescriptorProto]) -> [String: AuditedRecord] {
    var messages: [String: Google_Protobuf_DescriptorProto] = [:]
    func add(_ message: Google_Protobuf_DescriptorProto, in scope: String) {
      messages[scope + message.name] = message
      for nested in message.nestedType { add(nested, in: scope + message.name + ".") }
    }
    for file in files {
      for message in file.messageType { add(message, in: "." + file.package + ".") }
    }
    func idField(_ type: String) -> Int? {
      let fields = messages[type]?.field.filter { $0.type == .string && $0.label != .repeated }
      for name in Self.keyNames {
        if let field = fields?.first(where: { $0.name == name }) { return Int(field.number) }
      }
      return nil
    }
    func nested(_ type: String) -> Path? {
      for field in messages[type]?.field ?? []
      where field.type == .message
        && field.label != .repeated
      {
        if let id = idField(field.typeName) { return [Int(field.number), id] }
      }
      return nil
    }
    var table: [String: AuditedRecord] = [:]
    for file in files {
      for service in file.service {
        for method in service.method {
          let input = messages[method.inputType]
          let own = input?.field.first {
            $0.type == .string && $0.label != .repeated && $0.name.hasSuffix("_id")
              && !["request_id", "tenant_id"].contains($0.name)
          }
          var record = AuditedRecord()
          record.answer = idField(method.outputType).map { [$0] } ?? nested(method.outputType)
          record.request =
            idField(method.inputType).map { [$0] } ?? own.map { [Int($0.number)] }
            ?? nested(method.inputType)
          record.requestID = input?.field.first {
            $0.name == "request_id" && $0.type == .string
          }.map { [Int($0.number)] }
          table[file.package + "." + service.name + "/" + method.name] = record
        }
      }
    }
    return table
  }

  /// The record id in a call's first request and answer messages (serialized), at most 100
  /// bytes; empty when neither names one.
  func recordID(request: [UInt8]?, answer: [UInt8]?) -> String {
    let found =
      self.answer.flatMap { path in answer.flatMap { ProtoWire.string(at: path, in: $0) } }
      ?? self.request.flatMap { path in request.flatMap { ProtoWire.string(at: path, in: $0) } }
    return Self.bounded(found ?? "")
  }

  /// The request message's `request_id`, else `metadata`'s, at most 100 bytes.
  func requestID(request: [UInt8]?, metadata: String?) -> String {
    let own = self.requestID.flatMap { path in
      request.flatMap { ProtoWire.string(at: path, in: $0) }
    }
    return Self.bounded((own?.isEmpty == false ? own : nil) ?? metadata ?? "")
  }

  static func bounded(_ text: String) -> String {
    var text = text
    while text.utf8.count > 100 { text.removeLast() }
    return text
  }
}
