#!/usr/bin/env bash
# The README's first command. Installs the Debian packages, builds rolewatch
# (CMake preset "release"), then runs the live path on one machine: an
# in-process Kafka broker (librdkafka's mock cluster) is fed the bundled
# sample (ordinary Entra audit traffic with a LAPSUS$-style lockout inside),
# rolewatch consumes it through its consumer group, pipeline and RocksDB
# state, and the alert is printed. Exits by itself (non-zero if no alert).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release

bin=build/release/stream/rolewatch
sample=deploy/demo/sample-attack.jsonl
alerts=build/release/demo-alerts.jsonl

echo
echo "== rolewatch demo: $(wc -l < "$sample") Event Hubs messages from $sample =="
"$bin" demo "$sample" > "$alerts"

echo
echo "Labelled PIM activations (the demo loads no eligibility snapshot: see README, CSV import):"
jq -r 'select(.schema == "rolewatch.activation.v1") |
  "PIM activation  \(.time[11:19])  \(.principal.userPrincipalName) activated \(.role.displayName): eligibility \(.eligibility), IP \(.ipAddress // "-")\(if .newIp then " (new)" else "" end)"' "$alerts"
echo
# One burst is one alert with revisions (firing, updated, closed): show the
# first one's time and the last revision, which lists every removal.
jq -r 'select(.schema == "rolewatch.alert.v1") | "revision \(.revision) \(.status | . + (" " * (8 - length))) at \(.updatedAt[11:19]): \(.count) removals"' "$alerts"
echo
jq -rs 'map(select(.schema == "rolewatch.alert.v1")) | group_by(.id) | map(max_by(.revision)) | .[] |
  "ALERT  \(.title)  [\(.severity), MITRE \(.mitre.technique)]  \(.status), revision \(.revision)",
  "  actor     \(.actor.displayName) <\(.actor.userPrincipalName)> from \(.actor.ipAddress)",
  "  burst     \(.count) distinct (principal, role) removals, threshold \(.threshold) in \(.window)",
  "  seen      \(.firstSeen) .. \(.lastSeen)",
  "  alert id  \(.id)",
  "  removals",
  (.removals[] | "    \(.time[11:19])  \(.service | .[0:14] | . + (" " * (14 - length)))  \(.role.displayName) from \(.target.userPrincipalName)\(if .result != "success" then "  (FAILED)" else "" end)"),
  ""' "$alerts"
echo "Full JSON lines (alerts: rolewatch.alert.v1, labelled activations: rolewatch.activation.v1): $alerts"
