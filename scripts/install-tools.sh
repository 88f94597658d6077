#!/usr/bin/env bash
# Installs the external checkers CI runs on platc's output into ./.venv (idempotent):
# kubernetes-validate (Kubernetes OpenAPI schemas, --strict), yamllint, pre-commit, and
# check-jsonschema. Pinned, so a fresh machine gets exactly what CI was green with.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PLATC_VENV:-.venv}
PINS=(kubernetes-validate==1.37.0 yamllint==1.38.0 pre-commit==4.7.0 check-jsonschema==0.39.0)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -m pip freeze 2>/dev/null | grep -qix "kubernetes-validate==1.37.0" \
  || ! "$VENV/bin/python" -m pip freeze 2>/dev/null | grep -qix "pre-commit==4.7.0" \
  || ! "$VENV/bin/python" -m pip freeze 2>/dev/null | grep -qix "check-jsonschema==0.39.0" \
  || ! "$VENV/bin/python" -m pip freeze 2>/dev/null | grep -qix "yamllint==1.38.0"; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
fi
command -v kubectl >/dev/null || { echo "install-tools: kubectl not found (needed for kubectl kustomize)" >&2; exit 1; }
echo "install-tools: $("$VENV/bin/kubernetes-validate" --version 2>&1 | head -1), $("$VENV/bin/yamllint" --version), $("$VENV/bin/pre-commit" --version), kubectl $(kubectl version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"
