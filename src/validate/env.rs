//! What the checks of every namespace may look at besides the namespace itself: the whole
//! config (for references to services and other namespaces) and what a schema error removed.

use std::collections::BTreeSet;

use super::manifests::Schemas;
use crate::expand::Attached;
use crate::syntax::config::Config;

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
}

/// The namespace a check is in: where it is, its name, what was written, and the objects its
/// manifests define (which references may name too).
pub(crate) struct Here<'h> {
    /// `namespaces.NAME`.
    pub path: &'h crate::syntax::Path,
    /// Its name.
    pub name: &'h str,
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
