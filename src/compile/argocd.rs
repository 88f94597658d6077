//! Argo CD objects in `out/argocd/`: one locked-down AppProject per platform and one Application
//! per `<cluster>/<namespace>` folder, all in Argo CD's namespace. A bootstrap Application
//! pointed at `out/argocd` (docs/gitops.md) then brings up the whole platform.

use std::collections::BTreeSet;

use super::crd::argocd::{
    AppProject, AppProjectSpec, Application, ApplicationSource, ApplicationSpec, Automated,
    Backoff, Destination, GroupKind, Retry, SyncPolicy,
};
use super::meta::{Wave, meta};
use super::{Manifest, Object};
use crate::model::{ArgoCd, Labels, Platform};

/// The folder the Argo CD objects land in.
pub const FOLDER: &str = "argocd";

/// The folder of a cluster's own (cluster-scoped) objects, `out/<cluster>/_cluster/`: no
/// namespace can take it, since namespace names have no `_`.
pub const CLUSTER_FOLDER: &str = "_cluster";

/// Longest Application name: a DNS label, because Argo CD copies the name into the
/// `app.kubernetes.io/instance` label (label tracking) and label values stop at 63.
const MAX_NAME: usize = 63;

/// Where an object's kind lives: its API group and whether it is cluster-scoped. `None` for
/// the Argo CD kinds themselves, which the bootstrap Application manages, not the project.
fn group_kind<M>(obj: &Object<M>) -> Option<(GroupKind, bool)> {
    if obj.group == "argoproj.io" && matches!(&*obj.kind, "Application" | "AppProject") {
        return None;
    }
    let cluster_scoped = (obj.group.is_empty() && obj.kind == "Namespace")
        || obj.folder.ends_with(&format!("/{CLUSTER_FOLDER}"));
    Some((
        GroupKind {
            group: obj.group.to_string(),
            kind: obj.kind.to_string(),
        },
        cluster_scoped,
    ))
}

/// The Application name for a folder: `<cluster>-<namespace>`, or when that is longer than a
/// DNS label, its first 52 characters, `-` and a 10-digit hash of the whole name. The folder of
/// a cluster's own objects is `<cluster>.cluster-scoped`, which no namespace's can be (a
/// namespace name has no dot).
pub fn application_name(cluster: &str, namespace: &str) -> String {
    let full = if namespace == CLUSTER_FOLDER {
        format!("{cluster}.cluster-scoped")
    } else {
        format!("{cluster}-{namespace}")
    };
    if full.len() <= MAX_NAME {
        return full;
    }
    let head = full[..52].trim_end_matches('-');
    format!("{head}-{:010x}", fnv1a(full.as_bytes()) & 0xff_ffff_ffff)
}

/// FNV-1a, 64 bit: stable across platforms and releases, unlike `std`'s hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The AppProject and the Applications for `folders` (sorted `<cluster>/<namespace>`), given
/// every other object (`existing`, whatever its body).
pub(super) fn compile<M>(
    p: &Platform,
    argocd: &ArgoCd,
    folders: &[String],
    existing: &[Object<M>],
) -> Vec<Object> {
    let mut out = Vec::new();
    // The project's origin: any object will do, it can never clash. Nothing to deploy, no project.
    let Some(project_origin) = existing.first().map(|o| o.origin) else {
        return out;
    };
    let none = Labels::new();
    let mut cluster_kinds = BTreeSet::new();
    let mut namespace_kinds = BTreeSet::new();
    for obj in existing {
        match group_kind(obj) {
            Some((gk, true)) => cluster_kinds.insert(gk),
            Some((gk, false)) => namespace_kinds.insert(gk),
            None => false,
        };
    }

    let mut destinations = BTreeSet::new();
    let mut applications = Vec::new();
    for folder in folders {
        let Some((cluster, namespace)) = folder.split_once('/') else {
            continue;
        };
        let Some((server, revision)) = p.clusters.get(cluster).map(|c| {
            let revision = c.revision.as_ref().unwrap_or(&argocd.revision).clone();
            (c.server.clone(), revision)
        }) else {
            continue;
        };
        let Some(origin) = existing
            .iter()
            .find(|o| &o.folder == folder)
            .map(|o| o.origin)
        else {
            continue;
        };
        // Cluster-scoped objects have no namespace; the project allows exactly their
        // destination (Argo CD matches an empty namespace only by an empty pattern).
        let destination = Destination {
            server,
            namespace: if namespace == CLUSTER_FOLDER {
                String::new()
            } else {
                namespace.to_string()
            },
        };
        destinations.insert(destination.clone());
        let name = application_name(cluster, namespace);
        let path = if argocd.path == "." {
            folder.clone()
        } else {
            format!("{}/{folder}", argocd.path)
        };
        let app = Application::new(
            meta(p, &name, Some(&argocd.namespace), Wave::Workload, &none),
            ApplicationSpec {
                project: p.name.clone(),
                source: ApplicationSource {
                    repo_url: argocd.repo_url.clone(),
                    target_revision: revision,
                    path,
                },
                destination,
                sync_policy: SyncPolicy {
                    automated: Automated {
                        prune: true,
                        self_heal: true,
                    },
                    // platc writes the Namespace itself (with Prune=false); a namespace that
                    // only holds topics belongs to the Kafka operator's installation.
                    sync_options: vec![
                        "CreateNamespace=false".into(),
                        "ServerSideApply=true".into(),
                    ],
                    retry: Retry {
                        limit: 5,
                        backoff: Backoff {
                            duration: "5s".into(),
                            factor: 2,
                            max_duration: "3m".into(),
                        },
                    },
                },
            },
        );
        applications.push(Object::generated(
            FOLDER,
            "Application",
            name,
            origin,
            Manifest::Application(Box::new(app)),
        ));
    }

    let project = AppProject::new(
        meta(
            p,
            &p.name,
            Some(&argocd.namespace),
            Wave::Prerequisite,
            &none,
        ),
        AppProjectSpec {
            description: format!(
                "platc platform {}: its repository, namespaces and kinds only",
                p.name
            ),
            source_repos: vec![argocd.repo_url.clone()],
            destinations: destinations.into_iter().collect(),
            cluster_resource_whitelist: cluster_kinds.into_iter().collect(),
            namespace_resource_whitelist: namespace_kinds.into_iter().collect(),
        },
    );
    out.push(Object::generated(
        FOLDER,
        "AppProject",
        p.name.clone(),
        project_origin,
        Manifest::AppProject(Box::new(project)),
    ));
    out.extend(applications);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compiled_kind_has_a_group_except_argo_cds_own() {
        let objects = super::super::objects_of(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("platform.toml"),
            include_str!("../../platform.toml"),
        );
        for o in &objects {
            let argo = matches!(
                o.manifest,
                Manifest::Application(_) | Manifest::AppProject(_)
            );
            assert_eq!(group_kind(o).is_none(), argo, "{}", o.kind);
        }
        assert!(objects.iter().any(|o| o.kind == "KafkaTopic"));
    }

    #[test]
    fn application_names_are_dns_labels() {
        assert_eq!(application_name("prod", "billing"), "prod-billing");
        let long = application_name(&"c".repeat(40), &"n".repeat(40));
        assert_eq!(long.len(), 63);
        assert!(long.starts_with(&"c".repeat(40)));
        assert_ne!(long, application_name(&"c".repeat(40), &"n".repeat(41)));
        // Deterministic across runs and machines.
        assert_eq!(long, application_name(&"c".repeat(40), &"n".repeat(40)));
        let edge = application_name(&"a".repeat(51), &"b".repeat(20));
        assert!(!edge.contains("--"), "{edge}");
    }
}
