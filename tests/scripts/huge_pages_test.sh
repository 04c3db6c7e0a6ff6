#!/usr/bin/env bash
# Transparent huge pages are a per-command choice
# (stream/app/setup/process_setup.hpp): replay turns them on, every other
# command (here the long-running broker, started as `run` is) turns them off.
# Each is started in the opposite state, so what /proc/PID/status shows
# while it runs is what the command set.
# Usage: huge_pages_test.sh ROLEWATCH
set -euo pipefail
rolewatch=$1
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! grep -q '^THP_enabled:' /proc/self/status; then
  echo "no THP_enabled in /proc/PID/status (kernel before 5.0): skipped" >&2
  exit 77
fi

# Runs a command with huge pages refused (1) or allowed (0) from the start:
# prctl(PR_SET_THP_DISABLE) is kept across exec.
with_thp_disable() {
  exec python3 -c 'import ctypes, os, sys
ctypes.CDLL(None).prctl(41, int(sys.argv[1]), 0, 0, 0)
os.execvp(sys.argv[2], sys.argv[2:])' "$@"
}

# THP_enabled of a process once it shows the wanted value, or after 10 s.
settles_at() {  # pid, wanted
  local got=""
  for _ in $(seq 100); do
    got=$(awk '/^THP_enabled:/ { print $2 }' "/proc/$1/status" 2> /dev/null || true)
    [ "$got" = "$2" ] && break
    sleep 0.1
  done
  echo "$got"
}

# Replay waits on a fifo until it is closed. Opened for reading and writing
# first, so opening it blocks neither this script nor the replay.
mkfifo "$work/input"
exec 3<> "$work/input"
with_thp_disable 1 "$rolewatch" --log-level error replay "$work/input" > /dev/null 3>&- &
pids+=($!)
replay=$(settles_at "${pids[0]}" 1)
exec 3>&-
with_thp_disable 0 "$rolewatch" --log-level error broker > "$work/broker.out" 3>&- &
pids+=($!)
broker=$(settles_at "${pids[1]}" 0)
echo "THP_enabled: replay $replay (started at 0), broker $broker (started at 1)"
[ "$replay" = 1 ] && [ "$broker" = 0 ]
