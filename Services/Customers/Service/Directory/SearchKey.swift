/// The form in which names are compared and sorted, so that a person searching "احمد" finds
/// "أحمد" and "أَحْمَد": Arabic diacritics (harakat, tanween, shadda, sukun, dagger alif) and
/// tatweel are dropped; أ إ آ ٱ become ا, ة becomes ه, ى becomes ي; Arabic-Indic digits become
/// ASCII; Latin letters are lower-cased; runs of spaces become one.
public enum SearchKey {
  public static func of(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    var lastWasSpace = true
    for scalar in text.lowercased().unicodeScalars {
      switch scalar.value {
      case 0x064B...0x065F, 0x0670, 0x0640:  // diacritics, dagger alif, tatweel
        continue
      case 0x0623, 0x0625, 0x0622, 0x0671:  // أ إ آ ٱ
        scalars.append("\u{0627}")
      case 0x0629:  // ة
        scalars.append("\u{0647}")
      case 0x0649:  // ى
        scalars.append("\u{064A}")
      case 0x0660...0x0669:  // Arabic-Indic digits
        scalars.append(Unicode.Scalar(scalar.value - 0x0660 + 0x30)!)
      case 0x06F0...0x06F9:  // Eastern Arabic-Indic digits
        scalars.append(Unicode.Scalar(scalar.value - 0x06F0 + 0x30)!)
      default:
        if scalar.properties.isWhitespace {
          if !lastWasSpace { scalars.append(" ") }
          lastWasSpace = true
          continue
        }
        scalars.append(scalar)
      }
      lastWasSpace = false
    }
    var key = String(scalars)
    while key.hasSuffix(" ") { key.removeLast() }
    return key
  }
}
