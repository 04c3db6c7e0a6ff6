# The sections of scripts/bench.sh (sourced; uses its variables and helpers).

rate_row() {  # name, "elapsed maxrss_kb", records, bytes, [ratio text]
  local e=${2% *} m=${2#* }
  awk -v n="$1" -v e="$e" -v r="$3" -v b="$4" -v m="$m" -v x="${5:-}" 'BEGIN {
    rss = m > 0 ? sprintf("%.1f", m / 1024) : "-"
    printf "| %s | %.3f | %.0f | %.1f | %s | %s |\n", n, e, r / e, b / e / 1e6, rss, x }'
}

faster() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }  # seconds a < b

# The fastest of three runs ("elapsed maxrss_kb"): the box is shared and
# noisy, and the minimum is the least disturbed measurement.
best_of_3() {
  local best="" t
  for _ in 1 2 3; do
    t=$(timed "$@")
    if [ -z "$best" ] || faster "${t% *}" "${best% *}"; then best=$t; fi
  done
  echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Replay and the bare pass on the same file, alternately for `rounds`
# rounds, the fastest of each kept: the two sample the same spells of a
# noisy machine (the bare pass on one file varied by 1.5x within minutes).
# Sets replay_best ("elapsed maxrss_kb", whole process), replay_alerts,
# bare_mem_s (the bare pass's own timer: the pass over lines already in
# memory), bare_whole ("elapsed maxrss_kb" of the whole process, load
# included), bare_records and bare_bytes.
replay_and_bare() {  # file, rounds
  local t s line round
  replay_best=""; bare_mem_s=""; bare_whole=""
  for ((round = 0; round < $2; round++)); do
    t=$(timed $rolewatch --log-level warn replay "$1")
    if [ -z "$replay_best" ] || faster "${t% *}" "${replay_best% *}"; then replay_best=$t; fi
    replay_alerts=$(grep -c rolewatch.alert.v1 "$work/out" || true)
    t=$(timed $bare "$1"); line=$(cat "$work/out"); s=$(field seconds "$line")
    if [ -z "$bare_mem_s" ] || faster "$s" "$bare_mem_s"; then bare_mem_s=$s; fi
    if [ -z "$bare_whole" ] || faster "${t% *}" "${bare_whole% *}"; then bare_whole=$t; fi
  done
  bare_records=$(field records "$line"); bare_bytes=$(field bytes "$line")
}

# One row of the mix table: replay (whole process, best of 3) beside the bare
# pass on the same file, both ways (see replay_and_bare).
mix_row() {  # label, file, target ratio (against the in-memory bare pass)
  local t_replay
  cat "$2" > /dev/null  # warm the page cache
  replay_and_bare "$2" 5
  t_replay=$replay_best
  emit "$(awk -v l="$1" -v r="$bare_records" -v b="$bare_bytes" -v t="${t_replay% *}" -v m="${t_replay#* }" \
      -v bm="$bare_mem_s" -v bw="${bare_whole% *}" -v target="$3" 'BEGIN {
    if (bm < 0.001) bm = 0.001; if (bw < 0.001) bw = 0.001  # timer resolution on tiny files
    ratio = bm / t
    verdict = target == "-" ? "" : sprintf(" (target >= %s: %s)", target, ratio >= target + 0 ? "met" : "missed")
    printf "| %s | %d | %.0f | %.3f | %.0f | %.1f | %.0f | %.0f | **%.2f**%s | %.2f |\n", \
      l, r, b / 1e6, t, r / t, m / 1024, r / bm, r / bw, ratio, verdict, bw / t }')"
}

mix_table_header() {
  emit ""
  emit "## Replay against the bare pass on several mixes (best of 5, the two alternating; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  emit ""
  emit "Replay is timed as a whole process (read, decode, state committed to RocksDB, alerts printed). The bare simdjson On-Demand pass (reads properties.category only) is timed two ways: **in memory** (the file loaded first, only the pass timed: issue 14's ratio) and as a whole process (load included)."
  emit ""
  emit "| input | records | MB | replay s | replay records/s | replay max RSS MB | bare in-memory records/s | bare whole-process records/s | replay / bare in-memory | replay / bare whole process |"
  emit "|---|---|---|---|---|---|---|---|---|---|"
}

# (a) replay vs bare simdjson vs jq on the biggest file, (e) per-record cost
# at 1x/10x/100x input and with 10x more actors, and the ratio on other
# mixes (second generator, role-heavy). --input FILE: that file only.
replay_section() {
  if [ -n "$input" ]; then
    replay_throughput "$input" "$(basename "$input")"
    mix_table_header
    mix_row "$(basename "$input")" "$input" 0.5
    return
  fi
  local files=() labels=()
  if [ -n "$records" ]; then
    generate "$work/r.jsonl" --records "$records" --burst-every 50
    files=("$work/r.jsonl"); labels=("$records records")
  else
    for i in 0 1 2; do
      generate "$work/g$i.jsonl" --size-mb "${growth_mb[$i]}" --burst-every 50
      files+=("$work/g$i.jsonl"); labels+=("$((10 ** i))x (${growth_mb[$i]} MB)")
    done
    generate "$work/g1a.jsonl" --size-mb "${growth_mb[1]}" --burst-every 50 --actors 100000
    files+=("$work/g1a.jsonl"); labels+=("10x, 10x actors (${growth_mb[1]} MB, 100k actors)")
  fi
  local big=${files[-1]}
  [ -z "$records" ] && big=$work/g2.jsonl
  replay_throughput "$big" "generate_audit.py, 1% role events"
  [ -n "$records" ] && return
  cost_growth files labels
  mix_section
}

replay_throughput() {  # file, description
  local big=$1 t_replay t_bare t_jq alerts
  cat "$big" > /dev/null  # warm the page cache for every contender
  replay_and_bare "$big" 3
  t_replay=$replay_best; alerts=$replay_alerts; t_bare=$bare_whole
  local recs=$bare_records bytes=$bare_bytes
  t_jq=$(timed jq -c '.records[] | select(.properties.category == "RoleManagement" and (.properties.activityDisplayName | startswith("Remove")))' "$big" || true)  # a bad line in a supplied file stops jq, not the bench
  emit ""
  emit "## Replay throughput ($2: $recs records, $((bytes / 1000000)) MB; $alerts alerts; replay and bare best of 3, alternating, jq once; whole processes)"
  emit ""
  emit "| contender | s | records/s | MB/s | max RSS MB | replay throughput / this |"
  emit "|---|---|---|---|---|---|"
  emit "$(rate_row 'rolewatch replay (bytes to committed RocksDB state)' "$t_replay" "$recs" "$bytes" "-")"
  emit "$(rate_row 'bare simdjson On-Demand pass, whole process (reads properties.category)' "$t_bare" "$recs" "$bytes" "$(ratio "${t_bare% *}" "${t_replay% *}")")"
  emit "$(rate_row 'bare simdjson On-Demand pass, in memory (the pass alone)' "$bare_mem_s 0" "$recs" "$bytes" "$(ratio "$bare_mem_s" "${t_replay% *}") (target >= 0.5, >= 0.7 on generate_audit.py)")"
  emit "$(rate_row 'jq removal filter' "$t_jq" "$recs" "$bytes" "$(ratio "${t_jq% *}" "${t_replay% *}") (target >= 10)")"
}

cost_growth() {  # names of the files and labels arrays
  local -n growth_files=$1 growth_labels=$2
  emit ""
  emit "## Cost growth (replay, per record; bare simdjson pass in memory on the same file beside it; best of 3, alternating)"
  emit ""
  emit "| input | records | replay s | replay µs/record | replay max RSS MB | bare µs/record | replay / bare throughput |"
  emit "|---|---|---|---|---|---|---|"
  local i f r t
  for i in "${!growth_files[@]}"; do
    f=${growth_files[$i]}
    replay_and_bare "$f" 3
    r=$bare_records t=$replay_best
    emit "$(awk -v l="${growth_labels[$i]}" -v r="$r" -v t="${t% *}" -v m="${t#* }" -v b="$bare_mem_s" 'BEGIN {
      printf "| %s | %d | %.3f | %.2f | %.1f | %.2f | %.2f |\n", l, r, t, t / r * 1e6, m / 1024, b / r * 1e6, b / t }')"
  done
}

# Issue 14's flatness target: replay's cost per record and its RSS from
# 100 MB to 2 GB of the same mix (one file at a time, deleted after).
flat_section() {
  emit ""
  emit "## Flat cost: replay per record from ${flat_mb[0]} MB to ${flat_mb[-1]} MB (best of 3; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  emit ""
  # Start-up (open and close a throwaway state, no records) is paid once per
  # process, not per record: the last columns take it out.
  local startup
  : > "$work/empty.jsonl"
  startup=$(best_of_3 $rolewatch --log-level warn replay "$work/empty.jsonl")
  startup=${startup% *}
  emit "Start-up (replay of an empty file, best of 3): ${startup} s."
  emit ""
  emit "| input MB | records | replay s | µs/record | max RSS MB | µs/record / first row | µs/record after start-up | after start-up / first row | bare µs/record | after start-up / bare, to first row |"
  emit "|---|---|---|---|---|---|---|---|---|---|"
  local mb f t r first="" first_net="" first_rel=""
  for mb in "${flat_mb[@]}"; do
    f=$work/flat.jsonl
    generate "$f" --size-mb "$mb" --burst-every 50
    r=$(field records "$(cat "$f.meta")")
    cat "$f" > /dev/null
    replay_and_bare "$f" 3
    t=$replay_best
    [ -z "$first" ] && first=$(awk -v t="${t% *}" -v r="$r" 'BEGIN { print t / r * 1e6 }')
    [ -z "$first_net" ] && first_net=$(awk -v t="${t% *}" -v s="$startup" -v r="$r" 'BEGIN { print (t - s) / r * 1e6 }')
    [ -z "$first_rel" ] && first_rel=$(awk -v t="${t% *}" -v s="$startup" -v b="$bare_mem_s" 'BEGIN { print (t - s) / b }')
    emit "$(awk -v mb="$mb" -v r="$r" -v t="${t% *}" -v m="${t#* }" -v s="$startup" -v first="$first" -v fn="$first_net" \
        -v b="$bare_mem_s" -v fr="$first_rel" 'BEGIN {
      us = t / r * 1e6; net = (t - s) / r * 1e6
      rel = fn > 0 ? sprintf("%.2f", net / fn) : "-"  # tiny smoke files: start-up is all
      bare_rel = fr > 0 && b > 0 ? sprintf("%.2f", (t - s) / b / fr) : "-"
      printf "| %d | %d | %.3f | %.3f | %.1f | %.2f | %.3f | %s | %.3f | %s |\n", \
        mb, r, t, us, m / 1024, us / first, net, rel, b / r * 1e6, bare_rel }')"
    rm -f "$f"
  done
  emit ""
  emit "Target: every row within 0.80-1.20 of the first (per record, after start-up), and max RSS under 150 MB. The last column divides by the bare pass run alternately on the same file, so it does not move with the machine's speed between rows."
}

# The ratio on mixes other than the default: the second generator (sorted
# keys, 20-record messages, 5% role events) and role-heavy streams (10%, 50%).
mix_section() {
  generate "$work/m1.jsonl" --size-mb "$mix_mb" --burst-every 50
  generate_other "$work/o5.jsonl" --size-mb "$mix_mb"
  generate "$work/m10.jsonl" --size-mb "$mix_mb" --burst-every 50 --role-share 0.1
  generate "$work/m50.jsonl" --size-mb "$mix_mb" --burst-every 50 --role-share 0.5
  generate_other "$work/o50.jsonl" --size-mb "$mix_mb" --role-share 0.5
  mix_table_header
  mix_row "generate_audit.py, 1% role events" "$work/m1.jsonl" 0.7
  mix_row "generate_other.py, 5% role events" "$work/o5.jsonl" 0.5
  mix_row "generate_audit.py, 10% role events" "$work/m10.jsonl" "-"
  mix_row "generate_audit.py, 50% role events" "$work/m50.jsonl" "-"
  mix_row "generate_other.py, 50% role events" "$work/o50.jsonl" "-"
  rm -f "$work"/m1.jsonl "$work"/o5.jsonl "$work"/m10.jsonl "$work"/m50.jsonl "$work"/o50.jsonl
}

# (b) end to end through the embedded broker, beside kcat reading the same
# topic (the mock broker's read limit), replay and bare on the same file.
e2e_section() {
  local f=$work/e2e.jsonl figures recs bytes t_replay t_bare replay_alerts
  generate "$f" --size-mb "$e2e_mb" --burst-every 50 --seed 7
  recs=$(field records "$(cat "$f.meta")"); bytes=$(field bytes "$(cat "$f.meta")")
  figures=$($live e2e "$f" --records "$recs")
  local line kcat check; line=$(grep '^e2e ' <<< "$figures"); kcat=$(grep '^e2e_kcat' <<< "$figures"); check=$(grep '^e2e_check' <<< "$figures")
  t_replay=$(best_of_3 $rolewatch --log-level warn replay "$f")
  replay_alerts=$(grep -c rolewatch.alert.v1 "$work/out" || true)
  t_bare=$(best_of_3 $bare "$f")
  local run_s rss_kb; run_s=$(field run_s "$line"); rss_kb=$(awk -v m="$(field peak_rss_mb "$line")" 'BEGIN { print m * 1024 }')
  emit ""
  emit "## End to end through the embedded broker ($recs records, $((bytes / 1000000)) MB on $(field partitions "$line") partitions, produced first in $(field produce_s "$line") s)"
  emit ""
  emit "\`rolewatch run\` timed from process start until the group's committed offsets reach every high watermark. The mock cluster keeps only the newest ~5 MB of each partition, so the backlog is spread over enough partitions to survive whole. Alerts: run $(field alerts "$check"), replay $replay_alerts (same file, must match)."
  emit ""
  emit "| path | s | records/s | MB/s | peak RSS MB | throughput / bare simdjson |"
  emit "|---|---|---|---|---|---|"
  emit "$(rate_row 'rolewatch run (broker -> committed state)' "$run_s $rss_kb" "$recs" "$bytes" "$(ratio "${t_bare% *}" "$run_s")")"
  emit "$(rate_row 'kcat reading the same topic (broker read limit)' "$(field read_s "$kcat") 0" "$recs" "$bytes" "$(ratio "${t_bare% *}" "$(field read_s "$kcat")")")"
  emit "$(rate_row 'rolewatch replay, same file' "$t_replay" "$recs" "$bytes" "$(ratio "${t_bare% *}" "${t_replay% *}")")"
  emit "$(rate_row 'bare simdjson pass, same file' "$t_bare" "$recs" "$bytes" "1.00")"
  local stats; stats=$(grep '^e2e_stats' <<< "$figures" || true)
  emit ""
  emit "The run's counters: late=$(field late "$stats") future=$(field future "$stats") pauses=$(field pauses "$stats") (partitions paused ahead of the watermark)."
}

# (c) latency at 1k and 10k messages/s.
latency_section() {
  emit ""
  emit "## Latency: record acknowledged by the broker -> alert received by a local webhook"
  emit ""
  emit "Mock cluster (librdkafka 2.0.2) with \`fetch.wait.max.ms: 10\` in \`source.properties\`: it does not answer a waiting fetch early when data arrives. Messages are ~2 KB single-record Event Hubs messages over 4 partitions; every 50 ms one of them is a probe burst (3 GA removals by a fresh actor). Producer, broker, rolewatch and receiver share the 2 cores."
  emit ""
  emit "| rate msg/s | achieved | probes | alerts | p50 ms | p99 ms | max ms | p99 from send() ms | peak RSS MB |"
  emit "|---|---|---|---|---|---|---|---|---|"
  local rate line
  for rate in 1000 10000; do
    line=$($live latency --rate $rate --seconds "$latency_s" || true)
    emit "| $rate | $(field achieved_rate "$line") | $(field probes "$line") | $(field alerts "$line") | $(field ack_p50_ms "$line") | $(field ack_p99_ms "$line") | $(field ack_max_ms "$line") | $(field send_p99_ms "$line") | $(field peak_rss_mb "$line") |"
  done
}

# (d) memory and state size with N actors in state; restart on that state.
memory_section() {
  emit ""
  emit "## Memory, state size and restart with N distinct actors in state"
  emit ""
  emit "State filled by \`rolewatch replay --state-dir\` of N Global Administrator removals, one per actor (each an open 2 h window, dedup entries; no alert). Then \`rolewatch run\` restarts on that state with one probe burst waiting on the broker; then streams $then_records more removals by random existing actors."
  emit ""
  emit "| actors | fill s (replay fed by the generator) | fill max RSS MB | state MB (file sizes) | run: start -> partitions assigned ms | run: start -> alert at webhook ms | run RSS after alert MB | run peak RSS MB (after streaming, largest N) | streaming records/s |"
  emit "|---|---|---|---|---|---|---|---|---|"
  local n state t line end burst
  for n in "${actor_counts[@]}"; do
    state=$work/state-$n
    end=$(awk -v n="$n" 'BEGIN { print n * 0.005 }')
    burst=$(date -u -d "@$((1741082400 + ${end%.*}))" +%FT%T.0000000+00:00)
    t=$( { python3 $gen --role-share 1 --role-mix removals --actors "$n" --records "$n" \
             --seconds-per-record 0.005 2>/dev/null \
           | /usr/bin/time -f "%e %M" $rolewatch --log-level warn replay --state-dir "$state" - >/dev/null; } 2>&1 | tail -1)
    local then_args=()
    if [ "$n" = "${actor_counts[-1]}" ]; then
      generate "$work/then.jsonl" --role-share 1 --role-mix removals --actors "$n" \
        --actor-order random --records "$then_records" --start-seconds "$end" --seed 9
      then_args=(--then "$work/then.jsonl" --then-records "$then_records")
    fi
    line=$($live resume --state-dir "$state" --burst-time "$burst" "${then_args[@]}" || true)
    emit "$(awk -v n="$n" -v e="${t% *}" -v m="${t#* }" 'BEGIN { printf "| %d | %.1f | %.1f", n, e, m / 1024 }') | $(field state_mb "$line") | $(field assigned_ms "$line") | $(field first_alert_ms "$line") | $(field rss_after_alert_mb "$line") | $(field peak_rss_mb "$line") | $(field then_records_per_s "$line" | grep . || echo -) |"
    rm -rf "$state" "$work/then.jsonl"
  done
}

# (f) the state path under removals only: replay --state-dir of random-actor
# removals on a state already holding the largest N actors (each removal
# reads its actor's window and dedup entry at random: issue 14 part 3).
removals_section() {
  local n=${actor_counts[-1]} state=$work/removals-state then=$work/removals-then.jsonl
  python3 $gen --role-share 1 --role-mix removals --actors "$n" --records "$n" \
    --seconds-per-record 0.005 2>/dev/null | $rolewatch --log-level warn replay --state-dir "$state" - >/dev/null
  generate "$then" --role-share 1 --role-mix removals --actors "$n" --actor-order random \
    --records "$then_records" --start-seconds "$(awk -v n="$n" 'BEGIN { print int(n * 0.005) }')" --seed 9
  local bytes t best="" syncs="-"
  bytes=$(field bytes "$(cat "$then.meta")")
  for _ in 1 2 3; do
    # sync: the copy's write-back must not share the disk with the run's WAL syncs
    rm -rf "$state.run" && cp -r "$state" "$state.run" && sync
    t=$(timed $rolewatch --log-level warn replay --state-dir "$state.run" "$then")
    if [ -z "$best" ] || awk -v a="${t% *}" -v b="${best% *}" 'BEGIN { exit !(a < b) }'; then best=$t; fi
  done
  if command -v strace >/dev/null; then
    rm -rf "$state.run" && cp -r "$state" "$state.run"
    strace -f -c -e trace=fsync,fdatasync -o "$work/strace" \
      $rolewatch --log-level warn replay --state-dir "$state.run" "$then" >/dev/null
    syncs=$(awk '$NF == "fsync" || $NF == "fdatasync" { s += $4 } END { print s + 0 }' "$work/strace")
  fi
  emit ""
  emit "## State path: $then_records removals by random actors, $n actors in state (replay --state-dir, best of 3; load $(cut -d' ' -f1-3 /proc/loadavg))"
  emit ""
  emit "| role events/s | s | max RSS MB | fsync+fdatasync calls (WAL and flushes) | input 4 MiB chunks (replay batches) |"
  emit "|---|---|---|---|---|"
  emit "$(awk -v r="$then_records" -v e="${best% *}" -v m="${best#* }" -v s="$syncs" -v b="$bytes" 'BEGIN {
    printf "| %.0f | %.2f | %.1f | %s | %d |\n", r / e, e, m / 1024, s, (b + 4194303) / 4194304 }')"
  rm -rf "$state" "$state.run" "$then"
}
