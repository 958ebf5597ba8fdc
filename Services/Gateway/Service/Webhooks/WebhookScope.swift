import GRPCCore

/// The scopes of the `Webhooks` API: `webhooks:read` for its reading methods (declared
/// `NO_SIDE_EFFECTS` in webhooks.proto), `webhooks:write` (which includes read) for the rest.
enum WebhookScope {
  static let service = "erp.gateway.v1.Webhooks"
  static let read = "webhooks:read"
  static let write = "webhooks:write"
  static let all: Set<String> = [Self.read, Self.write]
  static let readingMethods: Set<String> = ["ListSubscriptions", "ListDeliveries"]

  static func required(_ descriptor: MethodDescriptor) -> String {
    Self.readingMethods.contains(descriptor.method) ? Self.read : Self.write
  }
}
