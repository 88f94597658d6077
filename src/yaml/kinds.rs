//! The kinds Kubernetes serves itself (GA APIs of 1.33, the version platc targets), each read
//! strictly into its k8s-openapi type and written back in the form the API server stores:
//! fields in the type's order, quantities canonical. Anything else is a custom resource.

use k8s_openapi::api::{
    admissionregistration, apps, autoscaling, batch, certificates, coordination, core, discovery,
    events, flowcontrol, networking, node, policy, rbac, scheduling, storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration;
use k8s_openapi::{ClusterResourceScope, NamespaceResourceScope, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::de::{self, Problem, ProblemKind};
use super::{Node, Step, Value};

/// What reading a tree as a kind gives: its stored form (`None` when there are problems),
/// and the problems.
pub type Read = (Option<Json>, Vec<Problem>);

/// A built-in kind.
#[derive(Clone, Copy)]
pub struct Kind {
    /// `apps/v1`.
    pub api_version: &'static str,
    /// `Deployment`.
    pub kind: &'static str,
    /// The API group (`apps`; `""` for the core group).
    pub group: &'static str,
    /// Whether objects of the kind live outside namespaces (Namespace, ClusterRole, ...).
    pub cluster_scoped: bool,
    /// Reads a tree strictly into the kind's type and writes it back as the API server
    /// stores it.
    pub read: fn(&Node) -> Read,
    /// [`Kind::read`] of a tree that holds only some parts of an object (each a path of
    /// keys from the top) and the keys on the way to them: required fields are looked for
    /// only within those parts.
    pub read_parts: fn(&Node, &[&[String]]) -> Read,
}

/// Whether a k8s-openapi scope is cluster-wide.
trait Scope {
    const CLUSTER: bool;
}

impl Scope for ClusterResourceScope {
    const CLUSTER: bool = true;
}

impl Scope for NamespaceResourceScope {
    const CLUSTER: bool = false;
}

fn read<T>(node: &Node) -> Read
where
    T: DeserializeOwned + Serialize,
{
    read_parts::<T>(node, &[&[]])
}

fn read_parts<T>(node: &Node, parts: &[&[String]]) -> Read
where
    T: DeserializeOwned + Serialize,
{
    let (typed, mut problems) = de::read::<T>(node);
    let json = typed.and_then(|t| serde_json::to_value(t).ok());
    if let Some(json) = &json {
        within(node, json, &mut Vec::new(), parts, &mut problems);
    }
    (json.filter(|_| problems.is_empty()), problems)
}

/// [`walk`] within `parts` (paths of keys below `path`) only: the keys on the way to them
/// are not the whole objects they stand for.
fn within(
    node: &Node,
    json: &Json,
    path: &mut Vec<Step>,
    parts: &[&[String]],
    problems: &mut Vec<Problem>,
) {
    if parts.iter().any(|p| p.is_empty()) {
        return walk(node, json, path, problems);
    }
    let (Value::Map(entries), Json::Object(fields)) = (&node.value, json) else {
        return;
    };
    for (key, value) in fields {
        let below = parts_below(parts, key);
        if below.is_empty() {
            continue;
        }
        if let Some((_, child)) = entries.iter().find(|(k, _)| k == key) {
            path.push(Step::Key(key.clone()));
            within(child, value, path, &below, problems);
            path.pop();
        }
    }
}

/// The parts (paths of keys) that go through `key`, each without it; an empty one is `key`
/// itself.
pub fn parts_below<'p>(parts: &[&'p [String]], key: &str) -> Vec<&'p [String]> {
    parts
        .iter()
        .filter_map(|p| p.split_first())
        .filter(|(first, _)| *first == key)
        .map(|(_, rest)| rest)
        .collect()
}

/// Required fields the manifest leaves out. k8s-openapi gives a missing required field its
/// default (an empty name, no containers) where the API server refuses the object, and writes
/// every required field back; so a key the typed object writes that the manifest lacks is a
/// required field it is missing. (`apiVersion` and `kind` are written for embedded objects such
/// as a StatefulSet's claim templates, where the API server needs neither.)
fn walk(node: &Node, json: &Json, path: &mut Vec<Step>, problems: &mut Vec<Problem>) {
    match (&node.value, json) {
        (Value::Map(entries), Json::Object(fields)) => {
            for (key, value) in fields {
                match entries.iter().find(|(k, _)| k == key) {
                    Some((_, child)) => {
                        path.push(Step::Key(key.clone()));
                        walk(child, value, path, problems);
                        path.pop();
                    }
                    None if key == "apiVersion" || key == "kind" => {}
                    None => {
                        let whose = if path.is_empty() {
                            "the object".to_string()
                        } else {
                            format!("`{}`", super::schema::show(path))
                        };
                        problems.push(Problem {
                            span: node.key.unwrap_or_else(|| node.anchor()),
                            kind: ProblemKind::Invalid {
                                message: format!("{whose} is missing the required field `{key}`"),
                                unquoted: false,
                            },
                        });
                    }
                }
            }
        }
        (Value::Seq(items), Json::Array(values)) => {
            for (i, (child, value)) in items.iter().zip(values).enumerate() {
                path.push(Step::Index(i));
                walk(child, value, path, problems);
                path.pop();
            }
        }
        _ => {}
    }
}

macro_rules! kinds {
    ($($ty:ty),* $(,)?) => {
        /// Every built-in kind platc reads, by API version and kind.
        pub const KINDS: &[Kind] = &[$(Kind {
            api_version: <$ty as Resource>::API_VERSION,
            kind: <$ty as Resource>::KIND,
            group: <$ty as Resource>::GROUP,
            cluster_scoped: <<$ty as Resource>::Scope as Scope>::CLUSTER,
            read: read::<$ty>,
            read_parts: read_parts::<$ty>,
        }),*];
    };
}

kinds! {
    admissionregistration::v1::MutatingWebhookConfiguration,
    admissionregistration::v1::ValidatingAdmissionPolicy,
    admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    admissionregistration::v1::ValidatingWebhookConfiguration,
    apiextensions::v1::CustomResourceDefinition,
    apiregistration::v1::APIService,
    apps::v1::ControllerRevision,
    apps::v1::DaemonSet,
    apps::v1::Deployment,
    apps::v1::ReplicaSet,
    apps::v1::StatefulSet,
    autoscaling::v1::HorizontalPodAutoscaler,
    autoscaling::v2::HorizontalPodAutoscaler,
    batch::v1::CronJob,
    batch::v1::Job,
    certificates::v1::CertificateSigningRequest,
    coordination::v1::Lease,
    core::v1::ConfigMap,
    core::v1::Endpoints,
    core::v1::Event,
    core::v1::LimitRange,
    core::v1::Namespace,
    core::v1::Node,
    core::v1::PersistentVolume,
    core::v1::PersistentVolumeClaim,
    core::v1::Pod,
    core::v1::PodTemplate,
    core::v1::ReplicationController,
    core::v1::ResourceQuota,
    core::v1::Secret,
    core::v1::Service,
    core::v1::ServiceAccount,
    discovery::v1::EndpointSlice,
    events::v1::Event,
    flowcontrol::v1::FlowSchema,
    flowcontrol::v1::PriorityLevelConfiguration,
    networking::v1::IPAddress,
    networking::v1::Ingress,
    networking::v1::IngressClass,
    networking::v1::NetworkPolicy,
    networking::v1::ServiceCIDR,
    node::v1::RuntimeClass,
    policy::v1::PodDisruptionBudget,
    rbac::v1::ClusterRole,
    rbac::v1::ClusterRoleBinding,
    rbac::v1::Role,
    rbac::v1::RoleBinding,
    scheduling::v1::PriorityClass,
    storage::v1::CSIDriver,
    storage::v1::CSINode,
    storage::v1::CSIStorageCapacity,
    storage::v1::StorageClass,
    storage::v1::VolumeAttachment,
}

/// The built-in kind `kind` of `api_version`.
pub fn find(api_version: &str, kind: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
}

/// The API groups of Kubernetes 1.33 (every group k8s-openapi has types of, at any version)
/// with a dot in their name. Other `*.k8s.io` groups (Gateway API's `gateway.networking.k8s.io`,
/// `snapshot.storage.k8s.io`, `metrics.k8s.io`) are served by add-ons, as custom resources.
const GROUPS: [&str; 17] = [
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
];

/// Whether an API group is Kubernetes' own: the core group, groups without a dot (`apps`,
/// `batch`, `extensions`: a CRD's group must have one) and the groups of [`GROUPS`]. Objects of
/// other groups are custom resources.
pub fn is_builtin_group(group: &str) -> bool {
    !group.contains('.') || GROUPS.contains(&group) || group == "storagemigration.k8s.io"
}

/// Why a kind of a built-in group cannot be read: an API version Kubernetes 1.33 does not
/// serve, or no such kind.
pub struct NotServed {
    /// Whether the version is at fault (else the kind).
    pub at_version: bool,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: String,
}

/// Kinds Kubernetes removed without a successor of the same name.
const REMOVED: [(&str, &str); 1] = [(
    "PodSecurityPolicy",
    "PodSecurityPolicy was removed in Kubernetes 1.25; Pod Security admission replaces it: set `pod_security` on the namespace",
)];

/// `None` when `kind` of `api_version` is a built-in kind platc reads, or a custom resource.
pub fn not_served(api_version: &str, kind: &str) -> Option<NotServed> {
    if find(api_version, kind).is_some() || !is_builtin_group(group_of(api_version)) {
        return None;
    }
    if let Some((_, why)) = REMOVED.iter().find(|(k, _)| *k == kind) {
        return Some(NotServed {
            at_version: true,
            message: format!("Kubernetes 1.33 does not serve {kind} (`{api_version}`)"),
            help: (*why).to_string(),
        });
    }
    let versions: Vec<&str> = KINDS
        .iter()
        .filter(|k| k.kind == kind)
        .map(|k| k.api_version)
        .collect();
    if !versions.is_empty() {
        return Some(NotServed {
            at_version: true,
            message: format!("Kubernetes 1.33 does not serve {kind} as `{api_version}`"),
            help: format!("use `apiVersion: {}`", versions.join("` or `")),
        });
    }
    let same_group: Vec<&str> = KINDS
        .iter()
        .filter(|k| k.api_version == api_version)
        .map(|k| k.kind)
        .collect();
    let help = crate::diag::did_you_mean(kind, same_group.iter().copied())
        .or_else(|| {
            by_name(kind).map(|k| format!("did you mean `{}` (`{}`)?", k.kind, k.api_version))
        })
        .unwrap_or_else(|| {
            if same_group.is_empty() {
                format!("`{api_version}` is not an API version Kubernetes 1.33 serves")
            } else {
                format!("`{api_version}` serves {}", same_group.join(", "))
            }
        });
    Some(NotServed {
        at_version: false,
        message: format!("`{api_version}` has no kind `{kind}`"),
        help,
    })
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → `""`).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The kind named `kind` case-insensitively (`cronjob` → `CronJob`), of any version; the
/// newest GA version first when a kind has several (`autoscaling/v2` before `v1`).
pub fn by_name(kind: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .rev()
        .find(|k| k.kind.eq_ignore_ascii_case(kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_and_scoped() {
        let mut seen = std::collections::BTreeSet::new();
        for k in KINDS {
            assert!(
                seen.insert((k.api_version, k.kind)),
                "{} {}",
                k.api_version,
                k.kind
            );
            assert_eq!(group_of(k.api_version), k.group);
            assert!(is_builtin_group(k.group), "{}", k.group);
        }
        assert!(find("v1", "Namespace").unwrap().cluster_scoped);
        assert!(!find("apps/v1", "Deployment").unwrap().cluster_scoped);
        assert!(
            find("rbac.authorization.k8s.io/v1", "ClusterRole")
                .unwrap()
                .cluster_scoped
        );
        assert!(by_name("hpa").is_none());
        assert_eq!(
            by_name("horizontalpodautoscaler").unwrap().api_version,
            "autoscaling/v2"
        );
        assert!(!is_builtin_group("cert-manager.io"));
        // Groups of add-ons are custom resources, `.k8s.io` or not.
        for g in [
            "gateway.networking.k8s.io",
            "snapshot.storage.k8s.io",
            "metrics.k8s.io",
        ] {
            assert!(!is_builtin_group(g), "{g}");
        }
        assert!(not_served("gateway.networking.k8s.io/v1", "HTTPRoute").is_none());
        // Old versions name the one to use.
        for (v, k, want) in [
            ("batch/v1beta1", "CronJob", "use `apiVersion: batch/v1`"),
            ("batch/v2alpha1", "CronJob", "use `apiVersion: batch/v1`"),
            (
                "policy/v1beta1",
                "PodDisruptionBudget",
                "use `apiVersion: policy/v1`",
            ),
            (
                "extensions/v1beta1",
                "Ingress",
                "use `apiVersion: networking.k8s.io/v1`",
            ),
            (
                "extensions/v1beta1",
                "Deployment",
                "use `apiVersion: apps/v1`",
            ),
        ] {
            let p = not_served(v, k).unwrap();
            assert!(p.at_version && p.help == want, "{v} {k}: {}", p.help);
        }
        assert!(
            not_served("policy/v1beta1", "PodSecurityPolicy")
                .unwrap()
                .help
                .contains("pod_security")
        );
    }

    #[test]
    fn required_fields_left_out_are_problems_with_the_unknown_ones() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - nme: x\n      image: x:1\n";
        let docs = super::super::parse(crate::diag::FileId(0), text).unwrap();
        let (json, problems) = (find("v1", "Pod").unwrap().read)(&docs[0].root);
        assert!(json.is_none());
        let shown: Vec<(&str, String)> = problems
            .iter()
            .map(|p| (&text[p.span.range()], format!("{:?}", p.kind)))
            .collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert_eq!(shown[0].0, "nme");
        assert!(
            shown[1]
                .1
                .contains("`spec.containers[0]` is missing the required field `name`"),
            "{shown:?}"
        );
        assert_eq!(shown[1].0, "nme", "at the container's first key: {shown:?}");
    }
}
