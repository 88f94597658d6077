#!/usr/bin/env bash
# Installs the external checkers CI runs on platc's output (idempotent): into ./.venv
# kubernetes-validate (Kubernetes OpenAPI schemas, --strict), yamllint, pre-commit,
# check-jsonschema and PyYAML; system-wide Prometheus' promtool (Debian package `prometheus`),
# which checks and unit-tests the generated alert rules and dashboard queries. Pinned, so a fresh
# machine gets exactly what CI was green with. The Debian package needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${PLATC_VENV:-.venv}
# PyYAML comes with yamllint and pre-commit anyway; it is pinned because conformance.sh and the
# golden tests import it themselves.
PINS=(kubernetes-validate==1.37.0 yamllint==1.38.0 pre-commit==4.7.0 check-jsonschema==0.39.0
  PyYAML==6.0.4 apache-dolphinscheduler==4.1.0)
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
installed=$("$VENV/bin/python" -m pip freeze 2>/dev/null || true)
for pin in "${PINS[@]}"; do
  if ! grep -qix "$pin" <<<"$installed"; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
    break
  fi
done
PROMETHEUS_VERSION=2.42.0+ds-5+b6
if [ "$(dpkg-query -W -f='${Status} ${Version}' prometheus 2>/dev/null)" != "install ok installed $PROMETHEUS_VERSION" ]; then
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  if ! apt-cache show "prometheus=$PROMETHEUS_VERSION" >/dev/null 2>&1; then
    "${SUDO[@]}" apt-get update -q
  fi
  # The package ships a Prometheus server service; platc needs only promtool. A policy-rc.d
  # that answers 101 keeps invoke-rc.d and deb-systemd-invoke from starting it while installing
  # (Debian's own mechanism; Docker images already have one, which is left alone).
  POLICY=/usr/sbin/policy-rc.d
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "prometheus=$PROMETHEUS_VERSION" >/dev/null
  # ...and with systemd running, nor at the next boot. Without systemd there is nothing to stop.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    "${SUDO[@]}" systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
fi
command -v promtool >/dev/null || { echo "install-tools: promtool not found after installing prometheus=$PROMETHEUS_VERSION" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "install-tools: kubectl not found (needed for kubectl kustomize)" >&2; exit 1; }
echo "install-tools: $("$VENV/bin/kubernetes-validate" --version 2>&1 | head -1), $("$VENV/bin/yamllint" --version), $("$VENV/bin/pre-commit" --version), $(promtool --version 2>&1 | head -1), kubectl $(kubectl version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"
