import Foundation

/// A progress bar on standard error when it is a terminal; nothing otherwise.
enum Progress {
  static let isTerminal = isatty(STDERR_FILENO) == 1

  static func show(_ done: Int, of total: Int) {
    guard Self.isTerminal, total > 0, done == total || done % 50 == 0 else { return }
    let width = 30
    let filled = done * width / total
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)".utf8))
  }

  static func finish() {
    guard Self.isTerminal else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }
}
