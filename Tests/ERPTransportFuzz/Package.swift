// swift-tools-version:6.1
// A libFuzzer target over the transport's frame decoder and its handling of HEADERS and metadata.
// A package of its own, built only with `-sanitize=fuzzer` (`make fuzz`, and a bounded run in
// `make test`), so the main build never links libFuzzer.
import PackageDescription

let package = Package(
  name: "erpt-fuzz",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "erp", path: "../.."),
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
  ],
  targets: [
    .executableTarget(
      name: "erpt-fuzz",
      dependencies: [
        .product(name: "ERPTransport", package: "erp"),
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ],
      path: "Sources/ERPTransportFuzz"
    )
  ],
  swiftLanguageModes: [.v6]
)
