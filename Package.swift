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
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
  ],
  targets: [
    .target(
      name: "ERPTransport",
      dependencies: [
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
      ],
      path: "Shared/ERPTransport"
    ),
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
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "DequeModule", package: "swift-collections"),
      ],
      path: "Shared/ERPStore"
    ),
    .testTarget(
      name: "ERPStoreTests",
      dependencies: [
        "ERPStore",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
      ],
      path: "Tests/ERPStoreTests"
    ),
    .testTarget(
      name: "ERPTransportTests",
      dependencies: [
        "ERPTransport",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      path: "Tests/ERPTransportTests"
    ),
  ],
  swiftLanguageModes: [.v6]
)
