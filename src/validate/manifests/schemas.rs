//! `[platform] crd_schemas`: the JSON Schemas custom resources are checked against, by the
//! kind each is for.

use std::collections::HashMap;
use std::sync::Arc;

use super::super::context::Ctx;
use crate::diag::{Diagnostic, FileId, Span, codes};
use crate::expand::Attached;
use crate::syntax::{NodeValue, Path};
use crate::yaml::schema::Schema;

/// The schemas by `(apiVersion, kind in lower case)`.
#[derive(Default)]
pub(crate) struct Schemas {
    by_kind: HashMap<(String, String), (Arc<Schema>, FileId)>,
}

impl Schemas {
    /// The schema of `kind` in `api_version`, if one was given.
    pub fn get(&self, api_version: &str, kind: &str) -> Option<&Arc<Schema>> {
        self.by_kind
            .get(&(api_version.to_string(), kind.to_ascii_lowercase()))
            .map(|(s, _)| s)
    }

    /// Reads every schema the patterns of `[platform] crd_schemas` name.
    pub fn load(ctx: &mut Ctx<'_>, attached: &Attached) -> Self {
        let mut schemas = Self::default();
        let list = Path::root().key("platform").key("crd_schemas");
        let Some(NodeValue::Array(patterns)) = ctx.node(&list).map(|n| n.value.clone()) else {
            return schemas;
        };
        let mut read = std::collections::HashSet::new();
        for pattern in &patterns {
            let files = match attached.files(pattern) {
                Ok(f) => f,
                Err(why) => {
                    let shown = match &pattern.value {
                        NodeValue::String(s) => s.as_str(),
                        _ => "",
                    };
                    ctx.push(crate::expand::pattern_error(
                        why,
                        codes::MANIFEST_FILE,
                        pattern.span,
                        &format!("crd_schemas `{shown}`"),
                        "no schemas here",
                        "patterns are relative to this file, e.g. `schemas/crds/*.json`",
                    ));
                    continue;
                }
            };
            // A file two patterns match is read once.
            for file in files {
                if read.insert(*file) {
                    schemas.add(ctx, attached, *file);
                }
            }
        }
        schemas
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
        let key = (api_version.clone(), kind.to_ascii_lowercase());
        if let Some((_, first)) = self.by_kind.get(&key) {
            let first = Span::new(*first, 0..0);
            ctx.push(
                Diagnostic::error(
                    codes::CRD_SCHEMA,
                    at,
                    format!("a second schema for {kind} `{api_version}`"),
                )
                .with_label("second schema")
                .with_related(Some(first), "first schema")
                .with_help("keep one schema per kind and version"),
            );
            return;
        }
        self.by_kind.insert(key, (Arc::new(schema), file));
    }
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
