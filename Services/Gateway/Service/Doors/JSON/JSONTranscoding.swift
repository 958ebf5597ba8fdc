import ERPStore
import Foundation
import GRPCCore
import SwiftProtobuf

/// A request's JSON to the binary message the services take, and an answer's binary message to
/// JSON, in protobuf's canonical JSON mapping (SwiftProtobuf's JSON coding: field names in
/// lowerCamelCase or as declared, int64 as a string, enums by name, Timestamp as RFC 3339).
/// Unknown fields are refused. A refusal is INVALID_ARGUMENT naming the field at fault by its
/// path, `customer.name` or `lines[2].quantity` (``JSONFieldLocator``), never echoing more than
/// a bounded part of what was sent.
enum JSONTranscoding {
  static var decodingOptions: JSONDecodingOptions {
    var options = JSONDecodingOptions()
    options.ignoreUnknownFields = false
    options.messageDepthLimit = 32
    return options
  }

  /// The binary form of the `type` message `json` spells; an empty body is the empty message.
  static func binary(
    fromJSON json: [UInt8],
    as type: any Message.Type
  ) throws(ConnectError)
    -> [UInt8]
  {
    do {
      return try Self.decode(type, json.isEmpty ? Array("{}".utf8) : json)
    } catch {
      throw Self.refusal(of: json, as: type, error)
    }
  }

  /// The JSON of the `type` message `binary` holds (an answer from a service).
  static func json(
    fromBinary binary: [UInt8],
    as type: any Message.Type
  ) throws(ConnectError)
    -> [UInt8]
  {
    do {
      return try Self.encode(type, binary)
    } catch {
      throw ConnectError(.internalError, "the answer could not be written as JSON")
    }
  }

  private static func decode<M: Message>(_ type: M.Type, _ json: [UInt8]) throws -> [UInt8] {
    try M(jsonUTF8Bytes: json, options: Self.decodingOptions).serializedBytes()
  }

  private static func encode<M: Message>(_ type: M.Type, _ binary: [UInt8]) throws -> [UInt8] {
    try M(serializedBytes: binary).jsonUTF8Bytes()
  }

  /// Why `json` is not a `type` message, in words that name the field.
  private static func refusal(
    of json: [UInt8],
    as type: any Message.Type,
    _ error: any Error
  ) -> ConnectError {
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed])
    } catch {
      return ConnectError(.invalidArgument, "the body is not valid JSON")
    }
    guard let object = parsed as? [String: Any] else {
      return ConnectError(
        .invalidArgument,
        "the body must be a JSON object (a \(type.protoMessageName))"
      )
    }
    if let (path, cause) = JSONFieldLocator(type: type).failingField(in: object) {
      return ConnectError(.invalidArgument, "\(path): \(Self.words(for: cause))")
    }
    return ConnectError(
      .invalidArgument,
      "the body is not a valid \(type.protoMessageName): \(Self.words(for: error))"
    )
  }

  /// What was wrong with a value, for a person.
  static func words(for error: any Error) -> String {
    guard let error = error as? JSONDecodingError else { return "not a valid value" }
    switch error {
    case .unknownField: return "unknown field"
    case .malformedString: return "expected a string"
    case .malformedNumber: return "expected a number"
    case .numberRange: return "number out of range"
    case .malformedBool: return "expected true or false"
    case .malformedMap: return "expected a JSON object"
    case .unrecognizedEnumValue: return "not one of the enum's values"
    case .malformedTimestamp: return "expected an RFC 3339 timestamp such as 2026-01-31T09:30:00Z"
    case .malformedDuration: return "expected a duration such as 1.5s"
    case .schemaMismatch: return "the value has the wrong JSON type"
    case .illegalNull: return "null is not allowed here"
    case .conflictingOneOf: return "more than one field of a oneof is set"
    case .messageDepthLimit: return "nested too deeply"
    case .invalidUTF8: return "invalid UTF-8"
    case .leadingZero: return "a number with a leading zero"
    default: return "not a valid value for this field"
    }
  }
}

/// Finds which field of a JSON request makes it fail to decode, by decoding the message with
/// that field alone: the first top-level field that fails alone, then within it the first
/// member or element that fails alone, as deep as it goes. No field types are needed (the
/// message's own decoder judges each try), and only refused requests pay for it, within a
/// bounded number of tries.
struct JSONFieldLocator {
  let type: any Message.Type
  static let maximumTries = 200
  static let maximumDepth = 16

  /// The path of the failing field (`customer.name`, `lines[2].quantity`) and its error.
  func failingField(in object: [String: Any]) -> (String, any Error)? {
    var tries = 0
    return self.search(object, path: "", wrap: { $0 }, depth: 0, tries: &tries)
  }

  private func search(
    _ value: Any,
    path: String,
    wrap: @escaping (Any) -> Any,
    depth: Int,
    tries: inout Int
  ) -> (String, any Error)? {
    guard depth < Self.maximumDepth else { return nil }
    if let object = value as? [String: Any] {
      for key in object.keys.sorted() {
        guard tries < Self.maximumTries else { return nil }
        tries += 1
        let member = object[key]!
        guard let error = self.failure(of: wrap([key: member])) else { continue }
        let name = Self.bounded(key)
        let here = path.isEmpty ? name : "\(path).\(name)"
        return self.search(
          member,
          path: here,
          wrap: { wrap([key: $0]) },
          depth: depth + 1,
          tries: &tries
        )
          ?? (here, error)
      }
    } else if let array = value as? [Any] {
      for (index, element) in array.enumerated() {
        guard tries < Self.maximumTries else { return nil }
        tries += 1
        guard let error = self.failure(of: wrap([element])) else { continue }
        let here = "\(path)[\(index)]"
        return self.search(
          element,
          path: here,
          wrap: { wrap([$0]) },
          depth: depth + 1,
          tries: &tries
        )
          ?? (here, error)
      }
    }
    return nil
  }

  /// Why `candidate` does not decode; nil when it does.
  private func failure(of candidate: Any) -> (any Error)? {
    guard
      let data = try? JSONSerialization.data(
        withJSONObject: candidate,
        options: [.fragmentsAllowed]
      )
    else { return nil }
    do {
      try Self.decode(self.type, Array(data))
      return nil
    } catch {
      return error
    }
  }

  private static func decode<M: Message>(_ type: M.Type, _ json: [UInt8]) throws {
    _ = try M(jsonUTF8Bytes: json, options: JSONTranscoding.decodingOptions)
  }

  /// A field name as sent, bounded (it is the caller's text) and with control characters shown
  /// as `?`.
  static func bounded(_ key: String) -> String {
    let clean = String(key.prefix(40).map { $0.isASCII && ($0.asciiValue ?? 0) < 0x20 ? "?" : $0 })
    return key.count > 40 ? clean + "…" : clean
  }
}
