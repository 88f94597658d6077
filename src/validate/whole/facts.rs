//! What the cross-object checks need to know of an object, with the span of every value they
//! may point at: the pod template of a workload, a Service's selector and ports, the backends
//! of an Ingress or a Gateway route, an HPA, a PodDisruptionBudget, a NetworkPolicy, the
//! Secrets an object declares, a monitor's selector. [`super::read`] reads them from a
//! manifest's YAML; the generated objects' come from the config.

use super::selector::Selector;
use crate::diag::Span;
use crate::model::Labels;

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
