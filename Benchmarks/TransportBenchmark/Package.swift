// swift-tools-version:6.1
// Benchmarks the ERP transport against the alternatives in one run. A package of its own so the
// HTTP/2 transport it compares with stays out of what `make test` builds.
import PackageDescription

let package = Package(
  name: "transport-benchmark",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "erp", path: "../.."),
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
  ],
  targets: [
    .executableTarget(
      name: "transport-benchmark",
      dependencies: [
        .product(name: "ERPTransport", package: "erp"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Sources/TransportBenchmark"
    )
  ],
  swiftLanguageModes: [.v6]
)
