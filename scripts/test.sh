#!/usr/bin/env bash
# The README's second command: install every dependency, build, run all tests
# (docs/testing.md). Then, unless ROLEWATCH_QUICK=1: the whole suite again
# under ASan + UBSan (the `asan` preset), and every fuzz target for
# FUZZ_SECONDS (default 60) from its seed corpus (the `fuzz` preset,
# scripts/fuzz.sh). Each step prints its duration; any failure, sanitizer
# report or fuzzer crash fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  local started=$SECONDS
  echo "== $*"
  "$@"
  echo "== $* took $((SECONDS - started)) s"
}

step bash scripts/install-deps.sh
step cmake --preset release
step cmake --build --preset release
step ctest --preset release --timeout 300 -j2

[ "${ROLEWATCH_QUICK:-0}" = 1 ] && exit 0

# The whole suite again under ASan + UBSan, the live-stream (slow) tests
# included: about 3 minutes more (docs/testing.md, "Sanitizers").
step cmake --preset asan
step cmake --build --preset asan
step ctest --preset asan --timeout 900 -j2

step cmake --preset fuzz
step cmake --build --preset fuzz
step bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
