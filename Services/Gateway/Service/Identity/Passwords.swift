import GRPCCore
import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

/// Staff passwords: at least 10 characters, none of the 1,000 most common (``CommonPasswords``,
/// ignoring case), hashed with bcrypt at the configured cost. Hashing and checking run on NIO's
/// blocking thread pool: at cost 12 each takes a good part of a second of CPU, which must not
/// hold one of the concurrency pool's few threads. (bcrypt reads the first 72 bytes; the field
/// limits bound a password at 200 characters.)
enum Passwords {
  static let minimumLength = 10

  /// Refuses a password that is too short or too common, naming `field`.
  static func check(_ password: String, field: String) throws {
    guard password.count >= Self.minimumLength else {
      throw RPCError(
        code: .invalidArgument,
        message: "\(field): at least \(Self.minimumLength) characters"
      )
    }
    guard !CommonPasswords.all.contains(password.lowercased()) else {
      throw RPCError(
        code: .invalidArgument,
        message: "\(field): one of the 1,000 most common passwords; choose another"
      )
    }
  }

  static func hash(_ password: String, cost: UInt8) async throws -> String {
    try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
  }

  static func verify(_ password: String, hash: String) async throws -> Bool {
    try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
  }

  /// A hash to check against when the email is unknown, so that the answer takes as long as
  /// for a wrong password (no user enumeration by timing).
  static func decoy(cost: UInt8) -> String {
    Self.decoys.withLockedValue { decoys in
      if let hash = decoys[cost] { return hash }
      let hash = Bcrypt.hash("decoy password never set", cost: cost)
      decoys[cost] = hash
      return hash
    }
  }

  private static let decoys = NIOLockedValueBox<[UInt8: String]>([:])
}
