// swift-tools-version:6.1
// The ERP + CRM: one executable per business domain, a gateway for partners, and the shared
// modules they stand on. The layout is fixed by the design (ARCHITECTURE.md §3).
import PackageDescription

let package = Package(
  name: "erp",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "ERPTransport", targets: ["ERPTransport"]),
    .library(name: "ERPStore", targets: ["ERPStore"]),
    .library(name: "ERPProtos", targets: ["ERPProtos"]),
    // For partners: connect to the gateway with an API key and call any service.
    .library(name: "ERPClient", targets: ["ERPClient"]),
    .executable(name: "erpctl", targets: ["erpctl"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
    .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
    // Traces over OTLP/HTTP (protobuf) only: the gRPC exporter's trait would build a second
    // HTTP/2 stack we do not use.
    .package(
      url: "https://github.com/swift-otel/swift-otel.git",
      from: "1.6.0",
      traits: ["OTLPHTTP"]
    ),
    .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    // The gateway's standard gRPC door (HTTP/2, optional TLS) for partners' stock gRPC clients.
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    // The gateway's JSON door (Connect over HTTP/1.1), and the plain HTTP client its tests use.
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    // The staff console's server-rendered pages.
    .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    // Staff passwords (bcrypt) and the TOTP second factor.
    .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
  ],
  targets: [
    .target(
      name: "ERPTransport",
      dependencies: [
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Shared/ERPTransport"
    ),
    // Generated from proto/ by `make protos`; committed, never edited by hand.
    .target(
      name: "ERPProtos",
      dependencies: [
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Shared/ERPProtos",
      exclude: ["GENERATED.sha256"]
    ),
    // Currencies (ISO 4217 exponents) and exact decimal exchange rates: no floating point.
    .target(name: "ERPMoney", path: "Shared/ERPMoney"),
    .systemLibrary(
      name: "CLibPQ",
      path: "Shared/CLibPQ",
      pkgConfig: "libpq",
      providers: [.apt(["libpq-dev"])]
    ),
    .target(
      name: "ERPStore",
      dependencies: [
        "CLibPQ",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
      ],
      path: "Shared/ERPStore"
    ),
    // The development cluster (initdb, pg_ctl) and the one way to run child processes, on
    // swift-subprocess: for erp-run, the tests and the benchmarks. Service executables never
    // link it (`make check-layers`).
    .target(
      name: "ERPDevCluster",
      dependencies: [.product(name: "Subprocess", package: "swift-subprocess")],
      path: "Shared/ERPDevCluster"
    ),
    .target(
      name: "ERPRuntime",
      dependencies: [
        "ERPStore",
        "ERPProtos",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "OTel", package: "swift-otel"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
      ],
      path: "Shared/ERPRuntime"
    ),
    // The domain services: one executable each (ARCHITECTURE §3), standing on ERPRuntime.
    .target(
      name: "Finance",
      dependencies: [
        "ERPMoney",
        "ERPRuntime",
        "ERPStore",
        "ERPProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "CSV", package: "CSV.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      path: "Services/Finance/Service"
    ),
    .executableTarget(
      name: "erp-finance",
      dependencies: ["Finance", "ERPRuntime"],
      path: "Services/Finance/Main"
    ),
    .target(
      name: "Customers",
      dependencies: [
        "ERPRuntime",
        "ERPStore",
        "ERPProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Services/Customers/Service"
    ),
    .executableTarget(
      name: "erp-customers",
      dependencies: ["Customers", "ERPRuntime"],
      path: "Services/Customers/Main"
    ),
    .target(
      name: "SupplyChain",
      dependencies: [
        "ERPMoney",
        "ERPRuntime",
        "ERPStore",
        "ERPProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Services/SupplyChain/Service"
    ),
    .executableTarget(
      name: "erp-supplychain",
      dependencies: ["SupplyChain", "ERPRuntime"],
      path: "Services/SupplyChain/Main"
    ),
    .target(
      name: "HR",
      dependencies: [
        "ERPMoney",
        "ERPRuntime",
        "ERPStore",
        "ERPProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Services/HR/Service"
    ),
    .executableTarget(
      name: "erp-hr",
      dependencies: ["HR", "ERPRuntime"],
      path: "Services/HR/Main"
    ),
    .target(
      name: "Sales",
      dependencies: [
        "ERPMoney",
        "ERPRuntime",
        "ERPStore",
        "ERPProtos",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Services/Sales/Service"
    ),
    .executableTarget(
      name: "erp-sales",
      dependencies: ["Sales", "ERPRuntime"],
      path: "Services/Sales/Main"
    ),
    .target(
      name: "Gateway",
      dependencies: [
        "ERPRuntime",
        "ERPStore",
        "ERPProtos",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Services/Gateway/Service"
    ),
    .executableTarget(
      name: "erp-gateway",
      dependencies: ["Gateway", "ERPRuntime"],
      path: "Services/Gateway/Main"
    ),
    // The staff console: server-rendered pages over the gateway (ARCHITECTURE §5).
    .target(
      name: "Web",
      dependencies: [
        "ERPClient",
        "ERPMoney",
        "ERPProtos",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Services/Web/Service"
    ),
    .executableTarget(
      name: "erp-web",
      dependencies: [
        "ERPClient",
        "Web",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
      ],
      path: "Services/Web/Main"
    ),
    // Every service in one process as production runs it (port 0, its own database each): the
    // system the tests and benchmarks run on. Service executables do not link it.
    .target(
      name: "ERPSystem",
      dependencies: [
        "Customers",
        "ERPRuntime",
        "ERPStore",
        "ERPTransport",
        "Finance",
        "Gateway",
        "HR",
        "Sales",
        "SupplyChain",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ],
      path: "Shared/ERPSystem"
    ),
    // The partner client library: the gateway, an API key, every service's generated client.
    .target(
      name: "ERPClient",
      dependencies: [
        "ERPProtos",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ],
      path: "Shared/ERPClient"
    ),
    // erpctl: the command line for operators and partners.
    .executableTarget(
      name: "erpctl",
      dependencies: [
        "ERPClient",
        "ERPMoney",
        "ERPProtos",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Services/Erpctl"
    ),
    // `make run`: a private PostgreSQL, every service as its own process, a demo tenant.
    .executableTarget(
      name: "erp-run",
      dependencies: [
        "ERPClient",
        "ERPDevCluster",
        "ERPRuntime",
        "ERPStore",
        "ERPProtos",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Services/Run"
    ),
    // What the benchmarks share: the server they run against, timing, pgbench.
    .target(
      name: "BenchmarkSupport",
      dependencies: ["ERPDevCluster", "ERPStore"],
      path: "Benchmarks/Support"
    ),
    // The store's benchmarks (`make bench-store`); built with everything else so they stay compiling.
    .executableTarget(
      name: "erp-bench-store",
      dependencies: ["BenchmarkSupport", "ERPDevCluster", "ERPStore"],
      path: "Benchmarks/StoreBenchmark"
    ),
    // The finance benchmarks (`make bench-finance`).
    .executableTarget(
      name: "erp-bench-finance",
      dependencies: [
        "BenchmarkSupport",
        "ERPRuntime",
        "Finance",
        "ERPStore",
        "ERPProtos",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Benchmarks/FinanceBenchmark"
    ),
    // The customers benchmarks (`make bench-customers`).
    .executableTarget(
      name: "erp-bench-customers",
      dependencies: [
        "ERPDevCluster",
        "BenchmarkSupport",
        "Customers",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPProtos",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ],
      path: "Benchmarks/CustomersBenchmark"
    ),
    // The supply chain benchmark (`make bench-supplychain`).
    .executableTarget(
      name: "erp-bench-supplychain",
      dependencies: ["BenchmarkSupport", "SupplyChain", "ERPStore", "ERPProtos"],
      path: "Benchmarks/SupplyChainBenchmark"
    ),
    // The services the sales and gateway benchmarks run against, each on its own database.
    .target(
      name: "BenchmarkStack",
      dependencies: [
        "BenchmarkSupport",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "Gateway",
      ],
      path: "Benchmarks/Stack"
    ),
    // The sales benchmark (`make bench-sales`): four services over TCP, each on its database.
    .executableTarget(
      name: "erp-bench-sales",
      dependencies: [
        "BenchmarkStack",
        "BenchmarkSupport",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Benchmarks/SalesBenchmark"
    ),
    // The gateway benchmark (`make bench-gateway`): Customer360 and forwarding overheads.
    .executableTarget(
      name: "erp-bench-gateway",
      dependencies: [
        "ERPDevCluster",
        "BenchmarkStack",
        "ERPClient",
        "BenchmarkSupport",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPTransport",
        "Gateway",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Benchmarks/GatewayBenchmark"
    ),
    // Test support shared by the test targets: a private PostgreSQL per test process.
    .target(
      name: "ERPTestSupport",
      dependencies: [
        "ERPDevCluster",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPTransport",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ],
      path: "Tests/ERPTestSupport"
    ),
    .testTarget(
      name: "WebTests",
      dependencies: [
        "Web",
        "ERPClient",
        "ERPDevCluster",
        "ERPMoney",
        "ERPProtos",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ],
      path: "Tests/WebTests"
    ),
    .testTarget(
      name: "ERPStoreTests",
      dependencies: [
        "ERPDevCluster",
        "ERPStore",
        "ERPTestSupport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ],
      path: "Tests/ERPStoreTests"
    ),
    .testTarget(
      name: "ERPRuntimeTests",
      dependencies: [
        "ERPDevCluster",
        "erp-run",
        "ERPRuntime",
        "ERPProtos",
        "ERPStore",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ],
      path: "Tests/ERPRuntimeTests"
    ),
    .testTarget(
      name: "FinanceTests",
      dependencies: [
        "Finance",
        "ERPMoney",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ],
      path: "Tests/FinanceTests"
    ),
    .testTarget(
      name: "CustomersTests",
      dependencies: [
        "Customers",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Tests/CustomersTests"
    ),
    .testTarget(
      name: "SupplyChainTests",
      dependencies: [
        "SupplyChain",
        "Finance",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Tests/SupplyChainTests"
    ),
    .testTarget(
      name: "HRTests",
      dependencies: [
        "HR",
        "Finance",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ],
      path: "Tests/HRTests"
    ),
    .testTarget(
      name: "SalesTests",
      dependencies: [
        "Sales",
        "Customers",
        "Finance",
        "SupplyChain",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Tests/SalesTests"
    ),
    .testTarget(
      name: "GatewayTests",
      dependencies: [
        "ERPDevCluster",
        "Gateway",
        "ERPClient",
        "Customers",
        "Finance",
        "HR",
        "Sales",
        "SupplyChain",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
      ],
      path: "Tests/GatewayTests"
    ),
    // Traces of the whole system, received by an OTLP/HTTP receiver inside the test.
    .testTarget(
      name: "TracingTests",
      dependencies: [
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPSystem",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      path: "Tests/TracingTests",
      exclude: ["OTLP/regenerate.sh"]
    ),
    .testTarget(
      name: "ERPMoneyTests",
      dependencies: ["ERPMoney"],
      path: "Tests/ERPMoneyTests"
    ),
    .testTarget(
      name: "ERPTransportTests",
      dependencies: [
        "ERPTransport",
        "ERPTestSupport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Tests/ERPTransportTests"
    ),
    // The fault suite: real service processes killed, real PostgreSQL stopped, under load.
    .testTarget(
      name: "FaultTests",
      dependencies: [
        "ERPDevCluster",
        "ERPProtos",
        "ERPRuntime",
        "ERPStore",
        "ERPTestSupport",
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ],
      path: "Tests/FaultTests"
    ),
  ],
  swiftLanguageModes: [.v6]
)
