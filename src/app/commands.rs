//! The commands around the build: `init`, `show`, `import`, `explain`.

use std::path::Path;

use super::outcome::*;
use crate::diag::{self, Diagnostic, SourceMap, codes};
use crate::stages::{expand_text, find_root, read};
use crate::timings::measure;
use crate::{expand, fs, validate};

/// The starter config `platc init` writes: small, commented, and it builds.
pub const STARTER: &str = include_str!("../starter.toml");

/// Where the starter's `#:schema` line points, relative to the config: `platc init` writes the
/// schema there, so an editor completes keys from the first minute.
pub const STARTER_SCHEMA: &str = "schemas/platform.schema.json";

/// Writes the starter config, then the schema its first line names. An existing config is an
/// error and nothing at all is written; an existing schema file is left as it is, and said so.
pub(super) fn init(config: &Path) -> Outcome {
    let error = |message: String| {
        let d = Diagnostic::error(codes::UNREADABLE, None, message);
        out_problems(&[d], Colors::default())
    };
    if let Err(e) = fs::create_new(config, STARTER) {
        return error(if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} already exists; platc init never overwrites a file",
                config.display()
            )
        } else {
            format!("cannot create {}: {e}", config.display())
        });
    }
    let schema_path = config
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(STARTER_SCHEMA);
    let schema = validate::schema::schema_text();
    let mut stderr = format!("platc: wrote {}\n", config.display());
    match fs::create_new_in_folders(&schema_path, &schema) {
        Ok(()) => stderr.push_str(&format!(
            "platc: wrote {}, the JSON Schema its `#:schema` line points at (editor completion)\n",
            schema_path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let current = fs::read_text(&schema_path, "a JSON Schema").ok();
            let differs = if current.as_deref() == Some(schema.as_str()) {
                String::new()
            } else {
                format!(
                    " (it is not this platc's schema; `platc schema > {}` updates it)",
                    schema_path.display()
                )
            };
            stderr.push_str(&format!(
                "platc: {} already exists; left as it is{differs}\n",
                schema_path.display()
            ));
        }
        Err(e) => {
            return error(format!(
                "wrote {}, but cannot create {}: {e}; write it with `platc schema > {}`",
                config.display(),
                schema_path.display(),
                schema_path.display()
            ));
        }
    }
    stderr.push_str(&format!(
        "platc: run `platc build -c {}` to compile it\n",
        config.display()
    ));
    Outcome {
        stderr,
        ..Outcome::default()
    }
}

pub(super) fn show(
    config: &Path,
    namespace: &str,
    cluster: Option<&str>,
    colors: Colors,
) -> Outcome {
    let expanded = find_root(config).and_then(|root| {
        let text = read(config, &root)?;
        expand_text(
            &config.display().to_string(),
            text,
            SourceMap::default(),
            &fs::DiskLoader::new(&root),
        )
    });
    let (doc, attached, sources) = match expanded {
        Ok(x) => x,
        Err(f) => return failed(&f, colors),
    };
    let namespaces = doc
        .root
        .table()
        .and_then(|t| t.get("namespaces"))
        .and_then(|n| n.table());
    match namespaces.and_then(|n| n.get(namespace)) {
        Some(ns) => {
            let clusters = doc
                .root
                .table()
                .and_then(|t| t.get("clusters"))
                .and_then(|c| c.table())
                .map(|c| c.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            match expand::show::show(namespace, ns, cluster, &clusters, &sources, &attached) {
                Ok(stdout) => Outcome {
                    stdout,
                    ..Outcome::default()
                },
                Err(message) => Outcome {
                    stderr: format!("platc: {message}\n"),
                    code: EXIT_ERROR,
                    ..Outcome::default()
                },
            }
        }
        None => {
            let known: Vec<&str> = namespaces
                .map(|n| n.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let help = diag::did_you_mean(namespace, known.iter().copied())
                .unwrap_or_else(|| format!("namespaces: {}", known.join(", ")));
            Outcome {
                stderr: format!(
                    "platc: no namespace `{namespace}` in {}; {help}\n",
                    config.display()
                ),
                code: EXIT_ERROR,
                ..Outcome::default()
            }
        }
    }
}

pub(super) fn import(
    config: &Path,
    paths: &[std::path::PathBuf],
    clusters: &[String],
    manifests: &Path,
    harden: bool,
    colors: Colors,
) -> Outcome {
    let (opts, folder) = import_options(config, manifests, harden);
    let imported = if clusters.is_empty() {
        let inputs = match measure("import-inputs", || fs::read_yaml_inputs(paths)) {
            Ok(i) => i,
            Err(message) => {
                let d = Diagnostic::error(codes::UNREADABLE, None, message);
                return out_problems(&[d], colors);
            }
        };
        // A platc `out/` tree of several clusters that hold a namespace differently is
        // folded as `--cluster` folds environments.
        if let Some((by_cluster, argocd)) = crate::import::environments::split(&inputs) {
            let env = |cluster: &str, ids: &[usize]| {
                let mut sources = SourceMap::default();
                let files = ids
                    .iter()
                    .map(|&i| sources.add(inputs[i].0.clone(), inputs[i].1.clone()))
                    .collect();
                crate::import::environments::Environment {
                    cluster: cluster.to_string(),
                    sources,
                    files,
                }
            };
            let envs = by_cluster.iter().map(|(c, ids)| env(c, ids)).collect();
            let argocd = (!argocd.is_empty()).then(|| env("argocd", &argocd));
            measure("import", || {
                crate::import::environments::import_with(envs, argocd, &opts)
            })
        } else {
            let mut sources = SourceMap::default();
            let files: Vec<_> = inputs
                .into_iter()
                .map(|(shown, text)| sources.add(shown, text))
                .collect();
            measure("import", || crate::import::import(sources, &files, &opts))
        }
    } else {
        let mut envs = Vec::new();
        for arg in clusters {
            let Some((cluster, path)) = arg
                .split_once('=')
                .filter(|(c, p)| !c.is_empty() && !p.is_empty())
            else {
                let d = Diagnostic::error(
                    codes::UNREADABLE,
                    None,
                    format!(
                        "`--cluster {arg}`: write NAME=PATH, e.g. `--cluster staging=overlays/staging.yaml`"
                    ),
                );
                return out_problems(&[d], colors);
            };
            if let Some(problem) = crate::model::names::dns_label_problem(cluster) {
                let d = Diagnostic::error(
                    codes::INVALID_NAME,
                    None,
                    format!("`--cluster {arg}`: invalid cluster name `{cluster}`: {problem}"),
                );
                return out_problems(&[d], colors);
            }
            let (sources, files) = match read_inputs(&[path.into()]) {
                Ok(x) => x,
                Err(o) => return o(colors),
            };
            envs.push(crate::import::environments::Environment {
                cluster: cluster.to_string(),
                sources,
                files,
            });
        }
        measure("import", || {
            crate::import::environments::import(envs, &opts)
        })
    };
    match imported {
        Ok(i) => write_imported(config, &folder, i, colors),
        Err(f) => failed(&f, colors),
    }
}

/// A report of why inputs could not be read, once the colours are known.
type Unread = Box<dyn FnOnce(Colors) -> Outcome>;

/// The YAML inputs, registered in a fresh source map.
fn read_inputs(
    paths: &[std::path::PathBuf],
) -> Result<(SourceMap, Vec<crate::diag::FileId>), Unread> {
    let inputs = measure("import-inputs", || fs::read_yaml_inputs(paths)).map_err(|message| {
        Box::new(move |colors| {
            out_problems(
                &[Diagnostic::error(codes::UNREADABLE, None, message)],
                colors,
            )
        }) as Unread
    })?;
    let mut sources = SourceMap::default();
    let files: Vec<_> = inputs
        .into_iter()
        .map(|(shown, text)| sources.add(shown, text))
        .collect();
    Ok((sources, files))
}

/// How to import into `config` (and the folder it is in).
fn import_options(
    config: &Path,
    manifests: &Path,
    harden: bool,
) -> (crate::import::Options, std::path::PathBuf) {
    let config_name = config.file_name().map_or_else(
        || "platform.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let folder = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| std::path::PathBuf::from("."), Path::to_path_buf);
    let fallback = std::fs::canonicalize(&folder)
        .ok()
        .and_then(|p| {
            p.file_name()
                .map(|n| crate::model::names::suggest_dns_label(&n.to_string_lossy()))
        })
        .filter(|n| crate::model::names::dns_label_problem(n).is_none())
        .unwrap_or_else(|| "platform".into());
    let opts = crate::import::Options {
        config_name: config_name.clone(),
        manifests_dir: manifests
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string(),
        fallback_name: fallback,
        harden,
    };
    (opts, folder)
}

/// Writes what an import produced (never over an existing file) and reports it.
fn write_imported(
    config: &Path,
    folder: &Path,
    imported: crate::import::Imported,
    colors: Colors,
) -> Outcome {
    let config_name = config.file_name().map_or_else(
        || "platform.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut writes = vec![(config_name, imported.config)];
    writes.extend(imported.files.iter().cloned());
    if let Err(not) = measure("import-files", || fs::write_new_files(folder, &writes)) {
        let stderr = match not {
            fs::NotWritten::Nothing(message) => format!("platc: {message}; nothing written\n"),
            fs::NotWritten::Leftover(d) => out_problems(&[d], colors).stderr,
        };
        return Outcome {
            stdout: imported.report,
            stderr,
            code: EXIT_ERROR,
        };
    }
    let (mapped, kept, skipped) = imported.counts;
    leave_to_exit(imported.scratch);
    Outcome {
        stdout: imported.report,
        stderr: format!(
            "platc: {} objects: {mapped} mapped, {kept} kept as manifests, {skipped} not copied; wrote {} and {} manifest file(s); `platc build -c {}` writes them back\n",
            mapped + kept + skipped,
            config.display(),
            imported.files.len(),
            config.display()
        ),
        code: 0,
    }
}

pub(super) fn explain(code: Option<&str>) -> Outcome {
    match code {
        None => {
            let mut stdout = String::new();
            for (c, name, _) in diag::CODES {
                stdout.push_str(&format!("{c}  {name}\n"));
            }
            Outcome {
                stdout,
                ..Outcome::default()
            }
        }
        Some(code) => match diag::explain(code) {
            Some((c, name, text)) => {
                let severity = match &c.as_str()[..1] {
                    "E" => "error",
                    "W" => "warning",
                    _ => "note",
                };
                Outcome {
                    stdout: format!("{c} ({name}, {severity})\n\n{}\n", wrap(text, 80)),
                    ..Outcome::default()
                }
            }
            None => Outcome {
                stderr: format!("platc: unknown code `{code}`; `platc explain` lists them all\n"),
                code: EXIT_ERROR,
                ..Outcome::default()
            },
        },
    }
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_points_at_the_schema_init_writes() {
        let first = STARTER.lines().next().unwrap_or_default();
        assert_eq!(first, format!("#:schema ./{STARTER_SCHEMA}"));
    }
}
