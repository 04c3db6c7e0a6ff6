#!/usr/bin/env bash
# The Kubernetes manifests (deploy/kubernetes/), checked offline. Why: no
# cluster is reachable here, yet a manifest the API server refuses, a
# loosened security setting or a configuration the pod cannot load must fail
# CI, and the commands docs/deployment.md#kubernetes gives must work.
#   1. npm ci of the validator (tests/deploy/kubernetes/package-lock.json)
#      into the build tree, skipped while the lock file is unchanged.
#   2. The commands of the section's ```sh blocks, run in a scratch dir
#      laid out like the docs say (`deploy/` of the checkout, a `rolewatch`
#      checkout beside `my-rolewatch`): `kubectl create ...` with
#      --dry-run=client (the Secrets they make are kept), `kubectl apply -k
#      DIR` as `kubectl kustomize DIR` (what apply -k would send), mkdir/cp
#      as written. my-rolewatch/kustomization.yaml is the docs' yaml block.
#   3. The base and every overlay rendered and validated by validate.mjs
#      (schema, unknown fields, security, references, check-config, the
#      documented Secrets); your-own-overlay likewise, with the image name
#      it sets.
#   4. validate.mjs --self-check on each overlay: broken variants rejected.
# Usage: kubernetes_test.sh SOURCE_DIR ROLEWATCH_BINARY WORK_DIR NPM_CACHE_DIR
set -uo pipefail

source_dir=$(realpath "$1")
rolewatch=$(realpath "$2")
work=$3
modules=$4
validator=$source_dir/tests/deploy/kubernetes/validate.mjs
docs=$source_dir/docs/deployment.md
failures=0
passes=0

pass() { echo "ok   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

for tool in kubectl node npm; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed (scripts/install-deps.sh)"; exit 1; }
done
rm -rf "$work" && mkdir -p "$work/scratch" "$work/rendered" || exit 1
# The kustomizations use kustomize v2.0.3's syntax (Debian 12's kubectl
# 1.20); later kubectl renders the same objects with deprecation warnings.

# --- 1. the validator's packages --------------------------------------------
lock=$source_dir/tests/deploy/kubernetes/package-lock.json
mkdir -p "$modules"
if ! cmp -s "$lock" "$modules/package-lock.json" || [[ ! -d $modules/node_modules ]]; then
  cp "$source_dir/tests/deploy/kubernetes/package.json" "$lock" "$modules/" &&
    (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    { echo "FAIL npm ci of the validator"; exit 1; }
fi

# --- 2. the documented commands ---------------------------------------------
# The Kubernetes section of the docs page.
section=$(awk '/^## Kubernetes$/{on=1; next} /^## /{on=0} on' "$docs")
# Its ```sh blocks, continuation lines joined, comments dropped.
commands=$(awk '/^```sh$/{on=1; next} /^```$/{on=0} on' <<<"$section" |
  sed -e 's/[[:space:]]*#.*$//' -e '/^[[:space:]]*$/d' | sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta')
my_kustomization=$(awk '/^```yaml$/{on=1; block=""; next} /^```$/{if (on && block ~ /^# my-rolewatch\/kustomization.yaml\n/) print block; on=0; next} on{block = block $0 "\n"}' <<<"$section")

scratch=$work/scratch
ln -s "$source_dir/deploy" "$scratch/deploy"
ln -s "$source_dir" "$scratch/rolewatch"
for key in eventhubs-connection-string webhook-secret; do echo "not-a-real-$key" >"$scratch/$key"; done
secrets=$work/rendered/documented-secrets.yaml
: >"$secrets"
applied=()

run_documented() {
  local line=$1
  local -a words
  read -r -a words <<<"$line"
  case "$line" in
    "kubectl apply -k "*)
      local dir=${words[3]}
      local name
      name=$(basename "$dir")
      if (cd "$scratch" && kubectl kustomize "$dir") >"$work/rendered/$name.yaml" 2>"$work/rendered/$name.err"; then
        applied+=("$name") && pass "docs: $line (rendered with kubectl kustomize)"
      else
        fail "docs: $line: $(cat "$work/rendered/$name.err")"
      fi ;;
    "kubectl "*"create secret "*)
      if (cd "$scratch" && "${words[@]}" --dry-run=client -o yaml) >"$work/secret.yaml" 2>&1; then
        { echo "---"; cat "$work/secret.yaml"; } >>"$secrets" && pass "docs: $line (--dry-run=client)"
      else
        fail "docs: $line: $(cat "$work/secret.yaml")"
      fi ;;
    "kubectl create namespace "*)
      if out=$(cd "$scratch" && "${words[@]}" --dry-run=client -o yaml 2>&1); then
        pass "docs: $line (--dry-run=client)"
      else
        fail "docs: $line: $out"
      fi ;;
    "mkdir "* | "cp "*)
      if out=$(cd "$scratch" && "${words[@]}" 2>&1); then pass "docs: $line"; else fail "docs: $line: $out"; fi
      if [[ $line == "mkdir my-rolewatch" ]]; then printf '%s' "$my_kustomization" >"$scratch/my-rolewatch/kustomization.yaml"; fi ;;
    *) fail "docs: the test does not know how to run: $line" ;;
  esac
}

[[ -n $my_kustomization ]] || fail "docs: no yaml block starting with '# my-rolewatch/kustomization.yaml'"
while IFS= read -r line; do run_documented "$line"; done <<<"$commands"

# Every overlay is documented with its apply -k.
for dir in "$source_dir"/deploy/kubernetes/overlays/*/; do
  name=$(basename "$dir")
  [[ " ${applied[*]} " == *" $name "* ]] || fail "docs: no 'kubectl apply -k deploy/kubernetes/overlays/$name'"
done

# --- 3. validation ----------------------------------------------------------
kubectl kustomize "$source_dir/deploy/kubernetes/base" >"$work/rendered/base.yaml" || fail "kubectl kustomize base"
official=("base=$work/rendered/base.yaml")
for name in "${applied[@]}"; do
  [[ $name == my-rolewatch ]] || official+=("$name=$work/rendered/$name.yaml")
done
validate() { node "$validator" --modules "$modules" --rolewatch "$rolewatch" --work "$work/pods" --secrets "$secrets" "$@"; }
if validate "${official[@]}"; then pass "validation of ${#official[@]} renderings"; else fail "validation (lines above)"; fi

mine=$work/rendered/my-rolewatch.yaml
if [[ -s $mine ]]; then
  if validate "my-rolewatch=$mine"; then pass "validation of my-rolewatch"; else fail "validation of my-rolewatch"; fi
  grep -q 'image: registry.example.com/security/rolewatch:1.0.0$' "$mine" && ! grep -q 'rolewatch:latest' "$mine" &&
    pass "my-rolewatch: images: sets the image" || fail "my-rolewatch: the image is not registry.example.com/security/rolewatch:1.0.0"
else
  fail "my-rolewatch was not rendered"
fi

# --- 4. self-checks ---------------------------------------------------------
for name in "${applied[@]}"; do
  [[ $name == my-rolewatch ]] && continue
  if validate --self-check "$work/rendered/$name.yaml"; then pass "self-check on $name"; else fail "self-check on $name"; fi
done

echo "kubernetes: $passes passed, $failures failed"
[[ $failures -eq 0 ]]
