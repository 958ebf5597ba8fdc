import ERPStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One service started as its own process, in its own process group, with its standard output
/// and error read line by line and echoed with its name in front: `[finance] …`.
final class ServiceProcess: Sendable {
  let name: String
  let pid: pid_t

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Starts `executable`; `onExit` hears its wait status once it has exited.
  init(
    name: String,
    executable: String,
    environment: [String: String],
    output: LinePrinter,
    onExit: @escaping @Sendable (Int32) -> Void
  ) throws {
    self.name = name
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else {
      throw Failure(description: "pipe: \(String(cString: strerror(errno)))")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])
    SpawnActions.closeInheritedDescriptors(&actions)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // erp-run ignores SIGPIPE (see main.swift); a service starts with the default disposition.
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
    posix_spawnattr_setpgroup(&attributes, 0)

    let argv = [strdup(executable)] + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    close(fds[1])
    guard spawned == 0 else {
      close(fds[0])
      throw Failure(
        description: "cannot start \(executable): \(String(cString: strerror(spawned)))"
      )
    }
    self.pid = pid
    let readEnd = fds[0]
    let child = pid
    let prefix = "[\(name)] "
    Thread.detachNewThread {
      Self.echoLines(from: readEnd, prefix: prefix, to: output)
      var status: Int32 = 0
      while waitpid(child, &status, 0) == -1 && errno == EINTR {}
      onExit(status)
    }
  }

  /// Asks the service to drain and stop.
  func terminate() { kill(self.pid, SIGTERM) }

  /// Stops it at once (after the drain period has passed).
  func forceKill() { kill(self.pid, SIGKILL) }

  private static func echoLines(from fd: Int32, prefix: String, to output: LinePrinter) {
    var pending: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 8192)
    while true {
      let count = read(fd, &buffer, buffer.count)
      if count > 0 {
        pending.append(contentsOf: buffer[0..<count])
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
          output.print(prefix + String(decoding: pending[..<newline], as: UTF8.self))
          pending.removeSubrange(...newline)
        }
      } else if count == 0 || errno != EINTR {
        break
      }
    }
    if !pending.isEmpty { output.print(prefix + String(decoding: pending, as: UTF8.self)) }
    close(fd)
  }
}

/// Writes whole lines to standard output, one `write` each, so lines of several services never
/// interleave mid-line.
struct LinePrinter: Sendable {
  func print(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes[written...].withUnsafeBytes {
        write(STDOUT_FILENO, $0.baseAddress, $0.count)
      }
      if count <= 0 {
        if errno == EINTR { continue }
        return
      }
      written += count
    }
  }
}
