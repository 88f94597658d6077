//! The platform being imported, as it will be written: which config entries came from which
//! input objects (so an object that does not round-trip can be taken back out and kept as a
//! manifest), the objects kept as manifests, and the patches that restore what the model
//! cannot say.

use std::collections::{BTreeMap, BTreeSet};

use super::toml::V;

/// Index of an input object.
pub type Id = usize;

/// One config entry of a namespace: its key path below `[namespaces.NAME]`, its value, and
/// the objects it came from.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `["quota"]`, `["pipelines", "etl", "alerts"]`.
    pub path: Vec<String>,
    /// The value.
    pub value: V,
    /// The objects that made it.
    pub owners: Vec<Id>,
}

/// A JSON patch restoring fields of one object that its mapping cannot express.
#[derive(Debug, Clone)]
pub struct Patch {
    /// `kind/name`.
    pub target: String,
    /// Operations as TOML inline tables.
    pub ops: Vec<V>,
    /// The object it restores.
    pub owner: Id,
}

/// `[argocd]`'s entries and the Argo CD objects they came from.
pub type ArgoCd = (Vec<(String, V)>, Vec<Id>);

/// `[dolphinscheduler]`, from platc's DolphinScheduler objects.
#[derive(Debug, Clone, Default)]
pub struct DolphinScheduler {
    /// Its entries.
    pub entries: Vec<(String, V)>,
    /// The objects it came from: the submit Jobs, the workflows' ConfigMaps, the workers'
    /// Roles and RoleBindings.
    pub owners: Vec<Id>,
    /// Its pipelines, by namespace and name, each with its `after` (empty: a chain head).
    pub pipelines: BTreeMap<(String, String), Vec<String>>,
}

/// One namespace.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    /// Clusters it is on (from `out/<cluster>/...` paths); empty when unknown.
    pub clusters: BTreeSet<String>,
    /// Its entries, in the order they are written.
    pub entries: Vec<Entry>,
    /// Objects kept as manifests.
    pub kept: Vec<Id>,
    /// Patches.
    pub patches: Vec<Patch>,
}

impl Namespace {
    /// Adds an entry.
    pub fn set(&mut self, path: &[&str], value: V, owners: &[Id]) {
        self.entries.push(Entry {
            path: path.iter().map(|s| s.to_string()).collect(),
            value,
            owners: owners.to_vec(),
        });
    }

    /// Whether an entry exists at `path`.
    pub fn has(&self, path: &[&str]) -> bool {
        self.entries
            .iter()
            .any(|e| e.path.iter().map(String::as_str).eq(path.iter().copied()))
    }
}

/// A `[services.NAME]` the imported network rules and topics need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Service {
    /// Its namespace.
    pub namespace: String,
    /// Its pod selector.
    pub selector: Option<BTreeMap<String, String>>,
    /// Its Strimzi cluster.
    pub strimzi_cluster: Option<String>,
}

/// The whole platform.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// `[platform] name`.
    pub name: String,
    /// `[defaults] labels`.
    pub defaults: BTreeMap<String, String>,
    /// `[monitoring] rule_labels`.
    pub rule_labels: BTreeMap<String, String>,
    /// `[argocd]` entries, with the objects they came from.
    pub argocd: Option<ArgoCd>,
    /// Clusters and their servers (`None`: in-cluster).
    pub clusters: BTreeMap<String, Option<String>>,
    /// Services.
    pub services: BTreeMap<String, Service>,
    /// Secret stores: key → (kind, name in the cluster).
    pub stores: BTreeMap<String, (String, String)>,
    /// Namespaces.
    pub namespaces: BTreeMap<String, Namespace>,
    /// Objects kept as cluster-scoped manifests, by cluster.
    pub cluster_kept: BTreeMap<String, Vec<Id>>,
    /// `[dolphinscheduler]`, when the input has platc's DolphinScheduler objects.
    pub dolphinscheduler: Option<DolphinScheduler>,
}
