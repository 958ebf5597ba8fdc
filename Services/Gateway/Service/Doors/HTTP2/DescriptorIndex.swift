import ERPProtos
import Foundation
import SwiftProtobuf

/// The contracts as server reflection hands them out: every file of the descriptor set `make
/// protos` writes (``ERPDescriptorSet``: every `.proto` with its imports), by file name and by
/// each fully-qualified symbol it declares (package-qualified messages, nested ones, enums,
/// services and methods).
struct DescriptorIndex: Sendable {
  /// Each file's serialized `FileDescriptorProto`, by file name.
  private let serialized: [String: Data]
  /// Each file's imports, by file name.
  private let imports: [String: [String]]
  /// The file declaring each symbol.
  private let symbols: [String: String]
  /// The fully-qualified names of the messages declared (for extension-number queries).
  let messages: Set<String>

  /// The index of the committed descriptor set (empty only if it were not valid, which the
  /// reflection test would show).
  static let shared =
    (try? DescriptorIndex(base64: ERPDescriptorSet.base64))
    ?? DescriptorIndex(files: [])

  init(base64: String) throws {
    guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
      throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not base64"))
    }
    try self.init(files: Google_Protobuf_FileDescriptorSet(serializedBytes: data).file)
  }

  init(files: [Google_Protobuf_FileDescriptorProto]) {
    var serialized: [String: Data] = [:]
    var imports: [String: [String]] = [:]
    var symbols: [String: String] = [:]
    var messages: Set<String> = []
    for file in files {
      serialized[file.name] = try? file.serializedBytes()
      imports[file.name] = file.dependency
      let prefix = file.package.isEmpty ? "" : file.package + "."
      func add(_ message: Google_Protobuf_DescriptorProto, in scope: String) {
        let name = scope + message.name
        symbols[name] = file.name
        messages.insert(name)
        for nested in message.nestedType { add(nested, in: name + ".") }
        for type in message.enumType { symbols[name + "." + type.name] = file.name }
      }
      for message in file.messageType { add(message, in: prefix) }
      for type in file.enumType { symbols[prefix + type.name] = file.name }
      for service in file.service {
        symbols[prefix + service.name] = file.name
        for method in service.method {
          symbols[prefix + service.name + "." + method.name] = file.name
        }
      }
    }
    self.serialized = serialized
    self.imports = imports
    self.symbols = symbols
    self.messages = messages
  }

  /// The file declaring `symbol`, if any.
  func file(declaring symbol: String) -> String? { self.symbols[symbol] }

  /// Whether the set has a file called `name`.
  func has(file name: String) -> Bool { self.serialized[name] != nil }

  /// `name`'s serialized descriptor first, then those of everything it imports, transitively
  /// (what a reflection client needs to build the file's types).
  func withImports(_ name: String) -> [Data] {
    var order: [String] = []
    var seen: Set<String> = []
    var pending = [name]
    while let next = pending.popLast() {
      guard seen.insert(next).inserted, self.serialized[next] != nil else { continue }
      order.append(next)
      pending.append(contentsOf: (self.imports[next] ?? []).reversed())
    }
    return order.compactMap { self.serialized[$0] }
  }
}
