//! What the cross-object checks need to know of a manifest's object, read once from its YAML
//! with the span of every value they may point at: the pod template of a workload, a
//! Service's selector and ports, the backends of an Ingress or a Gateway route, an HPA, a
//! PodDisruptionBudget, a NetworkPolicy, the Secrets an object declares, a monitor's selector.

use super::selector::Selector;
use crate::diag::Span;
use crate::model::{Labels, UserManifest};
use crate::yaml::{self, Value};

/// A port as a reference writes it: a number or the name of a container's port.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PortRef {
    /// A number.
    Number(i64),
    /// A name.
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => write!(f, "`{s}`"),
        }
    }
}

/// A port a container declares.
#[derive(Debug, Clone)]
pub(crate) struct ContainerPort {
    pub number: i64,
    pub name: Option<String>,
    pub protocol: String,
}

/// A `secretKeyRef` of a container's environment.
#[derive(Debug, Clone)]
pub(crate) struct SecretKeyRef {
    pub secret: String,
    pub key: String,
    pub optional: bool,
    /// The Secret's name.
    pub secret_span: Span,
    /// The key.
    pub key_span: Span,
}

/// A container of a pod template.
#[derive(Debug, Clone)]
pub(crate) struct Container {
    pub init: bool,
    pub ports: Vec<ContainerPort>,
    pub secret_refs: Vec<SecretKeyRef>,
}

/// The pods of a workload (or a pipeline's runs).
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub kind: String,
    pub name: String,
    /// Where the workload's name is written.
    pub span: Span,
    /// The pods' labels.
    pub labels: Labels,
    /// Where they are written (the pipeline's name for a pipeline).
    pub labels_span: Span,
    pub containers: Vec<Container>,
    /// `spec.replicas` of a Deployment, StatefulSet, ReplicaSet or ReplicationController: the
    /// value (1 when not written) and where it is written.
    pub replicas: Option<(i64, Option<Span>)>,
    /// Where the template is in the object (`/spec/template`), for patches.
    pub pointer: &'static str,
}

/// A port of a Service.
#[derive(Debug, Clone)]
pub(crate) struct ServicePort {
    pub port: i64,
    pub name: Option<String>,
    pub protocol: String,
    /// `targetPort`, or the port itself when not written.
    pub target: PortRef,
    /// Where `targetPort` is written, else the port.
    pub target_span: Span,
}

/// A Service.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub name: String,
    pub span: Span,
    /// Its own labels (ServiceMonitors select Services by them).
    pub labels: Labels,
    /// Its selector and where it is written; `None` for a Service without one (its endpoints
    /// are made by hand or by another controller) or of type ExternalName.
    pub selector: Option<(Labels, Span)>,
    pub ports: Vec<ServicePort>,
}

/// A Service that an Ingress or a Gateway route sends traffic to.
#[derive(Debug, Clone)]
pub(crate) struct Backend {
    /// `Ingress prices` or `HTTPRoute prices`.
    pub owner: String,
    pub service: String,
    pub service_span: Span,
    pub port: Option<(PortRef, Span)>,
}

/// A HorizontalPodAutoscaler.
#[derive(Debug, Clone)]
pub(crate) struct Hpa {
    pub name: String,
    pub span: Span,
    pub target_kind: String,
    pub target_name: String,
    pub target_span: Span,
    /// `minReplicas` (1 when not written).
    pub min: i64,
    pub max: (i64, Span),
}

/// An amount of a PodDisruptionBudget: a number or a percentage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Amount {
    Count(i64),
    Percent(i64),
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone)]
pub(crate) struct Pdb {
    pub name: String,
    pub selector: Selector,
    pub selector_span: Span,
    pub min_available: Option<(Amount, Span)>,
    pub max_unavailable: Option<(Amount, Span)>,
}

/// A port of a NetworkPolicy rule.
#[derive(Debug, Clone)]
pub(crate) struct PolicyPort {
    /// `None`: every port.
    pub port: Option<PortRef>,
    pub end_port: Option<i64>,
    pub protocol: String,
    pub span: Span,
}

/// An ingress rule: the ports it opens (none listed: every port).
#[derive(Debug, Clone)]
pub(crate) struct IngressRule {
    pub ports: Vec<PolicyPort>,
}

/// A NetworkPolicy of a manifest.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub name: String,
    pub span: Span,
    pub pods: Selector,
    /// `Some` when it restricts ingress: its rules.
    pub ingress: Option<Vec<IngressRule>>,
}

/// A Secret the namespace will hold: its name and, when they are known, its keys.
#[derive(Debug, Clone)]
pub(crate) struct Declared {
    pub name: String,
    pub span: Span,
    /// The keys and where each is written; `None` when they cannot be known here.
    pub keys: Option<Vec<(String, Span)>>,
}

/// A ServiceMonitor or PodMonitor.
#[derive(Debug, Clone)]
pub(crate) struct Monitor {
    pub kind: String,
    pub name: String,
    pub selector: Selector,
    pub selector_span: Span,
    /// The namespaces it looks in; `None`: its own.
    pub namespaces: Option<Vec<String>>,
}

/// What one object tells the cross-object checks.
#[derive(Debug, Clone)]
pub(crate) enum Fact {
    Pods(Template),
    Service(Service),
    Backends(Vec<Backend>),
    Hpa(Hpa),
    Pdb(Pdb),
    Policy(Policy),
    Secret(Declared),
    Monitor(Monitor),
    /// A custom resource platc does not know: it may make pods or Secrets platc cannot see.
    Opaque,
}

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
