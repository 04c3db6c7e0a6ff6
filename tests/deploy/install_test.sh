#!/usr/bin/env bash
# The install layout and the Debian package (docs/deployment.md, "Debian
# package and `cmake --install`"), fast enough for every run (ctest label
# "deploy"): `cmake --install` of an existing build tree puts each documented
# file in its documented place and the installed binary runs the demo; then,
# where dpkg-deb is available, `cpack -G DEB` in the same tree makes a .deb
# whose contents, conffile and Depends are the documented ones, and whose
# binary, extracted into a scratch root, is stripped and runs the demo.
#
#   tests/deploy/install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

build=${1:?usage: install_test.sh BUILD_DIR SOURCE_DIR}
source_dir=${2:?usage: install_test.sh BUILD_DIR SOURCE_DIR}
scratch=$(mktemp -d /tmp/rolewatch-install-test.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

version=$(sed -n 's/^project(rolewatch VERSION \([0-9.]*\).*/\1/p' "$source_dir/CMakeLists.txt")
[ -n "$version" ] || fail "no project version in $source_dir/CMakeLists.txt"

# The demo of an installed binary with the installed sample raises the
# bundled attack's alert (rolewatch.alert.v1 on stdout) and exits 0.
demo_raises_alert() {
  local binary=$1 sample=$2 out
  out=$("$binary" --log-level warn demo "$sample") || fail "$binary demo $sample exited $?"
  grep -q '"schema":"rolewatch.alert.v1"' <<<"$out" || fail "$binary demo printed no alert"
  grep -q '"rule":"privileged-role-removal-burst"' <<<"$out" || fail "$binary demo: not the burst rule's alert"
}

# --- cmake --install ---------------------------------------------------------
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >"$scratch/install.log" || fail "cmake --install: $(cat "$scratch/install.log")"

declare -A installed=(
  [bin/rolewatch]=""
  [share/rolewatch/rules/default-rules.yaml]=rules/default-rules.yaml
  [share/rolewatch/rules/activation-rules.yaml]=rules/activation-rules.yaml
  [share/rolewatch/demo/sample-attack.jsonl]=deploy/demo/sample-attack.jsonl
  [share/rolewatch/rolewatch.example.yaml]=deploy/config/rolewatch.example.yaml
)
# The rule test cases and their records, all but the generator.
while IFS= read -r case_file; do
  installed[share/rolewatch/rules/tests/$case_file]=rules/tests/$case_file
done < <(cd "$source_dir/rules/tests" && find . -type f ! -name '*.py' -printf '%P\n')
for path in "${!installed[@]}"; do
  [ -f "$prefix/$path" ] || fail "cmake --install did not install $path"
  from=${installed[$path]}
  [ -z "$from" ] || cmp -s "$source_dir/$from" "$prefix/$path" || fail "$path differs from $from"
done
[ -x "$prefix/bin/rolewatch" ] || fail "bin/rolewatch is not executable"
# The conffile and the unit belong to the package only.
[ ! -e "$prefix/etc" ] || fail "cmake --install wrote etc/ under the prefix"
[ ! -e "$prefix/lib" ] || fail "cmake --install wrote lib/ under the prefix"
[ "$(find "$prefix" -type f | wc -l)" -eq "${#installed[@]}" ] ||
  fail "cmake --install installed other files: $(find "$prefix" -type f)"

[ "$("$prefix/bin/rolewatch" --version)" = "$version" ] || fail "installed rolewatch --version is not $version"
demo_raises_alert "$prefix/bin/rolewatch" "$prefix/share/rolewatch/demo/sample-attack.jsonl"
# The installed rule tests pass against the installed binary's rules.
"$prefix/bin/rolewatch" --log-level error rules test "$prefix"/share/rolewatch/rules/tests/*.yaml \
  >"$scratch/rules-test.log" || fail "installed rules test: $(cat "$scratch/rules-test.log")"
echo "cmake --install: ${#installed[@]} files in place, --version $version, demo alert raised, $(tail -n 1 "$scratch/rules-test.log")"

# --- cpack -G DEB --------------------------------------------------------------
if ! command -v dpkg-deb >/dev/null || ! command -v dpkg-shlibdeps >/dev/null; then
  echo "dpkg-deb/dpkg-shlibdeps missing: .deb part skipped (scripts/install-deps.sh installs dpkg-dev)"
  exit 0
fi
(cd "$build" && cpack -G DEB -B "$scratch/pkg" >"$scratch/cpack.log" 2>&1) || fail "cpack: $(tail -n 20 "$scratch/cpack.log")"
deb=$scratch/pkg/rolewatch_${version}_amd64.deb
[ -f "$deb" ] || fail "cpack made no $deb: $(ls "$scratch/pkg")"

contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/rolewatch ./usr/share/rolewatch/rules/default-rules.yaml \
  ./usr/share/rolewatch/rules/activation-rules.yaml ./usr/share/rolewatch/demo/sample-attack.jsonl \
  ./usr/share/rolewatch/rolewatch.example.yaml ./etc/rolewatch/rolewatch.yaml \
  ./usr/share/rolewatch/rules/tests/removal-burst.yaml \
  ./lib/systemd/system/rolewatch.service; do
  grep -q " $path\$" <<<"$contents" || fail ".deb lacks $path"
done

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = rolewatch ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), expected $version"
depends=$(field Depends)
# Package names alone, one a line, without the version constraints.
depends_names=$(sed -e 's/ *([^)]*)//g' -e 's/, */\n/g' <<<"$depends")
# RocksDB is linked statically (Debian's RocksDB::rocksdb is the .a), so its
# compression libraries are what dpkg-shlibdeps finds for it.
for dependency in ca-certificates libc6 librdkafka1 'librdkafka++1' libcurl4 libssl3 \
  libprometheus-cpp-core1.0 libsimdjson14 libspdlog1.10-fmt9 libyaml-cpp0.7 libjemalloc2 \
  libsnappy1v5 libzstd1 liblz4-1 libbz2-1.0 zlib1g; do
  grep -qxF "$dependency" <<<"$depends_names" || fail "Depends lacks $dependency: $depends"
done
dpkg-deb -e "$deb" "$scratch/control"
[ "$(cat "$scratch/control/conffiles")" = /etc/rolewatch/rolewatch.yaml ] ||
  fail "conffiles: $(cat "$scratch/control/conffiles")"

root=$scratch/root
dpkg-deb -x "$deb" "$root"
cmp -s "$source_dir/deploy/config/rolewatch.example.yaml" "$root/etc/rolewatch/rolewatch.yaml" ||
  fail "/etc/rolewatch/rolewatch.yaml is not the example configuration"
cmp -s "$source_dir/deploy/systemd/rolewatch.service" "$root/lib/systemd/system/rolewatch.service" ||
  fail "the packaged unit is not deploy/systemd/rolewatch.service"
if readelf -S "$root/usr/bin/rolewatch" | grep -Eq '\.(symtab|debug_info)'; then
  fail "the packaged binary is not stripped"
fi
[ "$("$root/usr/bin/rolewatch" --version)" = "$version" ] || fail "packaged rolewatch --version is not $version"
demo_raises_alert "$root/usr/bin/rolewatch" "$root/usr/share/rolewatch/demo/sample-attack.jsonl"
echo ".deb: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB; Depends: $depends"
echo "PASS"
