//! The files a config names besides its includes: the YAML manifests of `manifests` patterns
//! (namespaces and clusters), the JSON Schemas of `[platform] crd_schemas` and the
//! CustomResourceDefinitions of `[platform] crds`. Each pattern is
//! relative to the file it is written in (the main config, an included file, a template's
//! file), expanded once however many namespaces share it, and every file is read and parsed
//! once, on all cores.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{LoadError, Loaded, Loader};
use crate::diag::{Diagnostic, FileId, SourceMap, Span, codes};
use crate::syntax::{Node, NodeValue, Seg};
use crate::yaml;

/// What the attached files hold, by the pattern that named them.
#[derive(Default)]
pub struct Attached {
    /// The folder of each config file, relative to the main config's folder (`""` for it).
    dirs: HashMap<FileId, String>,
    /// Each pattern (joined with its file's folder): the files it matched, or why none.
    patterns: HashMap<String, Result<Vec<FileId>, LoadError>>,
    /// Every YAML file's documents, or its syntax errors.
    yaml: BTreeMap<FileId, yaml::Documents>,
    /// Every JSON file's value, or why it is not JSON.
    json: BTreeMap<FileId, Result<serde_json::Value, Diagnostic>>,
    /// Every attached file's path relative to the main folder.
    paths: HashMap<FileId, String>,
}

impl Attached {
    /// The files `pattern` (a string of the config) matched, or why none.
    pub fn files(&self, pattern: &Node) -> Result<&[FileId], &LoadError> {
        let NodeValue::String(text) = &pattern.value else {
            return Ok(&[]);
        };
        match self.patterns.get(&self.joined(pattern.span, text)) {
            Some(Ok(files)) => Ok(files),
            Some(Err(why)) => Err(why),
            None => Ok(&[]),
        }
    }

    /// A YAML file's documents, or its syntax errors.
    pub fn yaml(&self, file: FileId) -> Option<&yaml::Documents> {
        self.yaml.get(&file)
    }

    /// An attached file's path relative to the main config's folder.
    pub fn path(&self, file: FileId) -> &str {
        self.paths.get(&file).map_or("", String::as_str)
    }

    /// A JSON file's value, or why it is not JSON.
    pub fn json(&self, file: FileId) -> Option<&Result<serde_json::Value, Diagnostic>> {
        self.json.get(&file)
    }

    /// Every YAML file's syntax errors, each file once.
    pub fn yaml_errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.yaml
            .values()
            .filter_map(|d| d.as_ref().err())
            .flatten()
    }

    /// Records the folder of a config file (`rel`: its path relative to the main folder).
    pub(super) fn config_file(&mut self, file: FileId, rel: &str) {
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        self.dirs.insert(file, dir.to_string());
    }

    /// `text` relative to the folder of the file `span` is in, relative to the main folder.
    fn joined(&self, span: Span, text: &str) -> String {
        let dir = self.dirs.get(&span.file).map_or("", String::as_str);
        normalize(dir, text)
    }
}

/// `dir/pattern` with `.` and `dir/..` steps resolved, as a path relative to the main folder.
/// An absolute pattern stays as it is (the loader refuses it).
fn normalize(dir: &str, pattern: &str) -> String {
    if pattern.starts_with('/') || dir.is_empty() && !pattern.contains("./") {
        return pattern.to_string();
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for step in pattern.split('/') {
        match step {
            "." | "" => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(step),
        }
    }
    parts.join("/")
}

/// Which kind of file a pattern names.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Format {
    Yaml,
    Json,
}

/// Reads every file the `manifests`, `crd_schemas` and `crds` patterns of `root` name.
pub(super) fn attach(
    root: &Node,
    mut attached: Attached,
    sources: &mut SourceMap,
    loader: &dyn Loader,
) -> Attached {
    let mut wanted: BTreeSet<(String, Format)> = BTreeSet::new();
    for (node, format) in patterns(root) {
        if let NodeValue::String(text) = &node.value {
            wanted.insert((attached.joined(node.span, text), format));
        }
    }
    let wanted: Vec<(String, Format)> = wanted.into_iter().collect();
    let loaded = crate::par::map(&wanted, 8, |(pattern, _)| loader.load(pattern));
    // Register each file once, however many patterns (or names through symlinks) match it.
    let mut by_key: HashMap<String, FileId> = HashMap::new();
    let mut new_files: Vec<(FileId, Format)> = Vec::new();
    for ((pattern, format), result) in wanted.into_iter().zip(loaded) {
        let result = result.map(|files| {
            files
                .into_iter()
                .map(
                    |Loaded {
                         shown,
                         rel,
                         key,
                         text,
                     }| {
                        *by_key.entry(key).or_insert_with(|| {
                            let id = sources.add(shown, text);
                            new_files.push((id, format));
                            attached.paths.insert(id, rel);
                            id
                        })
                    },
                )
                .collect()
        });
        attached.patterns.insert(pattern, result);
    }
    let shared: &SourceMap = sources;
    let parsed = crate::par::map(&new_files, 16, |(file, format)| {
        let text = &shared.file(*file).text;
        match format {
            Format::Yaml => Parsed::Yaml(yaml::parse(*file, text).map_err(crate::diag::first_only)),
            Format::Json => Parsed::Json(json(*file, text)),
        }
    });
    for ((file, _), parsed) in new_files.into_iter().zip(parsed) {
        match parsed {
            Parsed::Yaml(docs) => {
                attached.yaml.insert(file, docs);
            }
            Parsed::Json(value) => {
                attached.json.insert(file, value);
            }
        }
    }
    attached
}

enum Parsed {
    Yaml(yaml::Documents),
    Json(Result<serde_json::Value, Diagnostic>),
}

/// A JSON file's value, or a located error.
fn json(file: FileId, text: &str) -> Result<serde_json::Value, Diagnostic> {
    serde_json::from_str(text).map_err(|e| {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let at = (line_start + e.column().saturating_sub(1)).min(text.len());
        Diagnostic::error(
            codes::CRD_SCHEMA,
            Span::new(file, at..at),
            format!("not a JSON Schema: invalid JSON: {e}"),
        )
        .with_label("here")
    })
}

/// Every pattern string of the document: `[platform] crd_schemas` and `crds`, each namespace's
/// and each cluster's `manifests`.
fn patterns(root: &Node) -> Vec<(&Node, Format)> {
    let mut out = Vec::new();
    fn strings(node: Option<&Node>) -> Vec<&Node> {
        match node.map(|n| &n.value) {
            Some(NodeValue::Array(items)) => items.iter().collect(),
            _ => Vec::new(),
        }
    }
    let key = |k: &str| Seg::Key(k.into());
    for n in strings(root.get(&[key("platform"), key("crd_schemas")])) {
        out.push((n, Format::Json));
    }
    for n in strings(root.get(&[key("platform"), key("crds")])) {
        out.push((n, Format::Yaml));
    }
    for section in ["namespaces", "clusters"] {
        if let Some(table) = root.get(&[key(section)]).and_then(Node::table) {
            for entry in table.values() {
                for n in strings(entry.get(&[key("manifests")])) {
                    out.push((n, Format::Yaml));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn patterns_are_relative_to_their_file() {
        assert_eq!(normalize("", "manifests/*.yaml"), "manifests/*.yaml");
        assert_eq!(normalize("", "./manifests/*.yaml"), "manifests/*.yaml");
        assert_eq!(normalize("tenants", "a/*.yaml"), "tenants/a/*.yaml");
        assert_eq!(normalize("tenants", "../shared/*.yaml"), "shared/*.yaml");
        assert_eq!(normalize("", "../shared/*.yaml"), "../shared/*.yaml");
        assert_eq!(normalize("a/b", "../../../x.yaml"), "../x.yaml");
    }
}
