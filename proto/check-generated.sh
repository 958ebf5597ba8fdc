#!/usr/bin/env bash
# Fails when Shared/ERPProtos or Clients/C/generated is stale (a .proto changed since generation)
# or was edited by hand.
# With --write, records the current hashes (generate.sh does this after generating).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=Shared/ERPProtos/GENERATED.sha256
current=$( (find proto/erp proto/grpc -name '*.proto'; find Shared/ERPProtos -name '*.swift'
  find Clients/C/generated -name '*.pb-c.[ch]') | LC_ALL=C sort | xargs sha256sum)
if [ "${1:-}" = "--write" ]; then
  printf '%s\n' "$current" > "$stamp"
  exit 0
fi
if [ ! -f "$stamp" ] || [ "$current" != "$(cat "$stamp")" ]; then
  echo "Generated code (Shared/ERPProtos, Clients/C/generated) is stale or was edited by hand: run 'make protos' and commit the result." >&2
  diff <(cat "$stamp" 2>/dev/null) <(printf '%s\n' "$current") >&2 || true
  exit 1
fi

# The OTLP messages the tracing test decodes are swift-otel's generated code, copied by
# Tests/TracingTests/OTLP/regenerate.sh: they are stale when that script would write otherwise.
otlp=Tests/TracingTests/OTLP
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
cp "$otlp/regenerate.sh" "$fresh/"
bash "$fresh/regenerate.sh"
for file in "$fresh"/*.pb.swift; do
  if ! cmp -s "$file" "$otlp/$(basename "$file")"; then
    echo "$otlp/$(basename "$file") is stale or was edited by hand: run $otlp/regenerate.sh and commit the result." >&2
    exit 1
  fi
done
