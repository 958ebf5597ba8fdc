import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with `posix_spawn` and `waitpid`, optionally capturing its
/// output. Blocking; used only at start-up to drive PostgreSQL's own tools.
enum ChildProcess {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs `executable` with `arguments`; throws when it exits non-zero. Without `captureOutput`,
  /// output goes to /dev/null (needed for `pg_ctl start`, whose server keeps inherited pipes open).
  @discardableResult
  static func run(_ executable: String, _ arguments: [String], captureOutput: Bool) throws -> String
  {
    var fds: [Int32] = [-1, -1]
    if captureOutput { guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed") } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if captureOutput {
      posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
      posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
      posix_spawn_file_actions_addclose(&actions, fds[0])
      posix_spawn_file_actions_addclose(&actions, fds[1])
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    SpawnActions.closeInheritedDescriptors(&actions)

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    // A process group of its own: Ctrl-C at a terminal reaches the program that started it, which
    // then stops what it started in order, instead of PostgreSQL shutting down under its clients.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    if captureOutput { close(fds[1]) }
    guard spawned == 0 else {
      if captureOutput { close(fds[0]) }
      throw Failure(
        description: "cannot start \(executable): \(String(cString: strerror(spawned)))"
      )
    }
    var output = Data()
    if captureOutput {
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = read(fds[0], &buffer, buffer.count)
        if count > 0 {
          output.append(contentsOf: buffer[0..<count])
        } else if count == 0 || errno != EINTR {
          break
        }
      }
      close(fds[0])
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let text = String(decoding: output, as: UTF8.self)
    let exitCode = (status >> 8) & 0xFF
    guard status & 0x7F == 0, exitCode == 0 else {
      throw Failure(
        description:
          "\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)"
      )
    }
    return text
  }
}
