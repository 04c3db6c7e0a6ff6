#!/usr/bin/env bash
# The container image (docs/deployment.md, "Container image"), slow (ctest
# label "image"): builds it offline with scripts/build-image.sh (mmdebstrap
# base + buildah bud, which also installs the .deb with apt-get), then checks
# the image as a user gets it: its configuration (non-root user, volume,
# port, entrypoint, OCI labels), its contents (stripped binary, the shipped
# files, no compiler), and runs inside it, with `buildah run --isolation
# chroot`, `rolewatch --version`, the default configuration's check and the
# demo, which must raise the bundled attack's alert. Prints the image size
# and the build time. Needs root, mmdebstrap, buildah and jq (exit 77 = skipped).
#
#   tests/deploy/container_image_test.sh SOURCE_DIR [TAG]
set -euo pipefail

source_dir=${1:?usage: container_image_test.sh SOURCE_DIR [TAG]}
tag=${2:-rolewatch:test}
uid=10001

if [ "$(id -u)" -ne 0 ] || ! command -v buildah >/dev/null || ! command -v mmdebstrap >/dev/null || ! command -v jq >/dev/null; then
  echo "SKIP: needs root, buildah, mmdebstrap and jq (scripts/install-deps.sh)"
  exit 77
fi

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

started=$SECONDS
bash "$source_dir/scripts/build-image.sh" "$tag" || fail "scripts/build-image.sh failed"
build_seconds=$((SECONDS - started))

version=$(sed -n 's/^project(rolewatch VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
revision=$(git -C "$source_dir" rev-parse HEAD 2>/dev/null || echo unknown)

# --- the image's configuration -------------------------------------------------
config=$(buildah inspect --type image "$tag" | jq -c '.OCIv1.config')
expect_config() {
  local got
  got=$(jq -c "$1" <<<"$config")
  [ "$got" = "$2" ] || fail "image config $1 is $got, expected $2"
}
expect_config .User "\"$uid:$uid\""
expect_config .Entrypoint '["rolewatch"]'
expect_config .Cmd '["run","--config","/etc/rolewatch/rolewatch.yaml"]'
expect_config .Volumes '{"/var/lib/rolewatch":{}}'
expect_config .ExposedPorts '{"9464/tcp":{}}'
expect_config .WorkingDir '"/var/lib/rolewatch"'

for name in title description source licenses version revision; do
  [ -n "$(jq -r ".Labels[\"org.opencontainers.image.$name\"] // empty" <<<"$config")" ] ||
    fail "label org.opencontainers.image.$name missing"
done
expect_config '.Labels["org.opencontainers.image.title"]' '"rolewatch"'
expect_config '.Labels["org.opencontainers.image.version"]' "\"$version\""
expect_config '.Labels["org.opencontainers.image.revision"]' "\"$revision\""

# --- inside the image ------------------------------------------------------------
ctr=$(buildah from --pull=never "$tag")
trap 'buildah umount "$ctr" >/dev/null 2>&1 || true; buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
in_image() { buildah run --isolation chroot "$ctr" -- "$@"; }

[ "$(in_image id -u)" = "$uid" ] || fail "commands run as uid $(in_image id -u), not $uid"
[ "$(in_image id -g)" = "$uid" ] || fail "commands run as gid $(in_image id -g), not $uid"
[ "$(in_image rolewatch --version)" = "$version" ] || fail "rolewatch --version in the image is not $version"
in_image sh -c 'touch /var/lib/rolewatch/.probe && rm /var/lib/rolewatch/.probe' ||
  fail "/var/lib/rolewatch is not writable by uid $uid"
in_image sh -c '! touch /usr/bin/.probe 2>/dev/null' || fail "uid $uid can write to /usr/bin"

# The default command's configuration: refused (exit 2) without the
# deployment's environment, valid with it and the secret files, listening on
# all interfaces for the scrape and the probes (the image's ROLEWATCH_LISTEN).
set +e
in_image rolewatch check-config /etc/rolewatch/rolewatch.yaml >/dev/null 2>&1
status=$?
set -e
[ "$status" -eq 2 ] || fail "check-config without the environment exited $status, not 2"
checked=$(in_image sh -c 'mkdir -p /tmp/secrets && cd /tmp/secrets &&
  printf "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0" >eventhubs-connection-string &&
  printf "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0" >webhook-secret &&
  EVENTHUBS_NAMESPACE=contoso ROLEWATCH_WEBHOOK_URL=https://soar.example.com/hook ROLEWATCH_SECRETS_DIR=/tmp/secrets \
    rolewatch check-config /etc/rolewatch/rolewatch.yaml') || fail "check-config of /etc/rolewatch/rolewatch.yaml failed"
grep -q 'listen: 0.0.0.0:9464' <<<"$checked" || fail "the image's configuration does not listen on 0.0.0.0:9464"
grep -q 'dir: /var/lib/rolewatch' <<<"$checked" || fail "the image's state.dir is not the volume"

demo=$(in_image rolewatch --log-level warn demo /usr/share/rolewatch/demo/sample-attack.jsonl) ||
  fail "rolewatch demo in the image exited non-zero"
grep -q '"schema":"rolewatch.alert.v1"' <<<"$demo" || fail "the demo in the image printed no alert"
grep -q '"rule":"privileged-role-removal-burst"' <<<"$demo" || fail "the demo's alert is not the burst rule's"

mnt=$(buildah mount "$ctr")
for path in usr/bin/rolewatch etc/rolewatch/rolewatch.yaml usr/share/rolewatch/rolewatch.example.yaml \
  usr/share/rolewatch/rules/default-rules.yaml usr/share/rolewatch/rules/activation-rules.yaml \
  usr/share/rolewatch/demo/sample-attack.jsonl etc/ssl/certs/ca-certificates.crt; do
  [ -s "$mnt/$path" ] || fail "/$path missing from the image"
done
if readelf -S "$mnt/usr/bin/rolewatch" | grep -Eq '\.(symtab|debug_info)'; then
  fail "/usr/bin/rolewatch in the image is not stripped"
fi
for leftover in usr/bin/g++ usr/bin/cmake usr/include/librdkafka var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease; do
  [ ! -e "$mnt/$leftover" ] || fail "build leftover /$leftover in the runtime image"
done
[ "$(stat -c %u:%g "$mnt/var/lib/rolewatch")" = "$uid:$uid" ] || fail "/var/lib/rolewatch is not owned by $uid"
dpkg-query --admindir="$mnt/var/lib/dpkg" -W -f='${Status}' rolewatch | grep -q 'install ok installed' ||
  fail "the rolewatch package is not installed in the image"

size=$(buildah images --format '{{.Size}}' "$tag" | head -n1)
echo "image $tag: $size, built in $build_seconds s; binary $(du -k "$mnt/usr/bin/rolewatch" | cut -f1) KiB"
echo "PASS"
