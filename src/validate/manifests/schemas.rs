//! `[platform] crd_schemas` and `crds`: the JSON Schemas custom resources are checked against,
//! by the kind each is for (from a JSON Schema file, or from each served version of a
//! CustomResourceDefinition), and the scope of the kinds the CRDs define.

use std::collections::HashMap;
use std::sync::Arc;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, FileId, Span, codes};
use crate::expand::Attached;
use crate::syntax::{NodeValue, Path};
use crate::yaml::schema::Schema;

/// The schemas by `(apiVersion, kind in lower case)`, and the scope of the kinds the CRDs of
/// `[platform] crds` define.
#[derive(Default)]
pub(crate) struct Schemas {
    by_kind: HashMap<(String, String), (Arc<Schema>, Span)>,
    scopes: HashMap<(String, String), bool>,
}

impl Schemas {
    /// The schema of `kind` in `api_version`, if one was given.
    pub fn get(&self, api_version: &str, kind: &str) -> Option<&Arc<Schema>> {
        self.by_kind
            .get(&(api_version.to_string(), kind.to_ascii_lowercase()))
            .map(|(s, _)| s)
    }

    /// Whether custom resources of `kind` in `group` are cluster-scoped, when a CRD of
    /// `[platform] crds` says, or platc knows the kind.
    pub fn cluster_scoped(&self, group: &str, kind: &str) -> Option<bool> {
        self.scopes
            .get(&(group.to_string(), kind.to_string()))
            .copied()
            .or_else(|| crate::yaml::crd::known_scope(group, kind))
    }

    /// Reads every schema the patterns of `[platform] crd_schemas` name, and every CRD of
    /// `[platform] crds`.
    pub fn load(ctx: &mut Ctx<'_>, attached: &Attached) -> Self {
        let mut schemas = Self::default();
        // A file two patterns match is read once.
        let mut read = std::collections::HashSet::new();
        for key in ["crd_schemas", "crds"] {
            for file in files(ctx, attached, key) {
                if !read.insert(file) {
                    continue;
                }
                if key == "crds" {
                    schemas.add_crds(ctx, attached, file);
                } else {
                    schemas.add(ctx, attached, file);
                }
            }
        }
        schemas
    }

    /// Every CustomResourceDefinition of a `crds` file: its scope, and the schema of each
    /// version it serves.
    fn add_crds(&mut self, ctx: &mut Ctx<'_>, attached: &Attached, file: FileId) {
        // Syntax errors are reported once per file, by `validate`.
        let Some(Ok(documents)) = attached.yaml(file) else {
            return;
        };
        for document in documents {
            for node in super::items(&document.root) {
                let json = node.to_json();
                let at = node
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .map_or_else(|| node.anchor(), |n| n.span);
                if !crate::yaml::crd::is_crd(&json) {
                    ctx.push(
                        Diagnostic::error(
                            codes::CRD_SCHEMA,
                            node.get("kind").map_or(at, |k| k.span),
                            "`crds` names a file with an object that is not a CustomResourceDefinition",
                        )
                        .with_label("not a CRD")
                        .with_help("list only CRD files in `[platform] crds`; other objects go in `manifests`"),
                    );
                    continue;
                }
                let crd = match crate::yaml::crd::read(&json) {
                    Ok(c) => c,
                    Err(why) => {
                        ctx.push(
                            Diagnostic::error(
                                codes::CRD_SCHEMA,
                                at,
                                format!(
                                    "this CustomResourceDefinition defines nothing usable: {why}"
                                ),
                            )
                            .with_label("not usable"),
                        );
                        continue;
                    }
                };
                self.scopes
                    .insert((crd.group.clone(), crd.kind.clone()), crd.cluster_scoped);
                for (version, schema) in &crd.versions {
                    let Some(schema) = schema else { continue };
                    let api_version = crd.api_version(version);
                    match Schema::new(schema.clone()) {
                        Ok(s) => self.insert(ctx, api_version, &crd.kind, s, at),
                        Err(e) => ctx.push(
                            Diagnostic::error(
                                codes::CRD_SCHEMA,
                                at,
                                format!(
                                    "the schema of {} `{api_version}` is not usable: {e}",
                                    crd.kind
                                ),
                            )
                            .with_label("this CRD"),
                        ),
                    }
                }
            }
        }
    }

    /// Adds the schema of `kind` in `api_version` (from `at`); a second one is an error.
    fn insert(
        &mut self,
        ctx: &mut Ctx<'_>,
        api_version: String,
        kind: &str,
        schema: Schema,
        at: Span,
    ) {
        let key = (api_version.clone(), kind.to_ascii_lowercase());
        if let Some((_, first)) = self.by_kind.get(&key) {
            ctx.push(
                Diagnostic::error(
                    codes::CRD_SCHEMA,
                    at,
                    format!("a second schema for {kind} `{api_version}`"),
                )
                .with_label("second schema")
                .with_related(Some(*first), "first schema")
                .with_help("keep one schema per kind and version"),
            );
            return;
        }
        self.by_kind.insert(key, (Arc::new(schema), at));
    }

    fn add(&mut self, ctx: &mut Ctx<'_>, attached: &Attached, file: FileId) {
        let at = Span::new(file, 0..0);
        let json = match attached.json(file) {
            Some(Ok(json)) => json.clone(),
            Some(Err(d)) => {
                ctx.push(d.clone());
                return;
            }
            None => return,
        };
        let schema = match Schema::new(json) {
            Ok(s) => s,
            Err(e) => {
                ctx.push(
                    Diagnostic::error(
                        codes::CRD_SCHEMA,
                        at,
                        format!("not a usable JSON Schema: {e}"),
                    )
                    .with_label("this file"),
                );
                return;
            }
        };
        let path = attached.path(file);
        let Some((api_version, kind)) = schema.declared_kind().or_else(|| from_file_name(path))
        else {
            ctx.push(
                Diagnostic::error(codes::CRD_SCHEMA, at, format!("cannot tell which kind `{path}` is the schema of"))
                    .with_label("this file")
                    .with_help("name it `GROUP/KIND_VERSION.json` (a folder per API group, as kubeconform's CRD catalog does) or `GROUP_KIND_VERSION.json`, or give its `apiVersion` and `kind` properties a `const`"),
            );
            return;
        };
        self.insert(ctx, api_version, &kind, schema, at);
    }
}

/// The files the patterns of `[platform] KEY` name; a pattern that names none is an error.
fn files(ctx: &mut Ctx<'_>, attached: &Attached, key: &str) -> Vec<FileId> {
    let list = Path::root().key("platform").key(key);
    let Some(NodeValue::Array(patterns)) = ctx.node(&list).map(|n| n.value.clone()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for pattern in &patterns {
        match attached.files(pattern) {
            Ok(f) => out.extend_from_slice(f),
            Err(why) => {
                let shown = match &pattern.value {
                    NodeValue::String(s) => s.as_str(),
                    _ => "",
                };
                let (label, example) = if key == "crds" {
                    ("no CRDs here", "crds/*.yaml")
                } else {
                    ("no schemas here", "schemas/crds/*.json")
                };
                ctx.push(crate::expand::pattern_error(
                    why,
                    codes::MANIFEST_FILE,
                    pattern.span,
                    &format!("{key} `{shown}`"),
                    label,
                    &format!("patterns are relative to this file, e.g. `{example}`"),
                ));
            }
        }
    }
    out
}

/// `(apiVersion, kind)` from a schema's path: `GROUP/KIND_VERSION.json` or
/// `GROUP_KIND_VERSION.json`.
fn from_file_name(path: &str) -> Option<(String, String)> {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let stem = file.strip_suffix(".json")?;
    let (rest, version) = stem.rsplit_once('_')?;
    let (group, kind) = match rest.rsplit_once('_') {
        Some((group, kind)) => (group, kind),
        None => (dir.rsplit('/').next().unwrap_or_default(), rest),
    };
    if group.is_empty() || kind.is_empty() || version.is_empty() || !group.contains('.') {
        return None;
    }
    Some((format!("{group}/{version}"), kind.to_string()))
}

#[cfg(test)]
mod tests {
    use super::from_file_name;

    #[test]
    fn kinds_from_file_names() {
        let k = |p: &str| from_file_name(p).map(|(v, k)| format!("{v} {k}"));
        assert_eq!(
            k("schemas/cert-manager.io/certificate_v1.json").as_deref(),
            Some("cert-manager.io/v1 certificate")
        );
        assert_eq!(
            k("crds/kafka.strimzi.io_kafkatopic_v1.json").as_deref(),
            Some("kafka.strimzi.io/v1 kafkatopic")
        );
        assert_eq!(k("crds/certificate_v1.json"), None);
        assert_eq!(k("crds/readme.md"), None);
    }
}
