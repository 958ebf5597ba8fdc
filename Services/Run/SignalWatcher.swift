import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Turns SIGINT / SIGTERM into calls of `handler` (on a dispatch queue), instead of the default
/// of dying at once: the launcher must stop its services and PostgreSQL first.
final class SignalWatcher: Sendable {
  // DispatchSourceSignal is thread-safe but not marked Sendable; the sources are only created
  // here and cancelled in `cancel()`.
  private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

  init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
    self.sources = signals.map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { handler(number) }
      source.resume()
      return source
    }
  }

  func cancel() {
    for source in self.sources { source.cancel() }
  }
}
