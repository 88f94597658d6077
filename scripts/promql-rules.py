"""Writes the PromQL of a platc output tree as Prometheus rule files, for `promtool check rules`.

Usage: promql-rules.py DIR MANIFEST...

- Every PrometheusRule: its `spec` (the rule `groups`) as `DIR/<file>.rules.yaml`.
- Every Grafana dashboard ConfigMap (label `grafana_dashboard: "1"`): each panel target's `expr`
  (rows' panels too) as a recording rule in `DIR/<file>.dashboard.yaml`, after substituting
  Grafana's variables the way Grafana would: its built-ins (`$__range`, `$__rate_interval`,
  `$__interval`, ...) by sample values, the dashboard's own variables by their value (a constant
  by its `query`; others by their current value, else a placeholder). A variable the dashboard
  does not define is an error: Grafana would send it to Prometheus as it stands.

Prints one line: `RULE_OBJECTS RULES DASHBOARDS QUERIES`; exits 1 on an undefined variable.
"""

import json
import os
import re
import sys

import yaml

# Grafana's global variables, by a value of the right kind (duration or number).
BUILTINS = {
    "__range": "7d",
    "__range_s": "604800",
    "__range_ms": "604800000",
    "__rate_interval": "4m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__from": "1700000000000",
    "__to": "1700604800000",
}

# `${name}`, `${name:format}`, `$name`, `[[name]]`.
VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]")


def variables(dashboard):
    """The dashboard's own variables by name, with the value a query would see."""
    values = {}
    for var in (dashboard.get("templating") or {}).get("list") or []:
        name = var.get("name")
        if not name:
            continue
        if var.get("type") == "constant":
            values[name] = str(var.get("query", ""))
            continue
        current = (var.get("current") or {}).get("value")
        if isinstance(current, list):
            current = "|".join(str(v) for v in current)
        values[name] = str(current) if current not in (None, "", "$__all") else "placeholder"
    return values


def substitute(expr, values, undefined):
    """`expr` with its variables replaced; names it cannot resolve are added to `undefined`."""

    def value(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        if name in BUILTINS:
            return BUILTINS[name]
        undefined.add(name)
        return m.group(0)

    return VARIABLE.sub(value, expr)


def panels(items):
    for panel in items or []:
        yield panel
        yield from panels(panel.get("panels"))


def dashboard_rules(doc, path):
    """Recording rules, one per panel target, of every dashboard JSON in the ConfigMap."""
    rules = []
    keys = sorted(k for k in (doc.get("data") or {}) if k.endswith(".json"))
    for n, key in enumerate(keys):
        dashboard = json.loads(doc["data"][key])
        values = variables(dashboard)
        for panel in panels(dashboard.get("panels")):
            for target in panel.get("targets") or []:
                expr = target.get("expr")
                if not expr:
                    continue
                record = f"dashboard_{n}:panel_{panel.get('id', 0)}:{target.get('refId', 'A')}"
                undefined = set()
                rules.append({"record": record.lower(), "expr": substitute(expr, values, undefined)})
                if undefined:
                    names = ", ".join(f"${v}" for v in sorted(undefined))
                    sys.exit(f"{path}: {key}: panel {panel.get('title')!r}: undefined {names}")
    return rules


def main(out_dir, files):
    objects = rule_count = dashboards = queries = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        if not isinstance(doc, dict):
            continue
        base = os.path.join(out_dir, path.replace("/", "__"))
        kind = doc.get("kind")
        labels = (doc.get("metadata") or {}).get("labels") or {}
        if kind == "PrometheusRule":
            spec = doc.get("spec") or {}
            with open(base + ".rules.yaml", "w", encoding="utf-8") as f:
                yaml.safe_dump(spec, f, sort_keys=False)
            objects += 1
            rule_count += sum(len(g.get("rules") or []) for g in spec.get("groups") or [])
        elif kind == "ConfigMap" and labels.get("grafana_dashboard") == "1":
            rules = dashboard_rules(doc, path)
            name = (doc.get("metadata") or {}).get("name", "dashboard")
            with open(base + ".dashboard.yaml", "w", encoding="utf-8") as f:
                yaml.safe_dump({"groups": [{"name": name, "rules": rules}]}, f, sort_keys=False)
            dashboards += 1
            queries += len(rules)
    print(objects, rule_count, dashboards, queries)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
