#!/usr/bin/env bash
# Decides whether one optional stage of scripts/test.sh (the ASan + UBSan
# suite, the fuzzing) still fits in the run's time budget. CI machines differ
# several-fold in speed and a CI run past its hard limit does not land, so the
# estimate comes from this same run's release build and suite, scaled by the
# ratios measured on the 2-core machine (docs/testing.md, "Time in CI").
#
#   ci_stages.sh STAGE ELAPSED RELEASE_BUILD RELEASE_SUITE FUZZ_SECONDS BUDGET
#
# STAGE is asan or fuzz; the others are whole seconds (BUDGET 0: no limit).
# Prints "STAGE run|skip estimate=N s ends_at=N s budget=N s" and exits 0 for
# run, 3 for skip, 2 for bad arguments.
set -euo pipefail

usage() {
  echo "usage: ci_stages.sh asan|fuzz ELAPSED RELEASE_BUILD RELEASE_SUITE FUZZ_SECONDS BUDGET" >&2
  exit 2
}

(($# == 6)) || usage
stage=$1
shift
for n in "$@"; do [[ $n =~ ^[0-9]+$ ]] || usage; done
elapsed=$1 build=$2 suite=$3 fuzz_seconds=$4 budget=$5

# Ratios to the release figures, in tenths (measured 2026-12-05: release
# build 694 s, suite 131 s; ASan build 964 s, suite 238 s; fuzz build 237 s;
# fuzz.sh 306 s for 5 targets at 60 s).
case $stage in
  asan) estimate=$(((14 * build + 18 * suite) / 10)) ;;
  fuzz) estimate=$(((4 * build) / 10 + (5 * fuzz_seconds * 11) / 10)) ;;
  *) usage ;;
esac

ends_at=$((elapsed + estimate))
verdict=run
((budget > 0 && ends_at > budget)) && verdict=skip
echo "$stage $verdict estimate=${estimate} s ends_at=${ends_at} s budget=${budget} s"
[ "$verdict" = run ] || exit 3
