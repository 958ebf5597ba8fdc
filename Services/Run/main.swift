// erp-run: `make run`. Brings the whole system up on one machine; Ctrl-C stops it all.
import Foundation

// Output that nobody reads any more (`make run | tee log`, and Ctrl-C ended tee as well) must
// not kill erp-run before it has stopped the services and PostgreSQL: a write to the closed
// pipe fails with EPIPE instead (LinePrinter gives the line up). Services get the default back.
signal(SIGPIPE, SIG_IGN)

do {
  try await Launcher(environment: ProcessInfo.processInfo.environment).run()
  exit(0)
} catch {
  FileHandle.standardError.write(Data("erp-run: \(error)\n".utf8))
  exit(1)
}
