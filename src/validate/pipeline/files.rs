//! A pipeline's `files`: Secrets and ConfigMaps mounted read-only in every step, each at its
//! own absolute folder, away from the scratch volumes and from each other.

use crate::diag::{Diagnostic, codes};
use crate::model::{self, FileSource, names};
use crate::syntax::Path;
use crate::syntax::config::MountedFiles;
use crate::validate::context::Ctx;

/// Where the pipeline's own writable volumes are mounted.
const SCRATCH: [&str; 2] = ["/work", "/tmp"];

/// Why `path` is not a normalised absolute path, with the path it probably means.
fn path_problem(path: &str) -> Option<(&'static str, String)> {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let normal = format!("/{}", parts.join("/"));
    if !path.starts_with('/') {
        Some((
            "is not absolute",
            format!("/{}", path.trim_start_matches("./")),
        ))
    } else if parts.is_empty() {
        Some(("is the root folder", "/etc/NAME".into()))
    } else if parts.contains(&"..") {
        Some(("contains `..`", "/etc/NAME".into()))
    } else if path != normal {
        Some(("is not in its plain form", normal))
    } else if path.chars().any(char::is_control) {
        Some(("contains a control character", "/etc/NAME".into()))
    } else {
        None
    }
}

/// Whether `inner` is `outer` or a folder under it.
fn within(inner: &str, outer: &str) -> bool {
    inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

pub(super) fn files(ctx: &mut Ctx<'_>, p: &Path, files: &[MountedFiles]) -> Vec<model::FileMount> {
    let mut out: Vec<(usize, model::FileMount)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let fp = p.index(i);
        let source = match (&f.secret, &f.config_map) {
            (Some(s), None) => Some(("secret", FileSource::Secret(s.clone()), s)),
            (None, Some(c)) => Some(("config_map", FileSource::ConfigMap(c.clone()), c)),
            (Some(_), Some(_)) => {
                ctx.push(
                    Diagnostic::error(
                        codes::CONFLICTING_KEYS,
                        ctx.key(&fp.key("config_map")),
                        "`secret` and `config_map` are both set",
                    )
                    .with_label("an entry mounts one object")
                    .with_related(Some(ctx.key(&fp.key("secret"))), "`secret` set here")
                    .with_help(
                        "give each Secret or ConfigMap an entry of its own, at its own `path`",
                    ),
                );
                None
            }
            (None, None) => {
                ctx.push(
                    Diagnostic::error(
                        codes::MISSING_KEY,
                        ctx.val(&fp),
                        "the entry names no Secret or ConfigMap",
                    )
                    .with_label("add `secret` or `config_map`")
                    .with_help("e.g. `{ secret = \"iceberg-catalog\", path = \"/etc/iceberg\" }`"),
                );
                None
            }
        };
        if let Some((key, _, name)) = &source
            && !names::is_dns_subdomain(name)
        {
            let what = if *key == "secret" {
                "secret"
            } else {
                "config map"
            };
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_NAME,
                    ctx.val(&fp.key(*key)),
                    format!("invalid {what} name `{name}`"),
                )
                .with_label("not a DNS-1123 subdomain")
                .with_help(format!(
                    "{what} names are lower-case letters, digits, `-` and `.`"
                )),
            );
        }
        let pp = fp.key("path");
        if let Some((problem, suggestion)) = path_problem(&f.path) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.val(&pp),
                    format!("path `{}` {problem}", f.path),
                )
                .with_label("not an absolute folder")
                .with_help(format!("write an absolute folder such as `{suggestion}`")),
            );
            continue;
        }
        if let Some(scratch) = SCRATCH.iter().find(|s| within(&f.path, s)) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.val(&pp),
                    if f.path == *scratch {
                        format!("`{scratch}` is where every step's writable scratch volume is mounted")
                    } else {
                        format!("`{}` is inside `{scratch}`, where every step's writable scratch volume is mounted", f.path)
                    },
                )
                .with_label("reserved for the scratch volume")
                .with_help("mount the files elsewhere, e.g. under `/etc` or `/var/run`; a step that needs them in its scratch folder can copy them there"),
            );
            continue;
        }
        let clash = out
            .iter()
            .find(|(_, m)| within(&f.path, &m.path) || within(&m.path, &f.path));
        if let Some((j, m)) = clash {
            let message = if m.path == f.path {
                format!("`{}` is mounted twice", f.path)
            } else if within(&f.path, &m.path) {
                format!(
                    "`{}` is inside `{}`, which another entry mounts",
                    f.path, m.path
                )
            } else {
                format!(
                    "`{}` contains `{}`, which an earlier entry mounts",
                    f.path, m.path
                )
            };
            ctx.push(
                Diagnostic::error(codes::INVALID_VALUE, ctx.val(&pp), message)
                    .with_label("overlaps another mount")
                    .with_related(Some(ctx.val(&p.index(*j).key("path"))), "mounted here")
                    .with_help("give each entry a folder of its own, neither inside another"),
            );
            continue;
        }
        if let Some((_, source, _)) = source {
            out.push((
                i,
                model::FileMount {
                    source,
                    path: f.path.clone(),
                },
            ));
        }
    }
    out.into_iter().map(|(_, m)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(path_problem("/etc/iceberg"), None);
        assert_eq!(
            path_problem("/etc/iceberg/").map(|p| p.1).as_deref(),
            Some("/etc/iceberg")
        );
        assert_eq!(
            path_problem("/etc//x").map(|p| p.1).as_deref(),
            Some("/etc/x")
        );
        assert_eq!(
            path_problem("/etc/./x").map(|p| p.1).as_deref(),
            Some("/etc/x")
        );
        assert_eq!(path_problem("etc/x").map(|p| p.0), Some("is not absolute"));
        assert_eq!(path_problem("/").map(|p| p.0), Some("is the root folder"));
        assert_eq!(
            path_problem("/etc/../x").map(|p| p.0),
            Some("contains `..`")
        );
        assert!(within("/work", "/work"));
        assert!(within("/work/in", "/work"));
        assert!(!within("/workshop", "/work"));
    }
}
