//! The facts of a manifest's object, read once from its YAML (see [`super::facts`]).

use super::facts::{
    Amount, Backend, Container, ContainerPort, Declared, Fact, Hpa, IngressRule, Monitor, Pdb,
    Policy, PolicyPort, PortRef, SecretKeyRef, Service, ServicePort, Template,
};
use super::selector::Selector;
use crate::model::{Labels, UserManifest};
use crate::yaml::{self, Value};

/// Custom resources known to make no pods and no Secrets.
const INERT: [&str; 9] = [
    "Certificate",
    "ExternalSecret",
    "ServiceMonitor",
    "PodMonitor",
    "PrometheusRule",
    "KafkaTopic",
    "HTTPRoute",
    "GRPCRoute",
    "Issuer",
];

/// Where the pod template of a built-in kind is, and whether it has `replicas`.
fn template_of(kind: &str) -> Option<(&'static [&'static str], &'static str, bool)> {
    Some(match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController" => {
            (&["spec", "template"], "/spec/template", true)
        }
        "DaemonSet" | "Job" => (&["spec", "template"], "/spec/template", false),
        "CronJob" => (
            &["spec", "jobTemplate", "spec", "template"],
            "/spec/jobTemplate/spec/template",
            false,
        ),
        "Pod" => (&[], "", false),
        _ => return None,
    })
}

fn at<'n>(node: &'n yaml::Node, path: &[&str]) -> Option<&'n yaml::Node> {
    path.iter().try_fold(node, |n, k| n.get(k))
}

fn int(node: &yaml::Node) -> Option<i64> {
    match node.value {
        Value::Int(i) => Some(i),
        _ => None,
    }
}

fn text(node: Option<&yaml::Node>) -> Option<String> {
    node.and_then(yaml::Node::as_str).map(str::to_string)
}

fn seq(node: Option<&yaml::Node>) -> &[yaml::Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

fn labels_of(node: Option<&yaml::Node>) -> Labels {
    let mut out = Labels::new();
    if let Some(pairs) = node.and_then(super::selector::string_map) {
        for (k, v) in pairs {
            out.insert(k, v);
        }
    }
    out
}

fn port_ref(node: &yaml::Node) -> Option<PortRef> {
    match &node.value {
        Value::Int(i) => Some(PortRef::Number(*i)),
        Value::String(s) => Some(match s.parse::<i64>() {
            Ok(n) => PortRef::Number(n),
            Err(_) => PortRef::Name(s.clone()),
        }),
        _ => None,
    }
}

/// The facts of one object of a namespace's manifests (a built-in kind read cleanly, or a
/// custom resource).
pub(crate) fn of(m: &UserManifest, node: &yaml::Node, out: &mut Vec<Fact>) {
    let builtin = crate::yaml::kinds::is_builtin_group(&m.group);
    if let Some((path, pointer, has_replicas)) = template_of(&m.kind).filter(|_| builtin) {
        if let Some(t) = template(m, node, path, pointer, has_replicas) {
            out.push(Fact::Pods(t));
        }
        return;
    }
    match (m.group.as_str(), m.kind.as_str()) {
        ("", "Service") => out.extend(service(m, node).map(Fact::Service)),
        ("", "Secret") => out.push(Fact::Secret(Declared {
            name: m.name.clone(),
            span: m.span,
            keys: None,
        })),
        ("networking.k8s.io", "Ingress") => ingress(m, node, out),
        ("gateway.networking.k8s.io", _) => routes(m, node, out),
        ("autoscaling", "HorizontalPodAutoscaler") => out.extend(hpa(m, node).map(Fact::Hpa)),
        ("policy", "PodDisruptionBudget") => out.extend(pdb(m, node).map(Fact::Pdb)),
        ("networking.k8s.io", "NetworkPolicy") => {
            out.extend(policy(m, node).map(Fact::Policy));
        }
        ("external-secrets.io", "ExternalSecret") => external_secret(m, node, out),
        ("cert-manager.io", "Certificate") => {
            if let Some(s) = at(node, &["spec", "secretName"]) {
                let keys = ["tls.crt", "tls.key", "ca.crt"]
                    .map(|k| (k.to_string(), s.span))
                    .to_vec();
                out.extend(text(Some(s)).map(|name| {
                    Fact::Secret(Declared {
                        name,
                        span: s.span,
                        keys: Some(keys),
                    })
                }));
            }
        }
        ("monitoring.coreos.com", "ServiceMonitor" | "PodMonitor") if m.schema.is_some() => {
            out.extend(monitor(m, node).map(Fact::Monitor));
        }
        _ if builtin => {}
        _ if INERT.contains(&m.kind.as_str()) => {}
        _ => out.push(Fact::Opaque),
    }
}

fn template(
    m: &UserManifest,
    node: &yaml::Node,
    path: &[&str],
    pointer: &'static str,
    has_replicas: bool,
) -> Option<Template> {
    let tpl = at(node, path)?;
    let metadata = tpl.get("metadata");
    let labels_node = metadata.and_then(|md| md.get("labels"));
    let spec = tpl.get("spec")?;
    let mut containers = Vec::new();
    for (group, init) in [("initContainers", true), ("containers", false)] {
        for c in seq(spec.get(group)) {
            containers.push(container(c, init));
        }
    }
    let replicas = has_replicas.then(|| match at(node, &["spec", "replicas"]) {
        Some(r) => (int(r).unwrap_or(1), Some(r.span)),
        None => (1, None),
    });
    Some(Template {
        kind: m.kind.clone(),
        name: m.name.clone(),
        span: m.span,
        labels: labels_of(labels_node),
        labels_span: labels_node.map_or(m.span, |l| l.key.unwrap_or(l.span)),
        containers,
        replicas,
        pointer,
    })
}

fn container(c: &yaml::Node, init: bool) -> Container {
    let ports = seq(c.get("ports"))
        .iter()
        .filter_map(|p| {
            Some(ContainerPort {
                number: int(p.get("containerPort")?)?,
                name: text(p.get("name")),
                protocol: text(p.get("protocol")).unwrap_or_else(|| "TCP".into()),
            })
        })
        .collect();
    let secret_refs = seq(c.get("env"))
        .iter()
        .filter_map(|e| {
            let r = at(e, &["valueFrom", "secretKeyRef"])?;
            let (name, key) = (r.get("name")?, r.get("key")?);
            Some(SecretKeyRef {
                secret: name.as_str()?.to_string(),
                key: key.as_str()?.to_string(),
                optional: matches!(r.get("optional").map(|o| &o.value), Some(Value::Bool(true))),
                secret_span: name.span,
                key_span: key.span,
            })
        })
        .collect();
    Container {
        init,
        ports,
        secret_refs,
    }
}

fn service(m: &UserManifest, node: &yaml::Node) -> Option<Service> {
    let spec = node.get("spec")?;
    let external = text(spec.get("type")).as_deref() == Some("ExternalName");
    let selector = spec
        .get("selector")
        .filter(|_| !external)
        .map(|s| (labels_of(Some(s)), s.key.unwrap_or(s.span)))
        .filter(|(l, _)| !l.is_empty());
    let ports = seq(spec.get("ports"))
        .iter()
        .filter_map(|p| {
            let port_node = p.get("port")?;
            let port = int(port_node)?;
            let (target, target_span) = match p.get("targetPort") {
                Some(t) => (port_ref(t)?, t.span),
                None => (PortRef::Number(port), port_node.span),
            };
            Some(ServicePort {
                port,
                name: text(p.get("name")),
                protocol: text(p.get("protocol")).unwrap_or_else(|| "TCP".into()),
                target,
                target_span,
            })
        })
        .collect();
    Some(Service {
        name: m.name.clone(),
        span: m.span,
        labels: labels_of(at(node, &["metadata", "labels"])),
        selector,
        ports,
    })
}

fn ingress(m: &UserManifest, node: &yaml::Node, out: &mut Vec<Fact>) {
    let owner = format!("Ingress `{}`", m.name);
    let Some(spec) = node.get("spec") else {
        return;
    };
    let mut backends = Vec::new();
    let mut add = |b: &yaml::Node| {
        let Some(svc) = b.get("service") else {
            return;
        };
        let Some(name) = svc.get("name") else { return };
        let port = svc.get("port").and_then(|p| {
            let (n, s) = match (p.get("number"), p.get("name")) {
                (Some(n), _) => (PortRef::Number(int(n)?), n.span),
                (None, Some(s)) => (PortRef::Name(s.as_str()?.to_string()), s.span),
                _ => return None,
            };
            Some((n, s))
        });
        if let Some(service) = name.as_str() {
            backends.push(Backend {
                owner: owner.clone(),
                service: service.to_string(),
                service_span: name.span,
                port,
            });
        }
    };
    if let Some(b) = spec.get("defaultBackend") {
        add(b);
    }
    for rule in seq(spec.get("rules")) {
        for path in seq(at(rule, &["http", "paths"])) {
            if let Some(b) = path.get("backend") {
                add(b);
            }
        }
    }
    out.push(Fact::Backends(backends));
    // cert-manager's ingress-shim makes the Secret of every `tls` entry.
    for tls in seq(spec.get("tls")) {
        if let Some(s) = tls.get("secretName")
            && let Some(name) = s.as_str()
        {
            out.push(Fact::Secret(Declared {
                name: name.to_string(),
                span: s.span,
                keys: None,
            }));
        }
    }
}

/// The Service backends of a Gateway API route (`rules[].backendRefs[]`), in its own namespace.
fn routes(m: &UserManifest, node: &yaml::Node, out: &mut Vec<Fact>) {
    if !m.kind.ends_with("Route") {
        return;
    }
    let owner = format!("{} `{}`", m.kind, m.name);
    let mut backends = Vec::new();
    for rule in seq(at(node, &["spec", "rules"])) {
        for r in seq(rule.get("backendRefs")) {
            let service = text(r.get("kind")).is_none_or(|k| k == "Service")
                && text(r.get("group")).is_none_or(|g| g.is_empty());
            let here = text(r.get("namespace")).is_none_or(|n| {
                Some(n.as_str())
                    == m.body
                        .pointer("/metadata/namespace")
                        .and_then(|v| v.as_str())
            });
            let Some(name) = r.get("name") else { continue };
            if !(service && here) {
                continue;
            }
            if let Some(s) = name.as_str() {
                backends.push(Backend {
                    owner: owner.clone(),
                    service: s.to_string(),
                    service_span: name.span,
                    port: r
                        .get("port")
                        .and_then(|p| Some((PortRef::Number(int(p)?), p.span))),
                });
            }
        }
    }
    out.push(Fact::Backends(backends));
}

fn hpa(m: &UserManifest, node: &yaml::Node) -> Option<Hpa> {
    let spec = node.get("spec")?;
    let target = spec.get("scaleTargetRef")?;
    let name = target.get("name")?;
    let max = spec.get("maxReplicas")?;
    Some(Hpa {
        name: m.name.clone(),
        span: m.span,
        target_kind: text(target.get("kind"))?,
        target_name: name.as_str()?.to_string(),
        target_span: name.span,
        min: spec.get("minReplicas").and_then(int).unwrap_or(1),
        max: (int(max)?, max.span),
    })
}

fn amount(node: &yaml::Node) -> Option<Amount> {
    match &node.value {
        Value::Int(i) => Some(Amount::Count(*i)),
        Value::String(s) => match s.strip_suffix('%') {
            Some(p) => p.parse().ok().map(Amount::Percent),
            None => s.parse().ok().map(Amount::Count),
        },
        _ => None,
    }
}

fn pdb(m: &UserManifest, node: &yaml::Node) -> Option<Pdb> {
    let spec = node.get("spec")?;
    let sel = spec.get("selector")?;
    let field = |k: &str| spec.get(k).and_then(|n| Some((amount(n)?, n.span)));
    Some(Pdb {
        name: m.name.clone(),
        selector: Selector::from_label_selector(sel)?,
        selector_span: sel.key.unwrap_or(sel.span),
        min_available: field("minAvailable"),
        max_unavailable: field("maxUnavailable"),
    })
}

fn policy(m: &UserManifest, node: &yaml::Node) -> Option<Policy> {
    let spec = node.get("spec")?;
    let pods = match spec.get("podSelector") {
        Some(s) => Selector::from_label_selector(s)?,
        None => Selector::default(),
    };
    let types: Option<Vec<String>> = spec.get("policyTypes").map(|t| {
        seq(Some(t))
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    });
    // Without `policyTypes`, every policy restricts ingress (and egress when it has rules).
    let restricts = types.is_none_or(|t| t.iter().any(|x| x == "Ingress"));
    let ingress = restricts.then(|| {
        seq(spec.get("ingress"))
            .iter()
            .map(|rule| IngressRule {
                ports: seq(rule.get("ports"))
                    .iter()
                    .map(|p| PolicyPort {
                        port: p.get("port").and_then(port_ref),
                        end_port: p.get("endPort").and_then(int),
                        protocol: text(p.get("protocol")).unwrap_or_else(|| "TCP".into()),
                        span: p.get("port").map_or(p.span, |x| x.span),
                    })
                    .collect(),
            })
            .collect()
    });
    Some(Policy {
        name: m.name.clone(),
        span: m.span,
        pods,
        ingress,
    })
}

fn external_secret(m: &UserManifest, node: &yaml::Node, out: &mut Vec<Fact>) {
    let Some(spec) = node.get("spec") else { return };
    let name = text(at(spec, &["target", "name"])).unwrap_or_else(|| m.name.clone());
    // Keys come from `data`; `dataFrom` and a target template can add any others.
    let open = spec.get("dataFrom").is_some() || at(spec, &["target", "template"]).is_some();
    let keys = (!open).then(|| {
        seq(spec.get("data"))
            .iter()
            .filter_map(|d| {
                let k = d.get("secretKey")?;
                Some((k.as_str()?.to_string(), k.span))
            })
            .collect()
    });
    out.push(Fact::Secret(Declared {
        name,
        span: m.span,
        keys,
    }));
}

fn monitor(m: &UserManifest, node: &yaml::Node) -> Option<Monitor> {
    let spec = node.get("spec")?;
    let sel = spec.get("selector")?;
    let namespaces = match spec.get("namespaceSelector") {
        None => None,
        Some(ns) => {
            if matches!(ns.get("any").map(|a| &a.value), Some(Value::Bool(true))) {
                return None;
            }
            let names: Vec<String> = seq(ns.get("matchNames"))
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect();
            (!names.is_empty()).then_some(names)
        }
    };
    Some(Monitor {
        kind: m.kind.clone(),
        name: m.name.clone(),
        selector: Selector::from_label_selector(sel)?,
        selector_span: sel.key.unwrap_or(sel.span),
        namespaces,
    })
}
