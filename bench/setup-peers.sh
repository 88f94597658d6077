#!/usr/bin/env bash
# Install the peer tools for `bench/run.sh` under /tmp/oracles (or $ORACLES). Idempotent: every
# step is skipped when its result is already there. apt-get needs root.
# Adapted from the shared peer benchmark (shared/peers/setup-peers.sh); see bench/README.md.
#   apt   : hyperfine, jsonnet (C++ CLI 0.18), time (GNU /usr/bin/time)
#   venv  : kcl-lib (KCL runtime), gojsonnet (Go binding), jsonnet (C++ binding), PyYAML
#           (the checkers kubernetes-validate/yamllint live in the repo's own .venv instead)
#   cargo : jrsonnet (Rust Jsonnet CLI) -- a pre-release, so the exact version must be named;
#           built at nice 19 with 1 job because the machine is shared
#   kubectl (with its built-in kustomize) must already be on PATH.
set -euo pipefail
ROOT=${ORACLES:-/tmp/oracles}
mkdir -p "$ROOT"

missing=()
for p in hyperfine jsonnet time; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

PY_PKGS=(kcl-lib==0.13.2 jsonnet==0.22.0 gojsonnet==0.22.0 PyYAML)
[ -x "$ROOT/venv/bin/python" ] || python3 -m venv "$ROOT/venv"
# `pip show A B C` succeeds when any one of them is installed, so each package is asked about
# on its own (a venv another script made had PyYAML but not kcl-lib, and KCL went missing).
missing_py=()
for pkg in "${PY_PKGS[@]}"; do
  "$ROOT/venv/bin/pip" show -q "${pkg%%==*}" >/dev/null 2>&1 || missing_py+=("$pkg")
done
if [ ${#missing_py[@]} -gt 0 ]; then
  "$ROOT/venv/bin/pip" install -q "${missing_py[@]}"
fi

if [ ! -x "$ROOT/cargo/bin/jrsonnet" ]; then
  CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} nice -n 19 \
    cargo install jrsonnet@0.5.0-pre98 --locked --root "$ROOT/cargo"
fi

command -v kubectl >/dev/null || { echo "kubectl (with built-in kustomize) is required" >&2; exit 1; }

echo "--- versions"
"$ROOT/venv/bin/pip" list 2>/dev/null | grep -i -E '^(kcl[-_]lib|jsonnet|gojsonnet|PyYAML) '
"$ROOT/cargo/bin/jrsonnet" --version
jsonnet --version
hyperfine --version
kubectl version --client 2>/dev/null | head -2
