#!/usr/bin/env bash
# Runs real external validators on a platc output tree (default: out/):
#   - kubernetes-validate --strict against Kubernetes 1.33 (the version platc pins) and 1.37
#     (the newest it knows), on every built-in-kind manifest;
#   - yamllint on every file;
#   - check-jsonschema on every KafkaTopic, PrometheusRule, Application and AppProject against
#     its upstream CRD schema in
#     schemas/crds/ (draft-07, strict: unknown fields are errors);
#   - kubectl kustomize on every folder that has a kustomization.yaml;
#   - promtool check rules (Prometheus' own parser) on every PrometheusRule's rule groups and
#     on every query of every Grafana dashboard ConfigMap, Grafana's variables substituted
#     (scripts/promql-rules.py writes them as rule files).
# Needs scripts/install-tools.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out}
VENV=${PLATC_VENV:-.venv}
mapfile -t all < <(find "$OUT" -name '*.yaml' | LC_ALL=C sort)
[ ${#all[@]} -gt 0 ] || { echo "conformance: no manifests under $OUT" >&2; exit 1; }
# kubernetes-validate knows only built-in kinds (the core group, groups without a dot, and
# *.k8s.io); every custom resource is checked against its upstream CRD schema in
# schemas/crds/<group>_<kind>_<version>.json (and in-process by tests/crds.rs), and one without
# a schema there fails the check.
builtin=()
declare -A crs=()
for f in "${all[@]}"; do
  api=$(sed -n 's/^apiVersion: //p' "$f" | head -1)
  kind=$(sed -n 's/^kind: //p' "$f" | head -1)
  [ "$kind" = Kustomization ] && continue
  group=${api%/*}
  [ "$group" = "$api" ] && group=""
  if [ -z "$group" ] || [[ "$group" != *.* ]] || [[ "$group" == *.k8s.io ]]; then
    builtin+=("$f")
  else
    schema="schemas/crds/${group}_${kind,,}_${api##*/}.json"
    [ -f "$schema" ] || { echo "conformance: no CRD schema $schema for $f" >&2; exit 1; }
    crs[$schema]+="$f"$'\n'
  fi
done
for k in 1.33 1.37; do
  "$VENV/bin/kubernetes-validate" --quiet --strict -k "$k" "${builtin[@]}"
  echo "conformance: kubernetes-validate --strict -k $k: ${#builtin[@]} manifests ok"
done
for schema in $(printf '%s\n' "${!crs[@]}" | LC_ALL=C sort); do
  mapfile -t files < <(printf '%s' "${crs[$schema]}")
  "$VENV/bin/check-jsonschema" --schemafile "$schema" "${files[@]}"
  echo "conformance: check-jsonschema $(basename "$schema" .json): ${#files[@]} manifests ok"
done
"$VENV/bin/yamllint" -s -c scripts/yamllint.yaml "${all[@]}"
echo "conformance: yamllint: ${#all[@]} files ok"
n=0
while IFS= read -r k; do
  dir=$(dirname "$k")
  kubectl kustomize "$dir" >/dev/null || { echo "conformance: kubectl kustomize $dir failed" >&2; exit 1; }
  n=$((n + 1))
done < <(find "$OUT" -name kustomization.yaml | LC_ALL=C sort)
echo "conformance: kubectl kustomize: $n folders ok"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
counts=$("$VENV/bin/python" scripts/promql-rules.py "$tmp" "${all[@]}")
read -r objects rules dashboards queries <<<"$counts"
mapfile -t rule_files < <(find "$tmp" -name '*.yaml' | LC_ALL=C sort)
if [ ${#rule_files[@]} -gt 0 ] && ! promtool check rules "${rule_files[@]}" >"$tmp/promtool.log" 2>&1; then
  cat "$tmp/promtool.log" >&2
  echo "conformance: promtool check rules failed" >&2
  exit 1
fi
echo "conformance: promtool check rules: $objects PrometheusRules ($rules rules), $dashboards dashboards ($queries queries) ok"
