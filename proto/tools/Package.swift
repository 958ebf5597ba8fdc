// swift-tools-version:6.1
// Builds the protoc plugins that generate our Swift code, at the versions the services link:
// protoc-gen-swift (swift-protobuf) and protoc-gen-grpc-swift-2 (grpc-swift-protobuf).
// A package of its own: the plugins take minutes to build and only `make protos` needs them.
import PackageDescription

let package = Package(
  name: "protoc-plugins",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
  ],
  targets: [
    // Writes Shared/ERPProtos/ERPCatalog.swift: the domains, their services and methods, and
    // whether each method only reads, from the contracts.
    .executableTarget(
      name: "protoc-gen-erp-catalog",
      dependencies: [
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf"),
      ],
      path: "Catalog"
    ),
    // Writes Shared/ERPProtos/ERPJSONAPI.swift: the JSON door's method table and its OpenAPI
    // 3.1 document, from the contracts.
    .executableTarget(
      name: "protoc-gen-erp-json",
      dependencies: [
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "SwiftProtobufPluginLibrary", package: "swift-protobuf"),
      ],
      path: "JSONAPI"
    ),
  ]
)
