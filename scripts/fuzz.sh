#!/usr/bin/env bash
# Runs each libFuzzer target (tests/fuzz/) for a bounded time from its seed
# corpus and prints executions per target; exits 1 if any target found a
# crash, a sanitizer report, a leak or a hang. docs/testing.md, "Fuzzing".
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, all)
#
# BUILD (default build/fuzz) holds the targets (cmake --preset fuzz &&
# cmake --build --preset fuzz). New inputs the fuzzer keeps go to
# FUZZ_WORK/<target>/ (default $BUILD/fuzz-work, kept across runs, so a long
# run continues where the last stopped; CI starts from the seeds alone);
# crash inputs to $BUILD/fuzz-artifacts/<target>/.
# Each target runs in an empty working directory: the config target's
# relative *_file paths must not find anything of the checkout's.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-60}
shift || true
build=$(realpath -m "${BUILD:-build/fuzz}")
work_root=$(realpath -m "${FUZZ_WORK:-$build/fuzz-work}")
all_targets=(fuzz_audit_decoder fuzz_config fuzz_rules_yaml fuzz_csv_import fuzz_graph_response)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=0
total=0
printf '%-22s %8s %14s %10s  %s\n' target seconds executions exec/s result
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/$target"
  [ -x "$binary" ] || { echo "fuzz.sh: $binary not built (cmake --build --preset fuzz)" >&2; exit 2; }
  work="$work_root/$target"
  artifacts="$build/fuzz-artifacts/$target"
  log="$build/fuzz-logs/$target.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  sandbox=$(mktemp -d)
  status=0
  (cd "$sandbox" && "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" \
     "$root/tests/fuzz/corpus/$target") >"$log" 2>&1 || status=$?
  rm -rf "$sandbox"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  runs=${runs:-0}
  total=$((total + runs))
  result=ok
  if ((status != 0)); then
    result="FAILED (exit $status), see $log and $artifacts/"
    failed=1
  fi
  printf '%-22s %8s %14s %10s  %s\n' "$target" "$seconds" "$runs" $((runs / (seconds > 0 ? seconds : 1))) "$result"
  if ((status != 0)); then grep -m5 -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" >&2 || true; fi
done
printf '%-22s %8s %14s\n' total "" "$total"
exit $failed
