// erp-run: `make run`. Brings the whole system up on one machine; Ctrl-C stops it all.
import Foundation

do {
  try await Launcher(environment: ProcessInfo.processInfo.environment).run()
  exit(0)
} catch {
  FileHandle.standardError.write(Data("erp-run: \(error)\n".utf8))
  exit(1)
}
