//! Which pipelines' pods get their service account's API token. Kubernetes mounts it into
//! every pod by default, where any code the pod runs can read it and call the API server as
//! the account. A pipeline needs it only when a role is bound to its account, so it is
//! mounted only then (`automountServiceAccountToken` left to the account) and refused
//! otherwise (`automountServiceAccountToken: false`), also for pipelines without
//! `service_account`, which run as `default`.
//!
//! A binding counts wherever it is, once every namespace is validated: a role binding of the
//! config or a RoleBinding of a namespace's manifests, in any namespace, and a
//! ClusterRoleBinding of a cluster's manifests, whose subjects name the account
//! (`ServiceAccount` NAME in its namespace), or a group or user that includes it
//! (`system:serviceaccounts`, `system:serviceaccounts:NS`, `system:authenticated`,
//! `system:serviceaccount:NS:NAME`). A service account that says `automount_token = true`
//! (or `automountServiceAccountToken: true` in a manifest) asks for the token explicitly, e.g.
//! for Vault's Kubernetes auth, and gets it without a binding.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{self, UserManifest};

/// Every account some binding names, directly or through a group or user.
#[derive(Default)]
struct Bound {
    accounts: BTreeSet<(String, String)>,
    groups: BTreeSet<String>,
    users: BTreeSet<String>,
}

impl Bound {
    fn add(&mut self, kind: &str, name: &str, namespace: Option<&str>) {
        match (kind, namespace) {
            ("ServiceAccount", Some(ns)) => {
                self.accounts.insert((ns.to_string(), name.to_string()));
            }
            ("Group", _) => {
                self.groups.insert(name.to_string());
            }
            ("User", _) => {
                self.users.insert(name.to_string());
            }
            _ => {}
        }
    }

    /// Adds the subjects of a manifest (Cluster)RoleBinding; a service account without a
    /// namespace is in the binding's namespace (`binding_namespace`), as the authorizer reads
    /// it.
    fn add_manifest(&mut self, m: &UserManifest, binding_namespace: Option<&str>) {
        let subjects = m.body.get("subjects").and_then(Value::as_array);
        for s in subjects.into_iter().flatten() {
            let field = |k: &str| s.get(k).and_then(Value::as_str);
            let (Some(kind), Some(name)) = (field("kind"), field("name")) else {
                continue;
            };
            let namespace = field("namespace")
                .filter(|n| !n.is_empty())
                .or(binding_namespace);
            self.add(kind, name, namespace);
        }
    }

    fn names(&self, ns: &str, sa: &str) -> bool {
        self.accounts.contains(&(ns.to_string(), sa.to_string()))
            || ["system:serviceaccounts", "system:authenticated"]
                .iter()
                .any(|g| self.groups.contains(*g))
            || self
                .groups
                .contains(&format!("system:serviceaccounts:{ns}"))
            || self
                .users
                .contains(&format!("system:serviceaccount:{ns}:{sa}"))
    }
}

fn is_rbac(m: &UserManifest, kind: &str) -> bool {
    m.kind == kind && m.group == "rbac.authorization.k8s.io"
}

/// Whether namespace `ns` asks for its service account `sa`'s token explicitly.
fn asks_for_token(ns: &model::Namespace, sa: &str) -> bool {
    ns.service_accounts
        .iter()
        .any(|a| a.name == sa && a.automount_token == Some(true))
        || ns.manifests.iter().any(|m| {
            m.kind == "ServiceAccount"
                && m.group.is_empty()
                && m.name == sa
                && m.body.get("automountServiceAccountToken") == Some(&Value::Bool(true))
        })
}

/// Sets `mount_token` on every pipeline of `namespaces`. Bindings count on the cluster they
/// are on: a namespace's copy on one cluster (split per cluster) is bound by what that cluster
/// holds.
pub(super) fn decide(
    clusters: &BTreeMap<String, model::Cluster>,
    namespaces: &mut [model::Namespace],
) {
    let mut bound: BTreeMap<String, Bound> = BTreeMap::new();
    for ns in namespaces.iter() {
        for cluster in &ns.clusters {
            let bound = bound.entry(cluster.clone()).or_default();
            for b in &ns.role_bindings {
                for s in &b.subjects {
                    bound.add(s.kind, &s.name, s.namespace.as_deref());
                }
            }
            for m in ns.manifests.iter().filter(|m| is_rbac(m, "RoleBinding")) {
                bound.add_manifest(m, Some(&ns.name));
            }
        }
    }
    for (name, cluster) in clusters {
        for m in cluster
            .manifests
            .iter()
            .filter(|m| is_rbac(m, "ClusterRoleBinding"))
        {
            bound.entry(name.clone()).or_default().add_manifest(m, None);
        }
    }
    let none = Bound::default();
    for ns in namespaces.iter_mut() {
        let mut decided = Vec::with_capacity(ns.pipelines.len());
        for pl in &ns.pipelines {
            let sa = pl.service_account.as_deref().unwrap_or("default");
            let named = ns
                .clusters
                .iter()
                .any(|c| bound.get(c.as_str()).unwrap_or(&none).names(&ns.name, sa));
            decided.push(named || asks_for_token(ns, sa));
        }
        for (pl, mount) in ns.pipelines.iter_mut().zip(decided) {
            pl.mount_token = mount;
        }
    }
}
