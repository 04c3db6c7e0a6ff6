#!/usr/bin/env bash
# The README's second command: install every dependency, build, run all tests
# (docs/testing.md). Then, unless ROLEWATCH_QUICK=1: the whole suite again
# under ASan + UBSan (the `asan` preset), and every fuzz target for
# FUZZ_SECONDS (default 60) from its seed corpus (the `fuzz` preset,
# scripts/fuzz.sh). Each step prints its duration; any failure, sanitizer
# report or fuzzer crash fails the run.
#
# The two sanitizer stages run only while they fit in ROLEWATCH_BUDGET_SECONDS
# (default 3600, the CI aim; 0 runs them whatever they take), estimated from
# this run's own release build and suite (scripts/ci_stages.sh): a slow CI
# machine still finishes inside CI's hard limit, and says what it skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() {
  local from=$SECONDS
  echo "== $*"
  "$@"
  last=$((SECONDS - from))
  echo "== $* took $last s"
}

step bash scripts/install-deps.sh
step cmake --preset release
step cmake --build --preset release
release_build=$last
step ctest --preset release --timeout 300 -j2
release_suite=$last

[ "${ROLEWATCH_QUICK:-0}" = 1 ] && exit 0

budget=${ROLEWATCH_BUDGET_SECONDS:-3600}
fuzz_seconds=${FUZZ_SECONDS:-60}
fits() {
  local verdict=0
  bash scripts/ci_stages.sh "$1" $((SECONDS - started)) "$release_build" "$release_suite" \
    "$fuzz_seconds" "$budget" || verdict=$?
  ((verdict != 2)) || exit 2
  if ((verdict == 3)); then
    echo "== SKIPPED the $1 stage: it would end past the ${budget} s budget" \
      "(ROLEWATCH_BUDGET_SECONDS=0 runs it regardless)"
  fi
  return "$verdict"
}

# The whole suite again under ASan + UBSan, the live-stream (slow) tests
# included (docs/testing.md, "Sanitizers").
if fits asan; then
  step cmake --preset asan
  step cmake --build --preset asan
  step ctest --preset asan --timeout 900 -j2
fi

if fits fuzz; then
  step cmake --preset fuzz
  step cmake --build --preset fuzz
  step bash scripts/fuzz.sh "$fuzz_seconds"
fi
echo "== scripts/test.sh took $((SECONDS - started)) s"
