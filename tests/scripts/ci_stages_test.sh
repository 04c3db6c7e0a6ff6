#!/usr/bin/env bash
# scripts/ci_stages.sh: the sanitizer stages of scripts/test.sh run while
# they fit the budget, are skipped (exit 3) when they would end past it, run
# regardless with budget 0, and bad arguments are exit 2, never a decision.
# The figures are the 2026-12-05 local run and a CI run 4.6 times slower
# (docs/testing.md, "Time in CI").
set -uo pipefail
script="$1/scripts/ci_stages.sh"
failures=0

expect() {  # expect RC OUTPUT_PATTERN ARGS...
  local rc=$1 pattern=$2 out got
  shift 2
  out=$(bash "$script" "$@" 2>&1)
  got=$?
  if [ "$got" != "$rc" ] || ! grep -Eq -- "$pattern" <<< "$out"; then
    echo "FAIL: ci_stages.sh $* gave exit $got, expected $rc matching '$pattern': $out"
    failures=$((failures + 1))
  fi
}

# The 2-core machine: the ASan stage and the fuzzing both fit 60 minutes.
expect 0 '^asan run estimate=1207 s ends_at=2107 s budget=3600 s$' asan 900 694 131 60 3600
expect 0 '^fuzz run estimate=607 s ends_at=2715 s budget=3600 s$' fuzz 2108 694 131 60 3600
# A CI machine whose release half took 3,183 s: both are skipped.
expect 3 '^asan skip estimate=4322 s ends_at=7505 s' asan 3183 2000 846 60 3600
expect 3 '^fuzz skip ' fuzz 3183 2000 846 60 3600
# Shorter fuzzing fits where 60 s per target does not.
expect 3 '^fuzz skip estimate=607 s' fuzz 3000 694 131 60 3600
expect 0 '^fuzz run estimate=304 s' fuzz 3000 694 131 5 3600
# Budget 0: no limit.
expect 0 '^asan run estimate=4322 s ends_at=7505 s budget=0 s$' asan 3183 2000 846 60 0
# Bad arguments are an error naming the usage.
expect 2 '^usage: ci_stages.sh' tsan 1 2 3 4 5
expect 2 '^usage: ci_stages.sh' asan 1 2 3 4
expect 2 '^usage: ci_stages.sh' asan 1 2 3 4 -5
expect 2 '^usage: ci_stages.sh' asan 1 2 x 4 5

((failures == 0)) && echo "ci_stages: all cases pass"
exit $((failures > 0))
