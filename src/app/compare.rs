//! `platc compare A B`: the objects two clusters get, compared with the cluster left out of
//! every path. The answer to "what does prod not have yet?".

use std::path::Path;

use super::outcome::*;
use crate::cli::DiffFormat;
use crate::diag::did_you_mean;
use crate::diff;
use crate::render::{self, Tree};
use crate::timings::measure;

/// The files of one cluster's folder, by their path below it (`production/cronjob-x.yaml`),
/// only those of `namespace` when given.
fn cluster_tree(tree: &Tree, cluster: &str, namespace: Option<&str>) -> Tree {
    let prefix = format!("{cluster}/");
    tree.iter()
        .filter_map(|(path, bytes)| {
            let rest = path.strip_prefix(&prefix)?;
            let in_namespace = namespace
                .is_none_or(|ns| rest.strip_prefix(ns).is_some_and(|r| r.starts_with('/')));
            in_namespace.then(|| (rest.to_string(), bytes.clone()))
        })
        .collect()
}

pub(super) fn compare(
    config: &Path,
    (a, b): (&str, &str),
    namespace: Option<&str>,
    format: DiffFormat,
    colors: Colors,
) -> Outcome {
    let root = match root_of(config, colors) {
        Ok(r) => r,
        Err(o) => return o,
    };
    let (compiled, mut stderr) = match compile_checked(config, &root, None, false, colors) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let fail = |stderr: String, message: String| Outcome {
        stderr: format!("{stderr}platc: {message}\n"),
        code: EXIT_ERROR,
        ..Outcome::default()
    };
    for cluster in [a, b] {
        if !compiled.clusters.contains_key(cluster) {
            let known = compiled.clusters.keys().map(String::as_str);
            let help = did_you_mean(cluster, known.clone())
                .unwrap_or_else(|| format!("clusters: {}", known.collect::<Vec<_>>().join(", ")));
            return fail(
                stderr,
                format!("no cluster `{cluster}` in {}; {help}", config.display()),
            );
        }
    }
    if let Some(ns) = namespace {
        let on = |c: &str| {
            let folder = format!("{c}/{ns}/");
            compiled.tree.keys().any(|p| p.starts_with(&folder))
        };
        if !on(a) && !on(b) {
            let mut known: Vec<&str> = compiled
                .tree
                .keys()
                .filter_map(|p| {
                    let mut parts = p.split('/');
                    let cluster = parts.next()?;
                    let found = parts.next()?;
                    ([a, b].contains(&cluster) && parts.next().is_some()).then_some(found)
                })
                .collect();
            known.dedup();
            known.sort_unstable();
            known.dedup();
            let help = did_you_mean(ns, known.iter().copied())
                .unwrap_or_else(|| format!("their namespaces: {}", known.join(", ")));
            return fail(
                stderr,
                format!("namespace `{ns}` is on neither `{a}` nor `{b}`; {help}"),
            );
        }
    }
    let (old, new) = measure("compare", || {
        (
            cluster_tree(&compiled.tree, a, namespace),
            cluster_tree(&compiled.tree, b, namespace),
        )
    });
    let old = render::on_disk(old);
    let changes = measure("diff", || diff::changes(&new, &old));
    let style = diff::Style {
        color: colors.stdout,
    };
    let stdout = measure("print", || match format {
        DiffFormat::Unified => diff::unified_between(&changes, a, b, style),
        DiffFormat::Stat => diff::stat(&changes, "", style),
        DiffFormat::Markdown => diff::markdown::markdown(&changes, "", a, b),
        DiffFormat::Json => diff::json::json(&changes, "", a, b),
    });
    let what = namespace.map_or_else(String::new, |ns| format!(" in namespace `{ns}`"));
    let revisions = match (&compiled.clusters[a], &compiled.clusters[b]) {
        (Some(ra), Some(rb)) if ra != rb => {
            format!("; `{a}` syncs revision `{ra}`, `{b}` syncs `{rb}`")
        }
        _ => String::new(),
    };
    let summary = if changes.is_empty() {
        format!("platc: clusters `{a}` and `{b}` get the same objects{what}{revisions}\n")
    } else {
        format!(
            "platc: from cluster `{a}` to `{b}`{what}: {}{revisions}\n",
            diff::Counts::of(&changes).describe()
        )
    };
    stderr.push_str(&summary);
    let code = if changes.is_empty() { 0 } else { EXIT_DRIFT };
    drop(changes);
    leave_to_exit((compiled, old, new));
    Outcome {
        stdout,
        stderr,
        code,
    }
}
