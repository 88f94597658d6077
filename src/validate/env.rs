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
}
