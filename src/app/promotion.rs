//! Environments in `platc diff --base REV`: which clusters sync another revision than the
//! branch under review (their changes wait for promotion), and for each cluster whose
//! `revision` the change moves, its objects in `out/` at the old revision and at the new one,
//! read from git.

use std::collections::BTreeMap;
use std::path::Path;

use crate::fs::Root;
use crate::git::Repository;
use crate::render::{self, DiskTree, Tree};

/// Each cluster and the revision it syncs (`None` without `[argocd]`).
pub(super) type Revisions = BTreeMap<String, Option<String>>;

/// The branch under review and the clusters of `head` that sync another revision than it
/// (`HEAD`, the repository's default branch, counts as following it).
pub(super) fn waiting(
    root: &Root,
    rev: &str,
    head: &Revisions,
    default: Option<&str>,
) -> (Option<String>, BTreeMap<String, String>) {
    let branch = Repository::of(root)
        .ok()
        .and_then(|repo| repo.branch_of(rev))
        .or_else(|| default.map(str::to_string));
    let Some(branch) = branch else {
        return (None, BTreeMap::new());
    };
    let waiting = head
        .iter()
        .filter_map(|(cluster, r)| {
            let r = r.as_ref()?;
            (r != &branch && r != "HEAD").then(|| (cluster.clone(), r.clone()))
        })
        .collect();
    (Some(branch), waiting)
}

/// A cluster whose revision moves: its folder of `out/` at both revisions, or why not.
pub(super) struct Moved {
    pub cluster: String,
    pub from: String,
    pub to: String,
    pub trees: Result<(Tree, DiskTree), String>,
}

/// Every cluster whose revision differs between `base` and `head`, with its folder of `out`
/// read at both revisions.
pub(super) fn moved(root: &Root, out: &Path, base: &Revisions, head: &Revisions) -> Vec<Moved> {
    head.iter()
        .filter_map(|(cluster, to)| {
            let (Some(Some(from)), Some(to)) = (base.get(cluster), to) else {
                return None;
            };
            (from != to).then(|| Moved {
                cluster: cluster.clone(),
                from: from.clone(),
                to: to.clone(),
                trees: trees(root, out, cluster, from, to),
            })
        })
        .collect()
}

/// `out/<cluster>/` as committed at `from` and at `to` (paths under `out/`, the files with
/// the header, as build reads them).
fn trees(
    root: &Root,
    out: &Path,
    cluster: &str,
    from: &str,
    to: &str,
) -> Result<(Tree, DiskTree), String> {
    let repo = Repository::of(root).map_err(|d| d.message)?;
    let out_folder = repo
        .relative(out)
        .ok_or_else(|| format!("{} is outside the config's git repository", out.display()))?;
    let below = if out_folder.is_empty() {
        cluster.to_string()
    } else {
        format!("{out_folder}/{cluster}")
    };
    let at = |rev: &str| -> Result<Tree, String> {
        let commit = repo.commit_or_remote(rev).map_err(|_| {
            format!("cannot read revision `{rev}` here (fetch it to review the promotion)")
        })?;
        let mut tree = repo.tree_at(&commit, &below)?;
        tree.retain(|_, bytes| render::has_header(bytes));
        Ok(tree
            .into_iter()
            .map(|(path, bytes)| (format!("{cluster}/{path}"), bytes))
            .collect())
    };
    Ok((at(to)?, render::on_disk(at(from)?)))
}
