#!/usr/bin/env bash
# Replay throughput, side by side in one run: rolewatch replay (bytes to
# committed RocksDB state) vs a bare simdjson On-Demand pass reading only
# properties.category (the practical limit) vs jq running only the filter
# for removal events. Prints figures and ratios; asserts nothing.
#
#   bash scripts/bench.sh [RECORDS]        (default 1000000, ~1.6 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
build=build/release
work=$(mktemp -d /tmp/rolewatch-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x $build/stream/rolewatch ] && [ -x $build/tests/rolewatch_bench_bare ] || {
  cmake --preset release >/dev/null && cmake --build --preset release
}
echo "generating $records records..."
python3 tests/bench/generate_audit.py --records "$records" --burst-every 50 > "$work/audit.jsonl"
bytes=$(stat -c %s "$work/audit.jsonl")
cat "$work/audit.jsonl" > /dev/null  # warm the page cache for every contender


t_replay=$( { /usr/bin/time -f "%e %M" $build/stream/rolewatch replay --log-level warn "$work/audit.jsonl" > "$work/replay.out"; } 2>&1 | tail -1 )
t_bare=$( { /usr/bin/time -f "%e %M" $build/tests/rolewatch_bench_bare "$work/audit.jsonl" > "$work/bare.out"; } 2>&1 | tail -1 )
t_jq=$( { /usr/bin/time -f "%e %M" jq -c '.records[] | select(.properties.category == "RoleManagement" and (.properties.activityDisplayName | startswith("Remove")))' "$work/audit.jsonl" > "$work/jq.out"; } 2>&1 | tail -1 )

report() {  # name, "elapsed maxrss_kb"
  local name=$1 elapsed=${2% *} rss=${2#* }
  awk -v n="$name" -v e="$elapsed" -v r="$records" -v b="$bytes" -v m="$rss" \
    'BEGIN { printf "%-22s %8.2f s %12.0f records/s %8.1f MB/s  max RSS %6.1f MB\n", n, e, r / e, b / e / 1e6, m / 1024 }'
}
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)"
echo "input:   $records records, $((bytes / 1000000)) MB, $(wc -l < "$work/audit.jsonl") messages"
report "rolewatch replay" "$t_replay"
report "bare simdjson pass" "$t_bare"
report "jq removal filter" "$t_jq"
awk -v a="${t_replay% *}" -v b="${t_bare% *}" -v j="${t_jq% *}" \
  'BEGIN { printf "ratios:  replay / bare simdjson = %.2f (target >= 0.5)   replay / jq = %.1fx (target >= 10)\n", b / a, j / a }'
echo "alerts:  $(grep -c rolewatch.alert.v1 "$work/replay.out" || true)   jq removal rows: $(wc -l < "$work/jq.out")"
