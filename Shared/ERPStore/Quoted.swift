/// Caller input as an error message shows it: in double quotes, at most `limit` Unicode scalars
/// (cut on a character boundary, so UTF-8 and Arabic stay whole and a character of many
/// combining marks cannot smuggle in more), with an ellipsis when cut, and control characters
/// escaped (`\0`, `\n`, `\u{1B}`) so that a message stays one readable line. Every status message
/// that quotes a caller's value goes through this, so that no input of any length is echoed back
/// whole (a long echo can exceed the peer's limits on status messages).
public func quoted(_ input: some StringProtocol, limit: Int = 40) -> String {
  var shown = ""
  var scalars = 0
  var index = input.startIndex
  while index < input.endIndex {
    let character = input[index]
    scalars += character.unicodeScalars.count
    guard scalars <= limit else { break }
    if character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
      for scalar in character.unicodeScalars { shown += scalar.escaped(asASCII: false) }
    } else {
      shown.append(character)
    }
    index = input.index(after: index)
  }
  return "\"" + shown + (index < input.endIndex ? "…" : "") + "\""
}
