#!/usr/bin/env bash
# Fails when a C++ file differs from clang-format's output (.clang-format,
# Debian 12's clang-format 14). Run by ctest (label unit), so `.ci/run` checks
# formatting on every submission. Fix with:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format > /dev/null || { echo "clang-format is not installed"; exit 1; }
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  git ls-files '*.cpp' '*.hpp'
else
  find stream rules state tests \( -name '*.cpp' -o -name '*.hpp' \)
fi | xargs clang-format --dry-run --Werror
echo "formatting: clean"
