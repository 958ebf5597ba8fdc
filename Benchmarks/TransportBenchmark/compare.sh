#!/usr/bin/env bash
# Compares two builds of the transport benchmark (ERPT only), run alternately so that a change in
# the machine's load hits both alike: before, after, before, after ... ROUNDS pairs.
#
# Usage: compare.sh BEFORE_BINARY AFTER_BINARY [ROUNDS=3] [SECONDS=2]
# Build a binary with: cd Benchmarks/TransportBenchmark && swift build -c release
#   (it is .build/release/transport-benchmark; copy it aside before building the other side).
#
# Prints every figure of every round, then one table: per shape (payload, concurrency) and
# metric, each round's before and after and their ratio (after/before), and the median ratio.
# A ratio is "better" above 1 for calls/s and below 1 for latency; `worst` is the median ratio
# turned into "per cent worse" (negative: better). The bar: no figure more than 5 % worse.
#
# On a busy machine the pairs scatter by ±30 % or more (other builds take the two cores). Running
# the script under a real-time policy, `chrt -f 10 compare.sh ...` (root), keeps the benchmark's
# threads ahead of the builds (the kernel still leaves them 5 % of each second) and brings the
# scatter down to about ±10 %; more ROUNDS narrow the median further.
set -euo pipefail
before=${1:?usage: compare.sh BEFORE AFTER [ROUNDS] [SECONDS]}
after=${2:?usage: compare.sh BEFORE AFTER [ROUNDS] [SECONDS]}
rounds=${3:-3}
seconds=${4:-2}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

for round in $(seq 1 "$rounds"); do
  for side in before after; do
    binary=$before
    [ "$side" = after ] && binary=$after
    echo "== $side round $round" >&2
    BENCH_ONLY=erp-tcp "$binary" "$seconds" | tee /dev/stderr |
      awk -v side="$side" -v round="$round" \
        '$1 == "erp-tcp" { print side, round, $2 $3, $4, $5, $6, $7 }' >>"$raw"
  done
done

awk -v rounds="$rounds" '
  function median(list, n,    i, j, t, a) {
    for (i = 1; i <= n; i++) a[i] = list[i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    shape = $3 " c=" $4
    if (!(shape in seen)) { seen[shape] = 1; order[++shapes] = shape }
    value[$1, $2, shape, "calls/s"] = $5
    value[$1, $2, shape, "p50 us"] = $6
    value[$1, $2, shape, "p99 us"] = $7
  }
  END {
    split("calls/s,p50 us,p99 us", metrics, ",")
    printf "%-14s %-8s", "shape", "metric"
    for (r = 1; r <= rounds; r++) printf " | %7s %7s %6s", "before" r, "after" r, "ratio"
    printf " | %7s %7s\n", "median", "worse%"
    for (s = 1; s <= shapes; s++) for (m = 1; m <= 3; m++) {
      shape = order[s]; metric = metrics[m]
      printf "%-14s %-8s", shape, metric
      n = 0
      for (r = 1; r <= rounds; r++) {
        b = value["before", r, shape, metric]; a = value["after", r, shape, metric]
        ratio = (b > 0) ? a / b : 0
        ratios[++n] = ratio
        printf " | %7s %7s %6.2f", b, a, ratio
      }
      med = median(ratios, n)
      worse = (metric == "calls/s") ? (1 - med) * 100 : (med - 1) * 100
      printf " | %7.2f %6.1f%%\n", med, worse
    }
  }
' "$raw"
