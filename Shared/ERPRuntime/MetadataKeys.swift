public import GRPCCore

/// Metadata keys of our calls (lower case, as on the wire).
public enum MetadataKeys {
  public static let tenant = "x-erp-tenant"
  public static let requestID = "x-erp-request-id"
  public static let serviceSecret = "x-erp-service-secret"
  static let timeout = "grpc-timeout"
}

extension Metadata {
  /// The first text value of `key`, if any.
  public func firstString(_ key: String) -> String? {
    for value in self[stringValues: key] { return value }
    return nil
  }
}
