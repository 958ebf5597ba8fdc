import ArgumentParser
import Foundation
import Metrics
import Prometheus
import Tracing

/// The `main` of every service executable: parses flags and environment, sets up logging and
/// metrics, then serves or runs `migrate-all`. Exits non-zero with the reason when it cannot.
public enum ServiceMain {
  public static func run(_ definition: ServiceDefinition) async -> Never {
    let options = ServiceOptions.parseOrExit()
    guard let entry = ServiceCatalog.entry(named: definition.name) else {
      fatalError("service \(definition.name) is not in ServiceCatalog")
    }
    let configuration: ServiceConfiguration
    do {
      configuration = try ServiceConfiguration(
        service: entry,
        options: options,
        environment: ProcessInfo.processInfo.environment
      )
    } catch {
      ServiceOptions.exit(withError: error)
    }
    let logger = ServiceLogging.logger(
      entry.executable,
      level: configuration.logLevel,
      format: configuration.logFormat
    )
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(ServiceMetrics.factory(registry: registry))
    // Off unless the OTEL_* variables ask for traces: then the process-wide tracer is this
    // service's (for libraries that read InstrumentationSystem), and the runner uses it.
    let tracing: ServiceTracing.Backend?
    do {
      tracing = try ServiceTracing.backend(
        service: entry.executable,
        variables: ProcessInfo.processInfo.environment,
        logger: logger
      )
    } catch {
      ServiceOptions.exit(withError: error)
    }
    if let tracer = tracing?.tracer.tracer { InstrumentationSystem.bootstrap(tracer) }
    do {
      switch options.command {
      case .serve:
        try await ServiceRunner(
          definition: definition,
          configuration: configuration,
          logger: logger,
          registry: registry,
          variables: options.variables(over: ProcessInfo.processInfo.environment),
          tracing: tracing
        ).run()
      case .migrateAll:
        try await MigrateAllCommand.run(
          definition: definition,
          configuration: configuration,
          logger: logger
        )
      }
      exit(0)
    } catch {
      logger.critical("\(error)")
      exit(1)
    }
  }
}
