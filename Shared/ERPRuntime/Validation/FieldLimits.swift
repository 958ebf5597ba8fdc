/// How long each string field of a request may be, in Unicode scalars (what PostgreSQL's
/// `char_length` counts; a letter with two Arabic diacritics is three), and how large a bytes
/// field may be, in bytes. One table for every service, looked up by the field's proto name:
/// the exact name first, then its suffix, then the default. Services keep their own, stricter
/// rules where a field has a format (a 20-character account code, a 34-character IBAN); the
/// numbers here agree with the services' own limits where those are plain lengths.
///
/// | field (proto name)                         | limit  |
/// |--------------------------------------------|--------|
/// | any other string field                     | 200    |
/// | `tenant_id`, `confirm_tenant_id`           | 40     |
/// | `id`, `*_id`, `*_ids` (each)               | 100    |
/// | `source_type`                              | 50     |
/// | `carrier`, `tracking_number`               | 100    |
/// | `tags` (each)                              | 50     |
/// | `email`, `emails` (each)                   | 254    |
/// | `memo`, `reason`, `close_reason`,          | 500    |
/// | `override_reason`, `description`           |        |
/// | `note`, `summary`, `message`, `last_error` | 4,000  |
/// | `body`                                     | 20,000 |
/// | `url` (a webhook's endpoint)               | 2,048  |
/// | `data_json` (a webhook event's data)       | 65,536 |
/// | `statement_text` (a bank statement file)   | 1,000,000 |
/// | any bytes field                            | 65,536 |
public enum FieldLimits {
  public static let defaultLimit = 200
  public static let bytesLimit = 65_536

  static let byName: [String: Int] = [
    "tenant_id": 40, "confirm_tenant_id": 40,
    "source_type": 50, "tags": 50, "carrier": 100, "tracking_number": 100,
    "email": 254, "emails": 254,
    "memo": 500, "reason": 500, "close_reason": 500, "override_reason": 500, "description": 500,
    "note": 4_000, "summary": 4_000, "message": 4_000, "last_error": 4_000,
    "body": 20_000,
    "url": 2_048, "data_json": 65_536,
    "statement_text": 1_000_000,
  ]

  static let bySuffix: [(suffix: String, limit: Int)] = [("_id", 100), ("_ids", 100)]

  /// The shortest limit of any field: a value no longer than this needs no lookup.
  static let shortest = Self.byName.values.min()!

  /// The limit of the string field called `name`, in Unicode scalars.
  public static func limit(forField name: String) -> Int {
    if let limit = Self.byName[name] { return limit }
    if name == "id" { return 100 }
    for (suffix, limit) in Self.bySuffix where name.hasSuffix(suffix) { return limit }
    return Self.defaultLimit
  }
}
