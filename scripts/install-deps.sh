#!/usr/bin/env bash
# Installs every Debian 12 package rolewatch needs to build, test and demo.
# Idempotent: packages already present are skipped by apt-get.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  librdkafka-dev libsimdjson-dev librocksdb-dev prometheus-cpp-dev libcivetweb-dev
  libspdlog-dev libfmt-dev catch2 libcurl4-openssl-dev libssl-dev libyaml-cpp-dev
  libcli11-dev libcpp-httplib-dev nlohmann-json3-dev zlib1g-dev libjemalloc-dev
  kcat jq prometheus prometheus-alertmanager ca-certificates python3 time procps strace
  # The fuzz preset (clang++ with libFuzzer and the sanitizer runtimes).
  clang libclang-rt-14-dev libfuzzer-14-dev
  # Deployment tests (docs/deployment.md): the container image built offline,
  # the .deb, Kubernetes manifests, the systemd unit; node + npm run the
  # offline Kubernetes schema validator.
  mmdebstrap buildah dpkg-dev systemd
)
# kubectl from Debian's kubernetes-client, unless the machine has another
# kubectl (a distinct package owning /usr/bin/kubectl would conflict); Node.js
# and npm from Debian, unless the machine already has them.
command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
