#!/usr/bin/env python3
"""Write a platform description with N tenant namespaces, for the benchmark (bench/run.sh).

Three files (and a folder); the first two carry the SAME data:
  platform.json       peer-neutral input that every peer (KCL, Jsonnet, kustomize generator) reads
  platform.toml       the same data in the platform.toml v1 shape of the SPEC, for platc: the
                      like-with-like input when platc is timed side by side with the peers
  platform-full.toml  platc only: every tenant shaped like the seed's `production` namespace in
                      full (default-deny ingress+egress, allow-dns, [limits], and a pipeline with
                      a Kafka topic and alerts); what bench/run.sh uses for platc's own scenarios

  environments/       issue 27: platform-full.toml's tenants stamped on three clusters (staging,
                      prod-eu, prod-us), each with one override (`[namespaces.T.on.staging]`, a
                      smaller quota), and per-cluster images (staging runs the release candidate,
                      prod-us a patch release); and longhand/<cluster>/platform-full.toml, the same objects
                      written out longhand, one config per cluster, which together build the
                      same tree.

  templated/          platform-full.toml again, written the way issue 7 lets a large platform be
                      written: one `tenant` template holding the whole namespace, and per tenant
                      only `template = "tenant"` and two variables (its CronJob minute and topic),
                      the tenants in included files of 1,000 (templated/tenants/NNNN.toml). It
                      compiles to the same tree as platform-full.toml, byte for byte.

Each tenant namespace yields exactly 7 objects: Namespace, ResourceQuota, NetworkPolicy,
ServiceAccount, Role, RoleBinding, CronJob.  To stay at 7 the draft sets
`default_deny = []` (no extra default-deny policies) and omits `[limits]` (no LimitRange),
topic/alerts/dashboard (no KafkaTopic/PrometheusRule/ConfigMap).

Tenant 0 is the SPEC's `production` namespace verbatim; tenant i>0 is `production-NNNNN`, with the
CronJob minute varied (i % 60) so the outputs are not all byte-identical.

In platform-full.toml each tenant's topic is named after the tenant (`commodity-prices` for
tenant 0, `commodity-prices-NNNNN` otherwise): topics all land in the Kafka service's folder, so
their names must differ. Output is a pure function of N (no clock, no randomness).

Origin: copied from the shared peer benchmark (shared/peers/gen_platform.py) and extended with
platform-full.toml; see bench/README.md.

Usage: gen_platform.py N [--out DIR]      (default DIR: /tmp/oracles/data/N)
"""
import argparse
import json
import os
import shutil
import sys
import tomllib


def tenant_name(i: int) -> str:
    return "production" if i == 0 else f"production-{i:05d}"


def namespace_entry(i: int) -> dict:
    return {
        "labels": {"environment": "production", "tier": "critical"},
        "default_deny": [],
        "allow_dns": True,
        "quota": {
            "requests": {"cpu": "200", "memory": "400Gi"},
            "limits": {"cpu": "300", "memory": "600Gi"},
            "pods": 200,
            "persistentvolumeclaims": 50,
        },
        "network_policies": {
            "production-egress": {
                "egress": [
                    {"to": "self"},
                    {"to": "service:kafka"},
                    {"to": "service:postgresql"},
                    {"to": "0.0.0.0/0", "ports": [443]},
                ]
            }
        },
        "service_accounts": {"production-etl": {}},
        "roles": {
            "production-etl-role": {
                "rules": [
                    {"resources": ["secrets", "configmaps"], "verbs": ["get", "list"]},
                    {"api_groups": ["batch"], "resources": ["jobs"], "verbs": ["get", "list", "create"]},
                ]
            }
        },
        "role_bindings": {
            "production-etl-binding": {
                "role": "production-etl-role",
                "subjects": ["serviceaccount:production-etl"],
            }
        },
        "pipelines": {
            "commodity-prices": {
                "schedule": f"{i % 60} 2 * * *",
                "time_zone": "Etc/UTC",
                "concurrency": "forbid",
                "history": {"successful": 10, "failed": 3},
                "retries": 2,
                "service_account": "production-etl",
                "image": "registry.example.com/data/commodity-etl:1.4.2",
                "resources": {
                    "requests": {"cpu": "500m", "memory": "512Mi"},
                    "limits": {"cpu": "1", "memory": "1Gi"},
                },
                "env": {"SOURCE_URL": "https://api.commodities.example.com/prices"},
                "secrets": ["commodity-api"],
                "steps": [
                    {"name": "extract", "args": ["extract"]},
                    {"name": "validate", "args": ["validate"]},
                    {"name": "produce", "args": ["produce", "--topic", "commodity-prices"]},
                ],
            }
        },
    }


def platform(n: int) -> dict:
    return {
        "platform": {"name": "commodities"},
        "defaults": {"labels": {"team": "data-platform"}},
        "services": {
            "kafka": {
                "namespace": "kafka",
                "selector": {"strimzi.io/cluster": "events"},
                "ports": [9092],
                "strimzi_cluster": "events",
            },
            "postgresql": {
                "namespace": "databases",
                "selector": {"app.kubernetes.io/name": "postgresql"},
                "ports": [5432],
            },
        },
        "namespaces": {tenant_name(i): namespace_entry(i) for i in range(n)},
    }


def full_namespace_entry(i: int) -> dict:
    """Tenant i as the seed's `production` namespace in full (platc-only input)."""
    n = namespace_entry(i)
    n["default_deny"] = ["ingress", "egress"]
    n["limits"] = {
        "default_request": {"cpu": "250m", "memory": "256Mi"},
        "default": {"cpu": "500m", "memory": "512Mi"},
    }
    topic = "commodity-prices" if i == 0 else f"commodity-prices-{i:05d}"
    pl = n["pipelines"]["commodity-prices"]
    pl["steps"][-1]["args"] = ["produce", "--topic", topic]
    pl["topic"] = {"service": "kafka", "name": topic, "partitions": 6, "replicas": 3, "retention": "7d"}
    pl["alerts"] = {"on_failure": "critical", "missed_after": "26h"}
    return n


def full_platform(n: int) -> dict:
    p = platform(0)
    p["namespaces"] = {tenant_name(i): full_namespace_entry(i) for i in range(n)}
    return p


# ---- a tiny TOML writer for exactly this shape (stdlib has a reader only) -------------------

def _key(k: str) -> str:
    bare = k and all(c.isalnum() or c in "-_" for c in k)
    return k if bare else json.dumps(k)


def _val(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are valid TOML basic-string escapes here
    if isinstance(v, list):
        return "[" + ", ".join(_val(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_val(x)}" for k, x in v.items()) + " }" if v else "{}"
    raise TypeError(type(v))


def _array_of_tables_multiline(key: str, items: list) -> str:
    lines = [f"{key} = ["]
    lines += [f"  {_val(x)}," for x in items]
    lines.append("]")
    return "\n".join(lines)


def to_toml(p: dict, what: str) -> str:
    out = ["#:schema ./schemas/platform.schema.json",
           f"# {len(p['namespaces'])} tenant namespaces ({what}); generated by bench/gen_platform.py", ""]
    out += ["[platform]", f"name = {_val(p['platform']['name'])}", ""]
    out += ["[defaults]", f"labels = {_val(p['defaults']['labels'])}", ""]
    for sname, s in p["services"].items():
        out.append(f"[services.{_key(sname)}]")
        out += [f"{_key(k)} = {_val(v)}" for k, v in s.items()]
        out.append("")
    for ns, n in p["namespaces"].items():
        base = f"namespaces.{_key(ns)}"
        out.append(f"[{base}]")
        for k in ("labels", "default_deny", "allow_dns"):
            out.append(f"{k} = {_val(n[k])}")
        out.append("")
        for table in ("quota", "limits"):
            if table in n:
                out.append(f"[{base}.{table}]")
                out += [f"{k} = {_val(v)}" for k, v in n[table].items()]
                out.append("")
        for name, pol in n["network_policies"].items():
            out.append(f"[{base}.network_policies.{_key(name)}]")
            out.append(_array_of_tables_multiline("egress", pol["egress"]))
            out.append("")
        for name in n["service_accounts"]:
            out.append(f"[{base}.service_accounts.{_key(name)}]")
            out.append("")
        for name, r in n["roles"].items():
            out.append(f"[{base}.roles.{_key(name)}]")
            out.append(_array_of_tables_multiline("rules", r["rules"]))
            out.append("")
        for name, b in n["role_bindings"].items():
            out.append(f"[{base}.role_bindings.{_key(name)}]")
            out += [f"{k} = {_val(v)}" for k, v in b.items()]
            out.append("")
        for name, pl in n["pipelines"].items():
            out.append(f"[{base}.pipelines.{_key(name)}]")
            for k, v in pl.items():
                out.append(_array_of_tables_multiline(k, v) if k == "steps" else f"{k} = {_val(v)}")
            out.append("")
    return "\n".join(out)


def templated(n: int) -> dict:
    """platform-full.toml as a template and includes: {relative path: text}."""
    tpl = full_namespace_entry(0)
    pl = tpl["pipelines"]["commodity-prices"]
    pl["schedule"] = "{{ vars.minute }} 2 * * *"
    pl["steps"][-1]["args"] = ["produce", "--topic", "{{ vars.topic }}"]
    pl["topic"]["name"] = "{{ vars.topic }}"
    p = platform(0)
    del p["namespaces"]
    head = to_toml(p | {"namespaces": {}}, "templated: one template, tenants in included files")
    head = head.replace("# 0 tenant namespaces", f"# {n} tenant namespaces", 1)
    head = head.replace('[platform]\nname = "commodities"\n',
                        '[platform]\nname = "commodities"\ninclude = ["tenants/*.toml"]\n')
    # The template's tables, written like a namespace's under [templates.tenant].
    body = to_toml(platform(0) | {"namespaces": {"tenant": tpl}}, "")
    body = body[body.index("[namespaces.tenant]"):].replace("[namespaces.tenant", "[templates.tenant")
    files = {"platform-full.toml": head.rstrip("\n") + "\n\n" + body}
    for start in range(0, n, 1000):
        lines = []
        for i in range(start, min(n, start + 1000)):
            topic = "commodity-prices" if i == 0 else f"commodity-prices-{i:05d}"
            lines += [f"[namespaces.{tenant_name(i)}]", 'template = "tenant"',
                      f'vars = {{ minute = "{i % 60}", topic = "{topic}" }}', ""]
        files[f"tenants/{start // 1000:04d}.toml"] = "\n".join(lines)
    return files


MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: prices-api
  labels: {{app.kubernetes.io/name: prices-api}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app.kubernetes.io/name: prices-api}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: prices-api}}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {{type: RuntimeDefault}}
      containers:
        - name: api
          image: registry.example.com/data/prices-api:0.3.{minor}
          ports: [{{name: http, containerPort: 8080}}]
          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
            limits: {{cpu: "1", memory: 512Mi}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata:
  name: prices-api
spec:
  selector: {{app.kubernetes.io/name: prices-api}}
  ports: [{{name: http, port: 80, targetPort: http}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: prices-staging
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {{storage: 20Gi}}
"""

# The namespace denies ingress by default: the API's clients (here the Ingress controller)
# need a rule to its port, or every connection times out (W0818 port-unreachable).
INGRESS = """[namespaces.{ns}.network_policies.prices-api-ingress]
pods = {{ "app.kubernetes.io/name" = "prices-api" }}
ingress = [{{ from = "namespace:ingress-nginx", ports = [8080] }}]

"""

PATCH = """[[namespaces.{ns}.patches]]
target = "cronjob/commodity-prices"
patch = [
  {{ op = "add", path = "/spec/jobTemplate/spec/template/spec/nodeSelector", value = {{ "node-pool" = "batch" }} }},
]
"""


def open_model(full_text: str, n: int) -> dict:
    """platform-full.toml with three manifests (a Deployment, a Service, a PVC, in one file of
    the tenant's own), a policy opening the API's port and a patch on its CronJob for every
    tenant: {relative path: text}. Each
    tenant's patch goes right after its own tables, so the file still cuts into pieces at the
    namespace headers (src/syntax/split.rs)."""
    out, current = [], None
    for line in full_text.split("\n"):
        if line.startswith("[namespaces."):
            ns = line[len("[namespaces."):].split("]")[0].split(".")[0]
            if ns != current:
                if current is not None:
                    out.append(INGRESS.format(ns=current) + PATCH.format(ns=current))
                current = ns
                out.append(line)
                out.append(f'manifests = ["manifests/{ns}.yaml"]')
                continue
        out.append(line)
    if current is not None:
        out.append(INGRESS.format(ns=current) + PATCH.format(ns=current))
    files = {"platform-full.toml": "\n".join(out)}
    for i in range(n):
        files[f"manifests/{tenant_name(i)}.yaml"] = MANIFEST.format(minor=i % 10)
    return files


ENV_CLUSTERS = ["staging", "prod-eu", "prod-us"]
# The tag each cluster runs of the pipelines' image (prod-eu keeps the one written).
ENV_TAGS = {"staging": "1.5.0-rc1", "prod-us": "1.4.3"}
IMAGE = "registry.example.com/data/commodity-etl"


def environments(full_text: str) -> dict:
    """platform-full.toml on three clusters, one override per tenant, per-cluster images; and
    the same objects longhand, one config per cluster: {relative path: text}. The overrides go
    right after each tenant's own tables, so the file still cuts into pieces at the namespace
    headers (src/syntax/split.rs)."""
    head, first, rest = full_text.partition("\n[namespaces.")
    rest = first.lstrip("\n") + rest
    clusters = []
    for c in ENV_CLUSTERS:
        clusters.append(f"[clusters.{c}]")
        if c in ENV_TAGS:
            clusters.append(f'images = {{ "{IMAGE}" = "{ENV_TAGS[c]}" }}')
        clusters.append("")
    stamped, current = [], None
    for line in rest.split("\n"):
        if line.startswith("[namespaces."):
            ns = line[len("[namespaces."):].split("]")[0].split(".")[0]
            if ns != current:
                if current is not None:
                    stamped += [f"[namespaces.{current}.on.staging]", "quota = { pods = 20 }", ""]
                current = ns
                stamped += [line, f"clusters = {_val(ENV_CLUSTERS)}"]
                continue
        stamped.append(line)
    if current is not None:
        stamped += [f"[namespaces.{current}.on.staging]", "quota = { pods = 20 }", ""]
    files = {"platform-full.toml": head.rstrip("\n") + "\n\n" + "\n".join(clusters + stamped)}
    for c in ENV_CLUSTERS:
        text = rest
        if c == "staging":
            text = text.replace("\npods = 200\n", "\npods = 20\n")
        if c in ENV_TAGS:
            text = text.replace(f"{IMAGE}:1.4.2", f"{IMAGE}:{ENV_TAGS[c]}")
        files[f"longhand/{c}/platform-full.toml"] = head.rstrip("\n") + f"\n\n[clusters.{c}]\n\n" + text
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("--out", help="output folder (default /tmp/oracles/data/N)")
    a = ap.parse_args()
    out = a.out or f"/tmp/oracles/data/{a.n}"
    os.makedirs(out, exist_ok=True)
    p = platform(a.n)
    with open(os.path.join(out, "platform.json"), "w") as f:
        json.dump(p, f, indent=1, sort_keys=False)
        f.write("\n")
    toml_text = to_toml(p, "peer shape: 7 objects each")
    with open(os.path.join(out, "platform.toml"), "w") as f:
        f.write(toml_text)
    # the two files must carry identical data
    if tomllib.loads(toml_text) != p:
        print("BUG: platform.toml does not round-trip to platform.json", file=sys.stderr)
        return 1
    full = full_platform(a.n)
    full_text = to_toml(full, "the seed's production namespace in full")
    with open(os.path.join(out, "platform-full.toml"), "w") as f:
        f.write(full_text)
    if tomllib.loads(full_text) != full:
        print("BUG: platform-full.toml does not round-trip", file=sys.stderr)
        return 1
    tdir = os.path.join(out, "templated")
    if os.path.isdir(os.path.join(tdir, "tenants")):
        for old in os.listdir(os.path.join(tdir, "tenants")):
            os.remove(os.path.join(tdir, "tenants", old))
    os.makedirs(os.path.join(tdir, "tenants"), exist_ok=True)
    for rel, text in templated(a.n).items():
        with open(os.path.join(tdir, rel), "w") as f:
            f.write(text)
    edir = os.path.join(out, "environments")
    for rel, text in environments(full_text).items():
        os.makedirs(os.path.dirname(os.path.join(edir, rel)), exist_ok=True)
        with open(os.path.join(edir, rel), "w") as f:
            f.write(text)
    mdir = os.path.join(out, "open-model")
    if os.path.isdir(os.path.join(mdir, "manifests")):
        shutil.rmtree(os.path.join(mdir, "manifests"))
    os.makedirs(os.path.join(mdir, "manifests"), exist_ok=True)
    for rel, text in open_model(full_text, a.n).items():
        with open(os.path.join(mdir, rel), "w") as f:
            f.write(text)
    print(f"{out}/platform.json, platform.toml ({7 * a.n} peer objects), platform-full.toml, "
          f"templated/, open-model/, environments/: {a.n} tenants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
