#!/usr/bin/env bash
# The benchmark harness (issue 6, docs/design.md §6). Prints figures and ratios
# measured side by side in one run, as Markdown tables; asserts nothing.
#
#   bash scripts/bench.sh                 all sections, default sizes (~15 min on 2 cores)
#   bash scripts/bench.sh --big           bigger inputs (GBs, 10M-record growth, longer latency runs)
#   bash scripts/bench.sh --smoke         tiny sizes: checks the harness runs (ctest bench_smoke)
#   bash scripts/bench.sh --only replay,latency    some sections:
#        replay   replay vs bare simdjson pass vs jq, per-record cost at 1x/10x/100x and 10x actors
#        e2e      produce a file to the embedded broker, `rolewatch run` to committed state
#        latency  record on the broker -> alert at a local webhook, 1k and 10k messages/s
#        memory   RSS and state size with 10k/100k/1M actors in state, resume time after restart
#        removals random-actor removals on a state of 1M actors: role events/s, RSS, syncs
#        flat     replay per-record cost and RSS at 100 MB, 500 MB and 2 GB (needs ~2.6 GB in /tmp)
#   bash scripts/bench.sh 200000          (as before) replay section with this many records
#   bash scripts/bench.sh --input FILE    replay section on your own file (one Event Hubs message
#        per line): replay beside the bare simdjson pass and jq on that file only
#
# BUILD=dir selects the build tree (default build/release, built if needed);
# BENCH_OUT=file also writes the tables there.
set -euo pipefail
cd "$(dirname "$0")/.."

sections=replay,e2e,latency,memory
scale=default
records=""
input=""
while [ $# -gt 0 ]; do
  case $1 in
    --big) scale=big ;;
    --smoke) scale=smoke; sections=$sections,flat ;;
    --only) sections=$2; shift ;;
    --input) input=${2:-}; sections=replay; shift
             [ -r "$input" ] && [ ! -d "$input" ] || { echo "bench.sh: cannot read --input $input" >&2; exit 2; } ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) records=$1; sections=replay ;;
  esac
  shift
done

build=${BUILD:-build/release}
out=${BENCH_OUT:-/dev/null}
work=$(mktemp -d /tmp/rolewatch-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
gen=tests/bench/generate_audit.py
gen_other=tests/bench/generate_other.py
rolewatch=$build/stream/rolewatch
bare=$build/tests/rolewatch_bench_bare
live=$build/tests/rolewatch_bench_live

case $scale in  # growth sizes (MB), actor counts, latency seconds, e2e MB, mix-table MB
  smoke)   growth_mb=(1 2 4);       actor_counts=(1000 2000 5000);  latency_s=2;  e2e_mb=2;    then_records=2000;    mix_mb=2;   flat_mb=(1 2 4) ;;
  default) growth_mb=(10 100 1000); actor_counts=(10000 100000 1000000); latency_s=20; e2e_mb=1000; then_records=100000; mix_mb=400; flat_mb=(100 500 2000) ;;
  big)     growth_mb=(30 300 3000); actor_counts=(10000 100000 1000000); latency_s=60; e2e_mb=3000; then_records=1000000; mix_mb=500; flat_mb=(100 500 2000) ;;
esac

[ -x $rolewatch ] && [ -x $bare ] && [ -x $live ] || {
  if [ -z "${BUILD:-}" ]; then cmake --preset release >/dev/null; fi
  cmake --build "$build" --target rolewatch rolewatch_bench_bare rolewatch_bench_live
}

emit() { echo "$*" | tee -a "$out"; }
has() { [[ ",$sections," == *",$1,"* ]]; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<< "$2"; }  # key=value from a figures line

generate() {  # file, generator args...: also leaves file.meta (records= messages= bytes=)
  local file=$1; shift
  python3 $gen "$@" > "$file" 2> "$file.meta"
}

generate_other() {  # the same with the second generator (sorted keys, 20-record messages)
  local file=$1; shift
  python3 $gen_other "$@" > "$file" 2> "$file.meta"
}

timed() {  # "elapsed_s maxrss_kb" of a command whose stdout goes to $work/out
  # Elapsed to the millisecond (time's %e has 10 ms steps: 20% of a 50 ms run).
  local start rss
  start=$EPOCHREALTIME
  rss=$( { /usr/bin/time -f "%M" "$@" > "$work/out"; } 2>&1 | tail -1)
  awk -v s="$start" -v e="$EPOCHREALTIME" -v m="$rss" 'BEGIN { printf "%.3f %s\n", e - s, m }'
}

emit "# rolewatch benchmarks"
emit ""
emit "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GB RAM; commit $(git rev-parse --short HEAD); $(date -u +%FT%TZ); scale $scale"
source "$(dirname "$0")/bench_sections.sh"
has replay && replay_section
has e2e && e2e_section
has latency && latency_section
has memory && memory_section
has removals && removals_section
has flat && flat_section
exit 0
