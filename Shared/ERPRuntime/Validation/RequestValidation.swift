import ERPStore
import Foundation
public import GRPCCore
import NIOConcurrencyHelpers
public import SwiftProtobuf

/// The checks every string and bytes field of every request gets, at the API boundary and before
/// any handler runs: no NUL byte (libpq's C strings would end there, silently storing `a\0b` as
/// `a`), and no longer than ``FieldLimits`` allows. A field that fails is refused with
/// INVALID_ARGUMENT naming it by its path (`lines[1].sku`), never quoting it. Invalid UTF-8
/// never gets this far: SwiftProtobuf refuses it while decoding (see
/// ``RequestValidationInterceptor``).
public enum RequestValidation {
  /// Checks `message` and everything nested in it: singular, repeated and map fields, at any
  /// depth.
  public static func check(_ message: any SwiftProtobuf.Message) throws {
    if let refusal = self.refusal(of: message) { throw refusal }
  }

  /// The INVALID_ARGUMENT `message` gets, or nil when every field of it is fine.
  public static func refusal(of message: any SwiftProtobuf.Message) -> RPCError? {
    var visitor = FieldVisitor(type: type(of: message))
    do {
      try message.traverse(visitor: &visitor)
      return nil
    } catch let violation as FieldVisitor.Violation {
      return RPCError(code: .invalidArgument, message: "\(violation.path): \(violation.problem)")
    } catch {
      return RPCError(code: .invalidArgument, message: "the request could not be checked")
    }
  }

  /// What is wrong with one string value, if anything, for a field limited to `limit` scalars;
  /// nil when it is fine. The length is counted only as far as the limit.
  static func problem(_ value: String, limit: Int) -> String? {
    if value.utf8.contains(0) { return "must not contain a NUL byte" }
    var count = 0
    for _ in value.unicodeScalars {
      count += 1
      if count > limit { return "at most \(limit) characters" }
    }
    return nil
  }
}

/// Walks a decoded message, keeping the path to the field it is in.
struct FieldVisitor: SwiftProtobuf.Visitor {
  struct Violation: Error {
    var path: String
    var problem: String
  }

  /// The message type being visited, and the path to it (empty at the top).
  private let type: any SwiftProtobuf.Message.Type
  private let prefix: String

  init(type: any SwiftProtobuf.Message.Type, prefix: String = "") {
    self.type = type
    self.prefix = prefix
  }

  private func name(_ fieldNumber: Int) -> String {
    FieldNames.shared.name(of: fieldNumber, in: self.type)
  }

  private func path(_ fieldNumber: Int, index: Int? = nil, key: String? = nil) -> String {
    var path =
      self.prefix.isEmpty ? self.name(fieldNumber) : self.prefix + "." + self.name(fieldNumber)
    if let index { path += "[\(index)]" }
    if let key { path += "[\(key)]" }
    return path
  }

  private func checkString(_ value: String, _ fieldNumber: Int, index: Int? = nil) throws {
    // Most values are short: no name lookup unless it might matter.
    guard value.utf8.count > FieldLimits.shortest || value.utf8.contains(0) else { return }
    let limit = FieldLimits.limit(forField: self.name(fieldNumber))
    if let problem = RequestValidation.problem(value, limit: limit) {
      throw Violation(path: self.path(fieldNumber, index: index), problem: problem)
    }
  }

  private func checkBytes(_ value: Data, _ fieldNumber: Int, index: Int? = nil) throws {
    guard value.count <= FieldLimits.bytesLimit else {
      throw Violation(
        path: self.path(fieldNumber, index: index),
        problem: "at most \(FieldLimits.bytesLimit) bytes"
      )
    }
  }

  private func checkMessage(_ value: any SwiftProtobuf.Message, path: String) throws {
    var nested = FieldVisitor(type: Swift.type(of: value), prefix: path)
    try value.traverse(visitor: &nested)
  }

  /// A map's key as its path shows it: quoted and short for a string key.
  private func keyText(_ key: Any) -> String {
    if let key = key as? String { return quoted(key, limit: 20) }
    return "\(key)"
  }

  /// Checks a map's keys and values of whatever type they are.
  private func checkEntry(key: Any, value: Any, _ fieldNumber: Int) throws {
    let keyText = self.keyText(key)
    if let key = key as? String {
      let limit = FieldLimits.limit(forField: self.name(fieldNumber))
      if let problem = RequestValidation.problem(key, limit: limit) {
        throw Violation(path: self.path(fieldNumber) + " key", problem: problem)
      }
    }
    let path = self.path(fieldNumber, key: keyText)
    switch value {
    case let value as String:
      let limit = FieldLimits.limit(forField: self.name(fieldNumber))
      if let problem = RequestValidation.problem(value, limit: limit) {
        throw Violation(path: path, problem: problem)
      }
    case let value as Data where value.count > FieldLimits.bytesLimit:
      throw Violation(path: path, problem: "at most \(FieldLimits.bytesLimit) bytes")
    case let value as any SwiftProtobuf.Message:
      try self.checkMessage(value, path: path)
    default:
      break
    }
  }

  // MARK: strings, bytes and messages

  mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {
    try self.checkString(value, fieldNumber)
  }

  mutating func visitRepeatedStringField(value: [String], fieldNumber: Int) throws {
    for (index, element) in value.enumerated() {
      try self.checkString(element, fieldNumber, index: index)
    }
  }

  mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws {
    try self.checkBytes(value, fieldNumber)
  }

  mutating func visitRepeatedBytesField(value: [Data], fieldNumber: Int) throws {
    for (index, element) in value.enumerated() {
      try self.checkBytes(element, fieldNumber, index: index)
    }
  }

  mutating func visitSingularMessageField<M: SwiftProtobuf.Message>(
    value: M,
    fieldNumber: Int
  ) throws {
    try self.checkMessage(value, path: self.path(fieldNumber))
  }

  mutating func visitRepeatedMessageField<M: SwiftProtobuf.Message>(
    value: [M],
    fieldNumber: Int
  ) throws {
    for (index, element) in value.enumerated() {
      try self.checkMessage(element, path: self.path(fieldNumber, index: index))
    }
  }

  mutating func visitSingularGroupField<G: SwiftProtobuf.Message>(
    value: G,
    fieldNumber: Int
  ) throws {
    try self.checkMessage(value, path: self.path(fieldNumber))
  }

  mutating func visitMapField<KeyType, ValueType: MapValueType>(
    fieldType: _ProtobufMap<KeyType, ValueType>.Type,
    value: _ProtobufMap<KeyType, ValueType>.BaseType,
    fieldNumber: Int
  ) throws {
    for (key, entry) in value { try self.checkEntry(key: key, value: entry, fieldNumber) }
  }

  mutating func visitMapField<KeyType, ValueType>(
    fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type,
    value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
    fieldNumber: Int
  ) throws where ValueType.RawValue == Int {
    for (key, entry) in value { try self.checkEntry(key: key, value: entry, fieldNumber) }
  }

  mutating func visitMapField<KeyType, ValueType>(
    fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
    value: _ProtobufMessageMap<KeyType, ValueType>.BaseType,
    fieldNumber: Int
  ) throws {
    for (key, entry) in value { try self.checkEntry(key: key, value: entry, fieldNumber) }
  }

  // MARK: everything else passes

  mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws {}
  mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws {}
  mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws {}
  mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws {}
  mutating func visitSingularEnumField<E: SwiftProtobuf.Enum>(value: E, fieldNumber: Int) throws {}
  mutating func visitUnknown(bytes: Data) throws {}
}

/// Field numbers to proto field names, per message type. SwiftProtobuf keeps its name maps
/// internal, but its text format prints proto names: decoding one field of the given number into
/// an otherwise empty message and printing it gives the name. Only done for a field whose value
/// is long enough to need its limit, or that fails, and then remembered.
final class FieldNames: Sendable {
  static let shared = FieldNames()

  private let names = NIOLockedValueBox<[Key: String]>([:])

  private struct Key: Hashable {
    var type: ObjectIdentifier
    var number: Int
  }

  func name(of number: Int, in type: any SwiftProtobuf.Message.Type) -> String {
    let key = Key(type: ObjectIdentifier(type), number: number)
    if let name = self.names.withLockedValue({ $0[key] }) { return name }
    let name = Self.discover(number, in: type) ?? "field \(number)"
    self.names.withLockedValue { $0[key] = name }
    return name
  }

  /// Tries the field as length-delimited with a one-byte payload (strings, bytes, repeated
  /// scalars), then with an empty one (messages, map entries).
  private static func discover(_ number: Int, in type: any SwiftProtobuf.Message.Type) -> String? {
    var tag: [UInt8] = []
    var value = UInt64(number) << 3 | 2
    while value >= 0x80 {
      tag.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    tag.append(UInt8(value))
    for payload: [UInt8] in [[1, UInt8(ascii: "x")], [0]] {
      guard let message = try? type.init(serializedBytes: tag + payload) else { continue }
      let text = message.textFormatString()
      let name = text.prefix { $0 != ":" && $0 != " " && $0 != "{" && $0 != "\n" }
      if !name.isEmpty, !name.hasPrefix("\(number)") { return String(name) }
    }
    return nil
  }
}
