#!/usr/bin/env python3
"""Writes the same N-tenant platform twice: templated (a few files built from two templates)
and longhand (one file, every namespace written out), so tests can check both compile to the
same out/ tree.

usage: gen_tenants.py N TEMPLATED_DIR LONGHAND_DIR
"""
import os
import sys

TEAMS = ["analytics", "ops", "risk", "trading"]

HEAD = '''#:schema ../../schemas/platform.schema.json
[platform]
name = "commodities"
{include}
[defaults]
labels = {{ team = "data-platform" }}

[secret_stores.vault]
name = "vault-backend"

[vars]
registry = "registry.example.com/data"
version = "1.4.2"
'''

SERVICES = '''
[services.kafka]
namespace = "kafka"
selector = { "strimzi.io/cluster" = "events" }
ports = [9092]
strimzi_cluster = "events"

[services.postgresql]
namespace = "databases"
selector = { "app.kubernetes.io/name" = "postgresql" }
ports = [5432]
'''

TEMPLATES = '''
[templates.base]
labels = { environment = "production" }
default_deny = ["ingress", "egress"]

[templates.base.quota]
requests = { cpu = "20", memory = "40Gi" }
limits = { cpu = "30", memory = "60Gi" }
pods = 50

[templates.base.limits]
default_request = { cpu = "250m", memory = "256Mi" }
default = { cpu = "500m", memory = "512Mi" }

[templates.base.service_accounts.etl]

[templates.base.roles.etl-role]
rules = [{ api_groups = ["batch"], resources = ["jobs"], verbs = ["get", "list", "create"] }]

[templates.base.role_bindings.etl-binding]
role = "etl-role"
subjects = ["serviceaccount:etl"]

[templates.etl-tenant]
template = "base"

[templates.etl-tenant.network_policies.etl-egress]
egress = [
  { to = "self" },
  { to = "service:kafka" },
  { to = "service:postgresql" },
  { to = "0.0.0.0/0", ports = [443] },
]

[templates.etl-tenant.secrets.prices-api]
store = "vault"
data = { API_KEY = "tenants/{{ namespace }}/prices#api-key" }

[templates.etl-tenant.pipelines.prices]
schedule = "{{ vars.minute }} 2 * * *"
time_zone = "Etc/UTC"
service_account = "etl"
image = "{{ vars.registry }}/etl:{{ vars.version }}"
resources = { requests = { cpu = "500m", memory = "512Mi" }, limits = { cpu = "1", memory = "1Gi" } }
env = { TENANT = "{{ namespace }}", PLATFORM = "{{ platform }}" }
secrets = ["prices-api"]
starting_deadline = "1h"
steps = [
  { name = "extract", args = ["extract", "--tenant", "{{ namespace }}"] },
  { name = "load", args = ["load"] },
]
'''


def tenants(n):
    for i in range(n):
        team = TEAMS[i % len(TEAMS)]
        name = f"{team}-{i:03d}"
        yield i, team, name


def templated(n, d):
    os.makedirs(os.path.join(d, "tenants"), exist_ok=True)
    with open(os.path.join(d, "platform.toml"), "w") as f:
        f.write(HEAD.format(include='include = ["services.toml", "tenants/*.toml"]\n'))
        f.write(TEMPLATES)
    with open(os.path.join(d, "services.toml"), "w") as f:
        f.write(SERVICES.lstrip())
    by_team = {}
    for i, team, name in tenants(n):
        lines = [f"[namespaces.{name}]", 'template = "etl-tenant"', f'vars = {{ minute = "{i % 60}" }}',
                 f'labels = {{ owner = "{team}" }}']
        if i % 10 == 0:
            lines += [f"[namespaces.{name}.quota]", "pods = 100"]
        if i % 7 == 0:
            lines += [f"[namespaces.{name}.pipelines.prices]", 'image = "{{ vars.registry }}/etl:2.0.0"']
        by_team.setdefault(team, []).append("\n".join(lines) + "\n")
    for team, blocks in by_team.items():
        with open(os.path.join(d, "tenants", f"{team}.toml"), "w") as f:
            f.write(f"# Tenants of team {team}.\n\n" + "\n".join(blocks))


def longhand(n, d):
    os.makedirs(d, exist_ok=True)
    out = [HEAD.format(include=""), SERVICES]
    for i, team, name in tenants(n):
        pods = 100 if i % 10 == 0 else 50
        version = "2.0.0" if i % 7 == 0 else "1.4.2"
        out.append(f'''
[namespaces.{name}]
labels = {{ environment = "production", owner = "{team}" }}
default_deny = ["ingress", "egress"]

[namespaces.{name}.quota]
requests = {{ cpu = "20", memory = "40Gi" }}
limits = {{ cpu = "30", memory = "60Gi" }}
pods = {pods}

[namespaces.{name}.limits]
default_request = {{ cpu = "250m", memory = "256Mi" }}
default = {{ cpu = "500m", memory = "512Mi" }}

[namespaces.{name}.service_accounts.etl]

[namespaces.{name}.roles.etl-role]
rules = [{{ api_groups = ["batch"], resources = ["jobs"], verbs = ["get", "list", "create"] }}]

[namespaces.{name}.role_bindings.etl-binding]
role = "etl-role"
subjects = ["serviceaccount:etl"]

[namespaces.{name}.network_policies.etl-egress]
egress = [
  {{ to = "self" }},
  {{ to = "service:kafka" }},
  {{ to = "service:postgresql" }},
  {{ to = "0.0.0.0/0", ports = [443] }},
]

[namespaces.{name}.secrets.prices-api]
store = "vault"
data = {{ API_KEY = "tenants/{name}/prices#api-key" }}

[namespaces.{name}.pipelines.prices]
schedule = "{i % 60} 2 * * *"
time_zone = "Etc/UTC"
service_account = "etl"
image = "registry.example.com/data/etl:{version}"
resources = {{ requests = {{ cpu = "500m", memory = "512Mi" }}, limits = {{ cpu = "1", memory = "1Gi" }} }}
env = {{ TENANT = "{name}", PLATFORM = "commodities" }}
secrets = ["prices-api"]
starting_deadline = "1h"
steps = [
  {{ name = "extract", args = ["extract", "--tenant", "{name}"] }},
  {{ name = "load", args = ["load"] }},
]
''')
    with open(os.path.join(d, "platform.toml"), "w") as f:
        f.write("".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    templated(n, sys.argv[2])
    longhand(n, sys.argv[3])
