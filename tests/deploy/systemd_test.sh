#!/usr/bin/env bash
# The systemd unit (deploy/systemd/rolewatch.service) and its configuration,
# checked offline: no systemd needs to run here. Why: the unit is what the
# .deb installs, and a typo in it, a loosened sandbox or a secret that the
# configuration reads but the unit never loads would only show on a
# customer's host.
#   1. `systemd-analyze verify` passes with no warning at all (ExecStart is
#      pointed at the built binary, since verify checks that it exists).
#   2. `systemd-analyze security --offline=true`: the overall exposure is OK
#      or better (printed).
#   3. The directives docs/deployment.md promises are there.
#   4. The configuration the package installs beside the unit
#      (deploy/config/rolewatch.example.yaml) passes `rolewatch check-config`
#      with the unit's environment (ROLEWATCH_SECRETS_DIR=%d: the credentials
#      directory) and docs/deployment.md's rolewatch.env; every credential it
#      reads is one the unit loads; a missing credential ends `rolewatch run` with exit 2, which
#      RestartPreventExitStatus=2 keeps from restarting in a loop.
#   5. Self-checks: a weak unit and a unit with a warning are rejected by the
#      same checks.
# Usage: systemd_test.sh SOURCE_DIR ROLEWATCH_BINARY WORK_DIR
set -uo pipefail

source_dir=$1
rolewatch=$(realpath "$2")
work=$3
unit=$source_dir/deploy/systemd/rolewatch.service
config=$source_dir/deploy/config/rolewatch.example.yaml
failures=0
passes=0

pass() { echo "ok   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

rm -rf "$work" && mkdir -p "$work/unit" "$work/credentials" || exit 1
command -v systemd-analyze >/dev/null || { echo "FAIL systemd-analyze not installed (scripts/install-deps.sh)"; exit 1; }

# verify_clean UNIT: systemd-analyze verify succeeds and prints nothing.
verify_clean() {
  local out
  out=$(systemd-analyze verify "$1" 2>&1)
  local rc=$?
  [[ $rc -eq 0 && -z $out ]] || { echo "$out" | sed 's/^/     /'; return 1; }
}

# exposure UNIT: prints "SCORE LEVEL" of systemd-analyze security.
exposure() {
  systemd-analyze security --offline=true "$1" 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p'
}

# exposure_ok "SCORE LEVEL": OK, SAFE or PERFECT.
exposure_ok() { [[ $1 =~ ^[0-9.]+\ (OK|SAFE|PERFECT)$ ]]; }

# --- 1. verify, with ExecStart on the built binary --------------------------
copy=$work/unit/rolewatch.service
sed "s#^ExecStart=/usr/bin/rolewatch #ExecStart=$rolewatch #" "$unit" >"$copy"
if [[ $(grep -c "^ExecStart=$rolewatch run " "$copy") -ne 1 ]]; then
  fail "verify: ExecStart=/usr/bin/rolewatch ... not found once in the unit"
elif verify_clean "$copy"; then
  pass "systemd-analyze verify: no error, no warning"
else
  fail "systemd-analyze verify reported the lines above"
fi

# --- 2. security exposure ---------------------------------------------------
score=$(exposure "$copy")
echo "     systemd-analyze security --offline=true rolewatch.service: ${score:-no score printed}"
if exposure_ok "$score"; then pass "exposure $score is OK or better"; else fail "exposure '$score' is worse than OK"; fi

# --- 3. the promised directives ---------------------------------------------
for line in "DynamicUser=yes" "StateDirectory=rolewatch" "StateDirectoryMode=0700" \
  "ConfigurationDirectory=rolewatch" "LoadCredential=eventhubs-connection-string" \
  "LoadCredential=webhook-secret" "ExecStart=/usr/bin/rolewatch run --config /etc/rolewatch/rolewatch.yaml" \
  "Restart=on-failure" "RestartPreventExitStatus=2" "KillSignal=SIGTERM" "NoNewPrivileges=yes" \
  "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes" \
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "SystemCallFilter=@system-service" \
  "SystemCallArchitectures=native" "CapabilityBoundingSet=" "MemoryDenyWriteExecute=yes" \
  "UMask=0077" "LimitCORE=0"; do
  grep -qxF "$line" "$unit" || fail "directive missing: $line"
done
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
if [[ -n $stop && $stop -gt 20 ]]; then
  pass "directives present; TimeoutStopSec=${stop}s exceeds the 20 s shutdown"
else
  fail "TimeoutStopSec '$stop' must exceed rolewatch's 20 s shutdown"
fi

# --- 4. the configuration and its credentials -------------------------------
loaded=$(sed -n 's/^LoadCredential=\([A-Za-z0-9_.-]*\)$/\1/p' "$unit")
grep -qxF "Environment=ROLEWATCH_SECRETS_DIR=%d" "$unit" || fail "the unit does not set ROLEWATCH_SECRETS_DIR=%d"
grep -qxF "EnvironmentFile=-/etc/rolewatch/rolewatch.env" "$unit" || fail "the unit does not read /etc/rolewatch/rolewatch.env"
# Credentials the configuration reads, its commented-out sinks included.
read_by_config=$(grep -o '\${ROLEWATCH_SECRETS_DIR[^}]*}/[A-Za-z0-9_.-]*' "$config" | sed 's#.*/##' | sort -u)
# docs/deployment.md's /etc/rolewatch/rolewatch.env, verbatim.
env_file=$(awk '/^```sh$/{inside=1; block=""; next} /^```$/{if (inside && block ~ /^# \/etc\/rolewatch\/rolewatch.env\n/) print block; inside=0; next} inside{block = block $0 "\n"}' \
  "$source_dir/docs/deployment.md" | grep -v '^#')
[[ -n $env_file ]] && pass "docs/deployment.md gives /etc/rolewatch/rolewatch.env" ||
  fail "docs/deployment.md has no \`\`\`sh block starting with '# /etc/rolewatch/rolewatch.env'"
unit_env() { env -i PATH="$PATH" ROLEWATCH_SECRETS_DIR="$work/credentials" ROLEWATCH_STATE_DIR="$work/state" $env_file "$@"; }
for name in $read_by_config; do
  grep -qxF "$name" <<<"$loaded" || fail "config reads credential $name, which the unit does not load"
done
for name in $loaded; do
  case $name in
    eventhubs-connection-string)
      echo "Endpoint=sb://contoso-audit.servicebus.windows.net/;SharedAccessKeyName=rolewatch-listen;SharedAccessKey=bm90LWEtcmVhbC1rZXk=" ;;
    webhook-secret) echo "whsec_V0VCSE9PSy1TM0NSRVQ=" ;;
    *) echo "not-a-real-secret-0123456789" ;;
  esac >"$work/credentials/$name"
done
chmod 0400 "$work"/credentials/*
if out=$(unit_env "$rolewatch" check-config "$config" 2>&1); then
  pass "rolewatch check-config on the installed configuration with the unit's environment ($(wc -w <<<"$read_by_config") credentials named)"
else
  fail "check-config: $out"
fi
if grep -q -e 'bm90LWEtcmVhbC1rZXk' -e 'whsec_V0VC' <<<"$out"; then
  fail "check-config printed a credential's value"
else
  pass "check-config prints no credential's value"
fi
rm -f "$work/credentials/webhook-secret"
unit_env timeout 20 "$rolewatch" run --config "$config" >"$work/run.log" 2>&1
rc=$?
if [[ $rc -eq 2 ]] && grep -q 'webhook-secret' "$work/run.log"; then
  pass "a missing credential: rolewatch run exits 2 naming it (RestartPreventExitStatus=2: no restart loop)"
else
  fail "a missing credential: rolewatch run exit $rc (want 2): $(tail -2 "$work/run.log")"
fi

# --- 5. self-checks: the checks above can fail ------------------------------
weak=$work/unit/weak.service
printf '[Service]\nExecStart=%s run --config /etc/rolewatch/rolewatch.yaml\n' "$rolewatch" >"$weak"
weak_score=$(exposure "$weak")
if [[ -n $weak_score ]] && ! exposure_ok "$weak_score"; then
  pass "self-check: an unhardened unit scores '$weak_score' and is rejected"
else
  fail "self-check: an unhardened unit scored '$weak_score' and was not rejected"
fi
noisy=$work/unit/noisy.service
sed 's/^NoNewPrivileges=yes$/NoNewPrivileges=yes\nProtectKernelTunable=yes/' "$copy" >"$noisy"
if ! verify_clean "$noisy" >/dev/null; then
  pass "self-check: a unit with an unknown directive fails the verify check"
else
  fail "self-check: a unit with an unknown directive passed the verify check"
fi

echo "systemd: $passes passed, $failures failed"
[[ $failures -eq 0 ]]
