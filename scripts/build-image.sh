#!/usr/bin/env bash
# Builds the rolewatch container image offline (docs/deployment.md,
# "Container image"): registries are not reachable, so the base image
# debian:bookworm-slim is made from Debian packages with mmdebstrap and
# imported into buildah's local storage, then deploy/container/Containerfile
# is built with `buildah bud --isolation chroot` (no container runtime
# needed; runs as root). Idempotent: an existing base image is reused
# (REBUILD_BASE=1 makes it again). Prints how long each step took and the
# image size.
#
#   scripts/build-image.sh [TAG]        (default TAG: rolewatch:test)
#
# Environment: JOBS (compile jobs in the build stage, default 2),
# REBUILD_BASE=1, MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-rolewatch:test}
base=docker.io/library/debian:bookworm-slim
mirror=${MIRROR:-http://deb.debian.org/debian}
security_mirror=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

[ "$(id -u)" -eq 0 ] || { echo "build-image: run as root (mmdebstrap and buildah)" >&2; exit 2; }
for tool in mmdebstrap buildah; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool missing: run scripts/install-deps.sh" >&2; exit 2; }
done

step() {
  local name=$1 started=$SECONDS
  shift
  "$@"
  echo "build-image: $name took $((SECONDS - started)) s"
}

# The rootfs as debian:bookworm-slim has it: minbase, merged /usr without the
# usrmerge package (and its perl), no documentation, man pages or locales
# (dpkg keeps excluding them in the image), the security and updates suites.
make_base_image() {
  local workdir ctr
  workdir=$(mktemp -d /tmp/rolewatch-base.XXXXXX)
  if ! mmdebstrap --variant=minbase --skip=output/dev \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --aptopt='Acquire::Languages "none"' \
    bookworm "$workdir/rootfs.tar" \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
    "deb $security_mirror bookworm-security main" >"$workdir/mmdebstrap.log" 2>&1; then
    tail -n 30 "$workdir/mmdebstrap.log" >&2
    rm -rf "$workdir"
    return 1
  fi
  ctr=$(buildah from scratch)
  buildah add --quiet "$ctr" "$workdir/rootfs.tar" / >/dev/null
  rm -rf "$workdir"
  buildah config --cmd '["bash"]' \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit --quiet --rm "$ctr" "$base" >/dev/null
}

if [ "${REBUILD_BASE:-0}" = 1 ] || ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  step "base image $base (mmdebstrap)" make_base_image
else
  echo "build-image: reusing base image $base"
fi

version=$(sed -n 's/^project(rolewatch VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
source_url=$(git remote get-url origin 2>/dev/null || echo unknown)

# --layers caches each step, so a rebuild after a change to the sources
# reuses the apt-get layers; --pull=never: the base image is local only.
step "image $tag (buildah bud)" buildah bud --quiet --isolation chroot --layers --force-rm --pull=never \
  -f deploy/container/Containerfile --ignorefile deploy/container/Containerfile.dockerignore \
  --build-arg JOBS="${JOBS:-2}" --build-arg VERSION="$version" \
  --build-arg REVISION="$revision" --build-arg SOURCE="$source_url" \
  -t "$tag" .

# buildah's own figure: the uncompressed size of all layers, in decimal MB.
size=$(buildah images --format '{{.Size}}' "$tag" | head -n1)
echo "build-image: $tag is $size (version $version, revision $revision)"
