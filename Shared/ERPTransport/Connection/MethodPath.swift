import GRPCCore

/// Method paths on the wire: `/package.Service/Method`, as gRPC over HTTP/2 writes them.
enum MethodPath {
  static func make(_ descriptor: MethodDescriptor) -> String {
    "/\(descriptor.fullyQualifiedMethod)"
  }

  static func parse(_ path: String) -> MethodDescriptor? {
    guard path.first == "/" else { return nil }
    let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
    return MethodDescriptor(fullyQualifiedService: String(parts[0]), method: String(parts[1]))
  }
}
