#!/usr/bin/env bash
# The OTLP messages the test's receiver decodes: protoc-gen-swift's output for
# opentelemetry-proto (common, resource, trace, collector/trace), as swift-otel 1.6.0 ships it
# (Sources/OTel/OTLPCore/Generated), with its `package` access made internal so this test target
# can compile it. Run from the repository root: Tests/TracingTests/OTLP/regenerate.sh
set -euo pipefail
repo=${SWIFT_OTEL_GIT:-/opt/swift-packages/swift-otel/swift-otel.git}
tag=1.6.0
generated=Sources/OTel/OTLPCore/Generated/opentelemetry/proto
out=$(dirname "$0")
for file in common/v1/common resource/v1/resource trace/v1/trace \
  collector/trace/v1/trace_service; do
  # Drops swift-otel's trait guard (#if !(OTLPHTTP || OTLPGRPC) … #else … #endif).
  git -C "$repo" show "$tag:$generated/$file.pb.swift" \
    | sed -e '1,3d' -e '$d' \
    | sed -E 's/^package import /import /; s/\bpackage (struct|var|init|enum|static|func|typealias|let|mutating|extension|case|subscript|indirect)\b/\1/g' \
    > "$out/$(basename "$file").pb.swift"
done
