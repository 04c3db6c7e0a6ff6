#!/usr/bin/env bash
# Replay's temporary state syncs nothing (state/store.cpp, UnsyncedFileSystem:
# nothing will recover from it), while a --state-dir state still does (the
# control: a count that cannot reach zero there).
# Usage: replay_syncs_test.sh ROLEWATCH INPUT
set -euo pipefail
rolewatch=$1
input=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The fsync and fdatasync calls of a command, all threads. (RocksDB also
# calls sync_file_range with no flags on each new file, a probe that writes
# nothing.)
syncs() {
  strace -f -qq -c -e trace=fsync,fdatasync -o "$work/trace" "$@" > /dev/null
  awk '$NF ~ /^(fsync|fdatasync)$/ { n += $4 } END { print n + 0 }' "$work/trace"
}

if ! strace -f -qq -o /dev/null true; then
  echo "strace cannot trace here (ptrace refused): skipped" >&2
  exit 77
fi
temporary=$(syncs "$rolewatch" --log-level error replay "$input")
kept=$(syncs "$rolewatch" --log-level error replay --state-dir "$work/state" "$input")
echo "sync calls: temporary state $temporary, --state-dir $kept"
[ "$temporary" -eq 0 ] && [ "$kept" -gt 0 ]
