import Foundation
import GRPCCore

/// A subscription's endpoint, checked before it is stored: http or https, a host, at most 2048
/// characters, no user information (a password in a URL ends up in logs) and no fragment (it
/// never reaches the server). The message names the field and never echoes the URL.
enum WebhookURL {
  static let maxLength = 2048

  static func checked(_ text: String) throws -> URL {
    func invalid(_ why: String) -> RPCError {
      RPCError(code: .invalidArgument, message: "url: \(why)")
    }
    guard !text.isEmpty else { throw invalid("required") }
    guard text.utf8.count <= Self.maxLength else {
      throw invalid("at most \(Self.maxLength) characters")
    }
    guard let components = URLComponents(string: text), let url = components.url else {
      throw invalid("not a URL")
    }
    guard let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
      throw invalid("must be http or https")
    }
    guard let host = components.host, !host.isEmpty else { throw invalid("needs a host") }
    guard components.user == nil, components.password == nil else {
      throw invalid("must not carry user information")
    }
    guard components.fragment == nil else { throw invalid("must not have a fragment") }
    return url
  }
}
