//! What the checks of every namespace may look at besides the namespace itself: the whole
//! config (for references to services and other namespaces) and what a schema error removed.

use std::collections::{BTreeMap, BTreeSet};

use super::manifests::Schemas;
use crate::expand::Attached;
use crate::syntax::config::{self, Config};

/// What every namespace's checks may look at.
pub(crate) struct Env<'c> {
    pub config: &'c Config,
    pub clusters: &'c [String],
    pub broken_clusters: &'c BTreeSet<String>,
    pub broken_services: BTreeSet<String>,
    pub broken_namespaces: BTreeSet<String>,
    /// The files the config names: manifests and CRD schemas.
    pub attached: &'c Attached,
    /// The CRD schemas, by kind.
    pub schemas: &'c Schemas,
    /// The secret stores, by key.
    pub stores: &'c super::secrets::Stores,
    /// Stores a schema error removed.
    pub broken_stores: BTreeSet<String>,
    /// The services of each cluster that sets some apart (`[clusters.NAME.services]` merged
    /// over `[services]`).
    pub cluster_services: &'c BTreeMap<String, BTreeMap<String, config::Service>>,
}

impl Env<'_> {
    /// The services as they are on `cluster` (`[services]` where it sets none apart, or where
    /// the namespace asking is on several clusters, which then set none apart).
    pub fn services(&self, cluster: Option<&str>) -> &BTreeMap<String, config::Service> {
        cluster
            .and_then(|c| self.cluster_services.get(c))
            .unwrap_or(&self.config.services)
    }

    /// Namespace `name` as it is on `cluster`, and where: its copy there, for a namespace
    /// split per cluster (any copy when `cluster` is not one of its own).
    pub fn namespace(
        &self,
        name: &str,
        cluster: Option<&str>,
    ) -> Option<(crate::syntax::Path, &config::Namespace)> {
        let ns = self.config.namespaces.get(name)?;
        let p = crate::syntax::Path::root().key("namespaces").key(name);
        if ns.on.is_empty() {
            return Some((p, ns));
        }
        let (c, copy) = cluster
            .and_then(|c| ns.on.get_key_value(c))
            .or_else(|| ns.on.iter().next())?;
        Some((p.key("on").key(c.as_str()), copy))
    }
}

/// The namespace a check is in: where it is, its name, what was written, and the objects its
/// manifests define (which references may name too).
pub(crate) struct Here<'h> {
    /// `namespaces.NAME`, or `namespaces.NAME.on.CLUSTER` for its copy on one cluster.
    pub path: &'h crate::syntax::Path,
    /// Its name.
    pub name: &'h str,
    /// Its cluster, when it is on one (a copy of a namespace split per cluster is on one).
    pub cluster: Option<&'h str>,
    /// What was written.
    pub raw: &'h crate::syntax::config::Namespace,
    /// The objects of its manifests.
    pub manifests: &'h [crate::model::UserManifest],
    /// Its LimitRange, validated.
    pub limits: Option<&'h crate::model::Limits>,
}

impl Here<'_> {
    /// Whether the namespace defines a `kind` named `name`, in the config's table `table` or
    /// among its manifests.
    pub fn defines(
        &self,
        table: &crate::vecmap::VecMap<String, impl Sized>,
        kind: &str,
        name: &str,
    ) -> bool {
        table.contains_key(name)
            || self.manifests.iter().any(|m| {
                m.kind == kind && crate::yaml::kinds::is_builtin_group(&m.group) && m.name == name
            })
    }

    /// The names of `kind` the namespace defines, for "did you mean" hints.
    pub fn names<'a>(
        &'a self,
        table: &'a crate::vecmap::VecMap<String, impl Sized>,
        kind: &'a str,
    ) -> Vec<&'a str> {
        let mut names: Vec<&str> = table.keys().map(String::as_str).collect();
        names.extend(
            self.manifests
                .iter()
                .filter(|m| m.kind == kind)
                .map(|m| m.name.as_str()),
        );
        names
    }
}
