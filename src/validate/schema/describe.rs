//! What a schema violation means to the user: each error of the validator as a diagnostic at
//! the TOML key or value its instance path names, in the words of platform.toml (unknown keys
//! with a did-you-mean, types, required keys, choices, ranges).

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value;

use super::{Violation, schema};
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::syntax::{Document, Node, NodeValue, Path, Seg};

/// The violations one error of the validator stands for. An `anyOf` (a value that may be a
/// string or a table) that fails is explained by the branch of the value's own type, whose
/// errors say what is wrong inside it; when no branch has that type, by a type error naming
/// them all.
pub(super) fn violation(
    doc: &Document,
    error: &jsonschema::ValidationError<'_>,
    at: &Path,
    schema_pointer: &str,
    near_misses: &NearMisses,
    out: &mut Vec<Violation>,
) {
    let path = instance_path(at, error);
    if let ValidationErrorKind::AnyOf { context } = error.kind() {
        let is_type_error = |e: &jsonschema::ValidationError<'_>| {
            matches!(e.kind(), ValidationErrorKind::Type { .. })
                && e.instance_path() == error.instance_path()
        };
        if let Some(branch) = context
            .iter()
            .find(|branch| !branch.iter().all(is_type_error))
        {
            for e in branch {
                violation(doc, e, at, schema_pointer, near_misses, out);
            }
            return;
        }
        let expected: Vec<String> = context
            .iter()
            .flatten()
            .filter_map(|e| match e.kind() {
                ValidationErrorKind::Type {
                    kind: TypeKind::Single(t),
                } => Some(type_words(&t.to_string())),
                _ => None,
            })
            .collect();
        if !expected.is_empty() {
            let segs = path.segs();
            let found = doc.type_name(segs).unwrap_or("something else");
            let found = match found {
                "integer" | "array" => format!("an {found}"),
                other => format!("a {other}"),
            };
            let expected = expected.join(" or ");
            out.push(Violation {
                diagnostic: Diagnostic::error(
                    codes::WRONG_TYPE,
                    doc.value_span(segs),
                    format!("`{path}` must be {expected}, found {found}"),
                )
                .with_label(format!("expected {expected}")),
                path,
            });
            return;
        }
    }
    let schema_here = schema_at(&format!("{schema_pointer}{}", error.schema_path().as_str()));
    for (path, diagnostic) in describe(
        doc,
        &path,
        error.kind(),
        schema_here,
        &error.to_string(),
        near_misses,
    ) {
        out.push(Violation { diagnostic, path });
    }
}

/// The document path of the value an error is about.
fn instance_path(at: &Path, error: &jsonschema::ValidationError<'_>) -> Path {
    let mut path = at.clone();
    path.0.extend(error.instance_path().iter().map(|s| match s {
        LocationSegment::Property(p) => Seg::Key(p.to_string().into()),
        LocationSegment::Index(i) => Seg::Index(i),
    }));
    path
}

/// Unknown keys that are near misses of a required key missing beside them (`shedule` where
/// `schedule` is missing), each with the key it stands for: one mistake, reported once, at the
/// unknown key.
pub(super) type NearMisses = std::collections::BTreeMap<(Path, String), String>;

/// The near misses among the errors of one validation of the value at `at`.
pub(super) fn near_misses(errors: &[jsonschema::ValidationError<'_>], at: &Path) -> NearMisses {
    // The required keys missing from each table.
    let mut missing: std::collections::BTreeMap<Path, Vec<String>> = Default::default();
    for error in errors {
        if let ValidationErrorKind::Required { property } = error.kind() {
            let key = property.as_str().unwrap_or_default().to_string();
            missing
                .entry(instance_path(at, error))
                .or_default()
                .push(key);
        }
    }
    let mut out = NearMisses::new();
    for error in errors {
        let ValidationErrorKind::AdditionalProperties { unexpected } = error.kind() else {
            continue;
        };
        let path = instance_path(at, error);
        let Some(wanted) = missing.get_mut(&path) else {
            continue;
        };
        for key in unexpected {
            if wanted.is_empty() {
                break;
            }
            // Each missing key stands for one unknown key at most: once taken, it is gone.
            if let Some(meant) = crate::diag::closest(key, wanted.iter().map(String::as_str)) {
                let meant = meant.to_string();
                wanted.retain(|k| *k != meant);
                out.insert((path.clone(), key.clone()), meant);
            }
        }
    }
    out
}

/// The schema object that holds the failing keyword (the path minus its last segment); for a
/// keyword of a `then` (a pipeline's `schedule`, required unless it has `after`), the object
/// the `then` belongs to, which documents the key.
fn schema_at(pointer: &str) -> Option<&'static Value> {
    let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    let parent = parent.strip_suffix("/then").unwrap_or(parent);
    schema().pointer(parent)
}

fn describe(
    doc: &Document,
    path: &Path,
    kind: &ValidationErrorKind,
    schema_here: Option<&Value>,
    fallback: &str,
    near_misses: &NearMisses,
) -> Vec<(Path, Diagnostic)> {
    let segs = path.segs();
    let what = if segs.is_empty() {
        "the file".to_string()
    } else {
        format!("`{path}`")
    };
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let known: Vec<&str> = schema_here
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            // At most as many as a run shows, and then one that counts the rest: a table of a
            // million unknown keys is one mistake (a file that is not this config), not a
            // million diagnostics to hold.
            let shown = usize::try_from(crate::limits::get().diagnostics).unwrap_or(usize::MAX);
            let more = unexpected.len().saturating_sub(shown);
            let mut out: Vec<(Path, Diagnostic)> = unexpected
                .iter()
                .take(shown)
                .map(|key| {
                    let key_path = path.key(key.as_str());
                    if is_secret_table(segs) {
                        return (key_path.clone(), secret_value(doc, &key_path, key));
                    }
                    let meant = near_misses.get(&(path.clone(), key.clone()));
                    let help = match meant {
                        Some(m) => format!("did you mean `{m}`? (`{m}` is required here)"),
                        None => did_you_mean(key, known.iter().copied())
                            .unwrap_or_else(|| format!("valid keys here: {}", known.join(", "))),
                    };
                    let inside = if segs.is_empty() {
                        "at the top level".into()
                    } else {
                        format!("in {what}")
                    };
                    // A near miss stands for the missing key: it is the table's violation, so
                    // the table is left out of the semantic checks, as a missing key has it.
                    (
                        if meant.is_some() {
                            path.clone()
                        } else {
                            key_path.clone()
                        },
                        Diagnostic::error(
                            codes::UNKNOWN_KEY,
                            doc.key_span(key_path.segs()),
                            format!("unknown key `{key}` {inside}"),
                        )
                        .with_label("unknown key")
                        .with_help(help),
                    )
                })
                .collect();
            if more > 0 {
                let inside = if segs.is_empty() {
                    "at the top level".into()
                } else {
                    format!("in {what}")
                };
                let (loc, _) = doc.locate(segs);
                out.push((
                    path.clone(),
                    Diagnostic::error(
                        codes::UNKNOWN_KEY,
                        loc.key.unwrap_or(loc.value),
                        format!("and {more} more unknown keys {inside}"),
                    )
                    .with_label("in this table")
                    .with_help(format!(
                        "{shown} are reported one by one (`--limit diagnostics`); so many unknown keys say this file is not a platform.toml"
                    )),
                ));
            }
            out
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => type_words(&t.to_string()),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| type_words(&t.to_string()))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let found = doc.type_name(segs).unwrap_or("something else");
            let found = match found {
                "integer" | "array" => format!("an {found}"),
                other => format!("a {other}"),
            };
            vec![(
                path.clone(),
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    doc.value_span(segs),
                    format!("{what} must be {expected}, found {found}"),
                )
                .with_label(format!("expected {expected}")),
            )]
        }
        ValidationErrorKind::Required { property } => {
            let key = property.as_str().unwrap_or_default();
            if near_misses
                .iter()
                .any(|((p, _), meant)| p == path && meant == key)
            {
                return Vec::new();
            }
            let (loc, _) = doc.locate(segs);
            let span = loc.key.unwrap_or(loc.value);
            let inside = if segs.is_empty() {
                "the file".into()
            } else {
                format!("`{path}`")
            };
            let doc_line = schema_here
                .and_then(|s| s.pointer(&format!("/properties/{key}/description")))
                .and_then(Value::as_str)
                .map(|d| format!(" ({})", d.trim_end_matches('.')))
                .unwrap_or_default();
            vec![(
                path.clone(),
                Diagnostic::error(
                    codes::MISSING_KEY,
                    span,
                    format!("missing key `{key}` in {inside}"),
                )
                .with_label(format!("`{key}` is required here"))
                .with_help(format!("add `{key} = ...`{doc_line}")),
            )]
        }
        ValidationErrorKind::Enum { options } => {
            let valid: Vec<String> = options
                .as_array()
                .map(|o| {
                    o.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let got = doc_value_text(doc, segs);
            let mut help = format!("valid values: {}", valid.join(", "));
            if let Some(hint) = did_you_mean(&got.to_lowercase(), valid.iter().map(String::as_str))
            {
                help = format!("{hint} ({help})");
            }
            vec![(
                path.clone(),
                Diagnostic::error(
                    codes::INVALID_CHOICE,
                    doc.value_span(segs),
                    format!("invalid value `{got}` for {what}"),
                )
                .with_label("not one of the valid values")
                .with_help(help),
            )]
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            vec![(
                path.clone(),
                range(doc, segs, &what, format!("at least {limit}")),
            )]
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            vec![(
                path.clone(),
                range(doc, segs, &what, format!("at most {limit}")),
            )]
        }
        ValidationErrorKind::MinItems { limit } => {
            vec![(
                path.clone(),
                range(
                    doc,
                    segs,
                    &what,
                    format!("a list of at least {limit} item{}", plural(*limit)),
                ),
            )]
        }
        ValidationErrorKind::MaxItems { limit } => {
            vec![(
                path.clone(),
                range(
                    doc,
                    segs,
                    &what,
                    format!("a list of at most {limit} item{}", plural(*limit)),
                ),
            )]
        }
        _ => vec![(
            path.clone(),
            Diagnostic::error(
                codes::WRONG_TYPE,
                doc.value_span(segs),
                format!("{what}: {fallback}"),
            )
            .with_label("invalid here"),
        )],
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn range(doc: &Document, segs: &[Seg], what: &str, bound: String) -> Diagnostic {
    Diagnostic::error(
        codes::OUT_OF_RANGE,
        doc.value_span(segs),
        format!("{what} must be {bound}"),
    )
    .with_label(format!("must be {bound}"))
}

fn doc_value_text(doc: &Document, segs: &[Seg]) -> String {
    match doc.root.get(segs) {
        Some(Node {
            value: NodeValue::String(s),
            ..
        }) => s.clone(),
        Some(node) => node.to_json().to_string(),
        None => String::new(),
    }
}

fn type_words(json_type: &str) -> String {
    match json_type {
        "string" => "a string".into(),
        "integer" => "an integer".into(),
        "number" => "a number".into(),
        "boolean" => "a boolean (true or false)".into(),
        "array" => "an array".into(),
        "object" => "a table".into(),
        other => other.into(),
    }
}

/// Whether `segs` is `namespaces.NAME.secrets.SECRET`.
fn is_secret_table(segs: &[Seg]) -> bool {
    matches!(segs, [Seg::Key(a), _, Seg::Key(b), _] if &**a == "namespaces" && &**b == "secrets")
}

/// An unknown key in a secret's table: the place someone would write a value. It is refused
/// with where values come from instead.
fn secret_value(doc: &Document, key_path: &Path, key: &str) -> Diagnostic {
    Diagnostic::error(
        codes::SECRET_VALUE,
        doc.key_span(key_path.segs()),
        format!("`{key}` cannot be set on a secret: platform.toml never holds secret values"),
    )
    .with_label("no values here")
    .with_help(
        "a secret names where its values are: `store`, `data = { KEY = \"path/in/store#property\" }` \
         or `data_from = \"path/in/store\"`, and `refresh`; put the value itself into the store \
         (docs/secrets.md)",
    )
}
