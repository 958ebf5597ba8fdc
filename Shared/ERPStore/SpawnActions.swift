#if canImport(Glibc)
import Glibc
#endif

/// File actions for `posix_spawn` that stop a child from inheriting our other descriptors.
///
/// Without this a child inherits every socket open at that moment (NIO's accepted sockets have no
/// close-on-exec flag): a long-lived child such as PostgreSQL then keeps a connection's socket
/// open after we close it, and the peer never sees the end of the stream.
public enum SpawnActions {
  private typealias AddCloseFrom =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

  /// glibc ≥ 2.34 has `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does
  /// not expose: it is looked up once by name.
  private static let addCloseFrom: AddCloseFrom? = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: AddCloseFrom.self)
  }()

  /// Closes every descriptor from 3 up in the child (after the actions added before this one).
  public static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
    if let addCloseFrom = Self.addCloseFrom {
      _ = addCloseFrom(&actions, 3)
    } else {
      // Older C libraries: close what can be open, one by one.
      let limit = min(Int32(sysconf(Int32(_SC_OPEN_MAX))), 4096)
      for fd in 3..<max(limit, 3) { posix_spawn_file_actions_addclose(&actions, fd) }
    }
  }
}
