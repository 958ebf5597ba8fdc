import Foundation
public import SwiftProtobuf

/// The fields that differ between two versions of a record, each value as JSON text: what a
/// history row stores for an update. Built from two value maps (field name → JSON value), or
/// from two versions of a record's message, whose maps are its protobuf JSON with proto field
/// names. Protobuf's JSON leaves out a field at its default (an empty string, a zero, `[]`), so
/// such a field is `null` on that side: a phone added to a customer without one is
/// `null` → `["+966…"]`.
public struct FieldChanges: Sendable, Equatable {
  public struct Change: Sendable, Equatable {
    public var field: String
    /// JSON text; `null` when the record had (or has) no such field.
    public var before: String
    public var after: String
  }

  /// By field name, in name order.
  public var changes: [Change]

  public var isEmpty: Bool { self.changes.isEmpty }
  public var fields: Set<String> { Set(self.changes.map(\.field)) }

  /// The fields of `after` whose JSON differs from `before`'s (a field missing on one side is
  /// `null` there). `ignoring` names fields that are not the record's own (a timestamp the
  /// database keeps).
  public init(before: [String: String], after: [String: String], ignoring: Set<String> = []) {
    let names = Set(before.keys).union(after.keys).subtracting(ignoring)
    self.changes = names.sorted().compactMap { name in
      let old = before[name] ?? "null"
      let new = after[name] ?? "null"
      return old == new ? nil : Change(field: name, before: old, after: new)
    }
  }

  /// The difference between two versions of one record's message; nil `before` is a creation
  /// (every field as `after`), nil `after` a deletion.
  public init(
    before: (any SwiftProtobuf.Message)?,
    after: (any SwiftProtobuf.Message)?,
    ignoring: Set<String> = []
  ) throws {
    self.init(
      before: try before.map(Self.values) ?? [:],
      after: try after.map(Self.values) ?? [:],
      ignoring: ignoring
    )
  }

  /// A message as a map of its top-level fields to their JSON text (keys sorted inside, so two
  /// equal values have equal text).
  public static func values(of message: any SwiftProtobuf.Message) throws -> [String: String] {
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    options.alwaysPrintInt64sAsNumbers = true
    let json = try message.jsonUTF8Data(options: options)
    guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
      return [:]
    }
    var values: [String: String] = [:]
    for (key, value) in object {
      let data = try JSONSerialization.data(
        withJSONObject: value,
        options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
      )
      values[key] = String(decoding: data, as: UTF8.self)
    }
    return values
  }

  /// The changes as one JSON object, `{"field": {"before": …, "after": …}}`, for the jsonb
  /// column.
  var json: String {
    let members = self.changes.map { change in
      "\(Self.quoted(change.field)):{\"before\":\(change.before),\"after\":\(change.after)}"
    }
    return "{" + members.joined(separator: ",") + "}"
  }

  /// `text` as a JSON string, for a value map.
  public static func json(_ text: String) -> String { Self.quoted(text) }

  private static func quoted(_ text: String) -> String {
    let data = try? JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed)
    return data.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
  }
}
