import GRPCCore

/// Looks up the `MethodConfig` of a method in a `ServiceConfig`, most specific name first: the
/// exact method, then its whole service, then the default entry (empty service), as gRPC does.
struct MethodConfigTable: Sendable {
  private var byName: [MethodConfig.Name: MethodConfig] = [:]

  init(serviceConfig: ServiceConfig) {
    for config in serviceConfig.methodConfig {
      for name in config.names where self.byName[name] == nil {
        self.byName[name] = config
      }
    }
  }

  subscript(descriptor: MethodDescriptor) -> MethodConfig? {
    let service = descriptor.service.fullyQualifiedService
    return self.byName[MethodConfig.Name(service: service, method: descriptor.method)]
      ?? self.byName[MethodConfig.Name(service: service, method: "")]
      ?? self.byName[MethodConfig.Name(service: "", method: "")]
  }
}
