#!/usr/bin/env bash
# Regenerates Shared/ERPProtos (Swift, and the domain catalog ERPCatalog.swift) and
# Clients/C/generated (C) from proto/erp/**/*.proto, the one documented way (`make protos`).
# protoc comes from Debian's protobuf-compiler; the Swift plugins are built from proto/tools at
# the versions the services link. Generated code is committed and never edited by hand:
# Shared/ERPProtos/GENERATED.sha256 records the inputs and outputs, and `make test` fails when
# either no longer matches (proto/check-generated.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=Shared/ERPProtos

(cd proto/tools && swift build -c release --product protoc-gen-swift >&2 &&
  swift build -c release --product protoc-gen-grpc-swift-2 >&2 &&
  swift build -c release --product protoc-gen-erp-catalog >&2 &&
  swift build -c release --product protoc-gen-erp-json >&2)
bin=$(cd proto/tools && swift build -c release --show-bin-path)

find "$out" -name '*.swift' -delete
mapfile -t protos < <(cd proto && find erp -name '*.proto' | LC_ALL=C sort)
(cd proto && protoc \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
  --swift_out="$root/$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  --grpc-swift_out="$root/$out" \
  --grpc-swift_opt=Visibility=Public,FileNaming=PathToUnderscores,Client=true,Server=true \
  "${protos[@]}")

# The domain catalog (ERPCatalog.swift): domains, services, methods and whether each only reads.
(cd proto && protoc --plugin=protoc-gen-erp-catalog="$bin/protoc-gen-erp-catalog" \
  --erp-catalog_out="$root/$out" "${protos[@]}")

# The JSON door's method table and OpenAPI document (ERPJSONAPI.swift).
(cd proto && protoc --plugin=protoc-gen-erp-json="$bin/protoc-gen-erp-json" \
  --erp-json_out="$root/$out" "${protos[@]}")

# protoc-gen-grpc-swift-2 writes a comment-only file for a .proto without services: drop those.
for file in "$out"/*.grpc.swift; do
  grep -qvE '^(//.*)?$' "$file" || rm "$file"
done

# The C partner client's messages and service descriptors (protoc-c, Debian's
# protobuf-c-compiler), with the one well-known type our contracts import.
c_out=Clients/C/generated
rm -rf "$c_out" && mkdir -p "$c_out"
(cd proto && protoc-c -I. -I/usr/include --c_out="$root/$c_out" \
  "${protos[@]}" google/protobuf/timestamp.proto)

proto/check-generated.sh --write
echo "generated $(find "$out" -name '*.swift' | wc -l) files into $out" >&2
echo "generated $(find "$c_out" -name '*.pb-c.c' | wc -l) C units into $c_out" >&2
