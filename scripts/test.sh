#!/usr/bin/env bash
# The README's second command: install every dependency, build, run all tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
ctest --preset release --timeout 300 -j2
