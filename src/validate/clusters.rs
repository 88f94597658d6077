//! What a cluster sets apart for everything stamped on it: `revision`, `images` and
//! `services` (its `vars` are rendered during expansion). Each value is checked where it is
//! written; an `images` entry that nothing on the cluster uses is a warning.

use std::collections::{BTreeMap, BTreeSet};

use super::context::Ctx;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::model::Platform;
use crate::model::environment::{
    ImageOverride, containers, image_suffix, repository, repository_problem, revision_problem,
};
use crate::syntax::Path;
use crate::syntax::config::{self, Config};

/// `[clusters.NAME] revision`, checked as git checks a ref name.
pub(super) fn revision(ctx: &mut Ctx<'_>, p: &Path, revision: &str) {
    if let Some((problem, part)) = revision_problem(revision) {
        ctx.push(
            Diagnostic::error(
                codes::INVALID_REVISION,
                ctx.val(p),
                format!("invalid revision `{revision}`: {problem}"),
            )
            .with_label("not a git branch, tag or commit")
            .with_help("a branch (`staging`), a tag (`v1.5.0-rc1`) or a commit hash, as Argo CD's `targetRevision` takes it")
            .with_part(part),
        );
    }
}

/// `[clusters.NAME] images`, each repository and tag checked.
pub(super) fn images(
    ctx: &mut Ctx<'_>,
    p: &Path,
    images: &config::StringMap,
) -> Vec<ImageOverride> {
    let mut out = Vec::new();
    for (repo, value) in images {
        let ip = p.key(repo.as_str());
        if let Some(problem) = repository_problem(repo) {
            let meant = repository(repo);
            let help = if meant != repo && repository_problem(meant).is_none() {
                format!("write `\"{meant}\" = \"{}\"`", &repo[meant.len() + 1..])
            } else {
                "the key is an image repository such as `registry.example.com/team/app`".into()
            };
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_IMAGE,
                    ctx.key(&ip),
                    format!("`{repo}` is not an image repository: it {problem}"),
                )
                .with_label("not a repository")
                .with_help(help),
            );
            continue;
        }
        match image_suffix(value) {
            Ok(suffix) => out.push(ImageOverride {
                repository: repo.clone(),
                suffix,
            }),
            Err(problem) => ctx.push(
                Diagnostic::error(
                    codes::INVALID_IMAGE,
                    ctx.val(&ip),
                    format!("invalid tag `{value}` for `{repo}`: it {problem}"),
                )
                .with_label("not a tag or digest")
                .with_help("e.g. `1.5.0-rc1`, or `sha256:` and 64 hex digits to pin a digest"),
            ),
        }
    }
    out
}

/// Each cluster's services, where it sets some apart: `[services]` with its
/// `[clusters.NAME.services.SVC]` merged over key by key. A service that `[services]` does
/// not define is an error there.
pub(super) fn services(
    ctx: &mut Ctx<'_>,
    config: &Config,
) -> BTreeMap<String, BTreeMap<String, config::Service>> {
    let mut out = BTreeMap::new();
    for (cluster, c) in &config.clusters {
        if c.services.is_empty() {
            continue;
        }
        let mut merged = config.services.clone();
        for (name, over) in &c.services {
            let p = Path::root()
                .key("clusters")
                .key(cluster.as_str())
                .key("services")
                .key(name.as_str());
            let Some(service) = merged.get_mut(name) else {
                let known = config.services.keys().map(String::as_str);
                let help = did_you_mean(name, known.clone()).unwrap_or_else(|| {
                    let list: Vec<&str> = known.collect();
                    if list.is_empty() {
                        "[services] defines none; define it there first".into()
                    } else {
                        format!("[services] defines {}", list.join(", "))
                    }
                });
                ctx.push(
                    Diagnostic::error(
                        codes::UNRESOLVED_REFERENCE,
                        ctx.key(&p),
                        format!("cluster `{cluster}` sets apart service `{name}`, which [services] does not define"),
                    )
                    .with_label("no such service")
                    .with_help(help),
                );
                continue;
            };
            if let Some(ns) = &over.namespace {
                ctx.dns_label(&p.key("namespace"), ns, "namespace", false);
                service.namespace = ns.clone();
            }
            if let Some(sel) = &over.selector {
                ctx.labels(&p.key("selector"), sel);
                service.selector = Some(sel.clone());
            }
            if let Some(ports) = &over.ports {
                ctx.ports(&p.key("ports"), ports);
                service.ports = ports.clone();
            }
            if let Some(k) = &over.strimzi_cluster {
                ctx.dns_label(&p.key("strimzi_cluster"), k, "Strimzi cluster name", false);
                service.strimzi_cluster = Some(k.clone());
            }
        }
        out.insert(cluster.clone(), merged);
    }
    out
}

/// Warns about each `images` entry no container on its cluster uses (pipelines, steps, and
/// the containers of manifests), with the repository it likely meant.
pub(super) fn unused_images(ctx: &mut Ctx<'_>, platform: &Platform) {
    for (name, cluster) in &platform.clusters {
        if cluster.images.is_empty() {
            continue;
        }
        let mut used: BTreeSet<String> = BTreeSet::new();
        for ns in platform
            .namespaces
            .iter()
            .filter(|n| n.clusters.contains(name))
        {
            for step in ns.pipelines.iter().flat_map(|pl| &pl.steps) {
                used.insert(repository(&step.image).to_string());
            }
            for m in &ns.manifests {
                containers(&m.body, &mut |image| {
                    used.insert(repository(image).to_string());
                });
            }
        }
        for m in &cluster.manifests {
            containers(&m.body, &mut |image| {
                used.insert(repository(image).to_string());
            });
        }
        for o in &cluster.images {
            if used.contains(&o.repository) {
                continue;
            }
            let p = Path::root()
                .key("clusters")
                .key(name.as_str())
                .key("images")
                .key(o.repository.as_str());
            let help =
                did_you_mean(&o.repository, used.iter().map(String::as_str)).unwrap_or_else(|| {
                    if used.is_empty() {
                        format!("nothing on cluster `{name}` runs a container")
                    } else {
                        format!(
                            "images used on cluster `{name}`: {}",
                            used.iter().cloned().collect::<Vec<_>>().join(", ")
                        )
                    }
                });
            ctx.push(
                Diagnostic::warning(
                    codes::UNUSED_IMAGE,
                    ctx.key(&p),
                    format!("no container on cluster `{name}` uses `{}`", o.repository),
                )
                .with_label("this tag applies to nothing")
                .with_help(help),
            );
        }
    }
}

/// The model cluster's settings of `[clusters.NAME]` beside its server and manifests.
pub(super) fn settings(
    ctx: &mut Ctx<'_>,
    p: &Path,
    c: &config::Cluster,
) -> (Option<String>, Vec<ImageOverride>) {
    if let Some(r) = &c.revision {
        revision(ctx, &p.key("revision"), r);
    }
    (c.revision.clone(), images(ctx, &p.key("images"), &c.images))
}
