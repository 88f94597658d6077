//! The JSON Schema of platform.toml (generated from `syntax::config`) and the mapping of its
//! violations back to the exact TOML key or value, through the instance path.

mod describe;

use std::sync::OnceLock;

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::diag::Diagnostic;
use crate::syntax::config::Config;
use crate::syntax::{Document, Node, NodeValue, Path, Seg};

/// The schema as `platc schema` prints it (pretty JSON, trailing newline): [`schema`], where an
/// entry of a named table in `on.CLUSTER` may also be `false` (which removes it there; the
/// expanded document that validation checks holds no such `false`).
pub fn schema_text() -> String {
    let mut editor = schema().clone();
    let named = editor.pointer_mut(&format!(
        "{NAMESPACE_SCHEMA}/properties/on/additionalProperties/properties"
    ));
    if let Some(Value::Object(tables)) = named {
        for table in crate::syntax::config::NAMED_TABLES {
            if let Some(entry) = tables
                .get_mut(table)
                .and_then(|t| t.get_mut("additionalProperties"))
            {
                let own = entry.take();
                *entry = serde_json::json!({
                    "anyOf": [own, { "const": false, "description": "removes the entry on this cluster" }]
                });
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&editor).unwrap_or_default();
    text.push('\n');
    text
}

/// The schema as JSON.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = SchemaSettings::draft2020_12()
            .with(|s| s.inline_subschemas = true)
            .into_generator()
            .into_root_schema_for::<Config>();
        let mut value = schema.to_value();
        strip_null(&mut value);
        enums(&mut value);
        if let Value::Object(map) = &mut value {
            map.insert(
                "$id".into(),
                "https://platc.dev/schemas/platform.schema.json".into(),
            );
        }
        value
    })
}

/// Optional fields are simply absent in TOML (there is no null), so drop schemars' `null`
/// branches; left in, every nested error collapses into "not valid under any of the schemas".
fn strip_null(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types[0].clone();
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(branches)) = map.get("anyOf") {
                let rest: Vec<Value> = branches
                    .iter()
                    .filter(|b| b.get("type") != Some(&Value::from("null")))
                    .cloned()
                    .collect();
                if rest.len() == 1 && branches.len() == 2 {
                    map.remove("anyOf");
                    if let Value::Object(inner) = rest[0].clone() {
                        for (k, v) in inner {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
            }
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            if let Some(Value::Array(options)) = map.get_mut("enum") {
                options.retain(|o| !o.is_null());
            }
            map.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// schemars writes a documented unit enum as `oneOf` of `const`s; a plain `enum` gives
/// editors a completion list and users one "valid values: ..." error instead of a `oneOf` one.
fn enums(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let consts: Option<Vec<Value>> = map
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|branches| branches.iter().map(|b| b.get("const").cloned()).collect());
            if let Some(consts) = consts {
                let docs: Vec<String> = map["oneOf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|b| {
                        Some(format!(
                            "`{}`: {}",
                            b.get("const")?.as_str()?,
                            b.get("description")?.as_str()?
                        ))
                    })
                    .collect();
                map.remove("oneOf");
                map.insert("type".into(), "string".into());
                map.insert("enum".into(), Value::Array(consts));
                if !docs.is_empty() && !map.contains_key("description") {
                    map.insert("description".into(), docs.join("; ").into());
                }
            }
            map.values_mut().for_each(enums);
        }
        Value::Array(items) => items.iter_mut().for_each(enums),
        _ => {}
    }
}

/// The deepest part of `path` (itself or an ancestor) that can be dropped from the document
/// without making it invalid: an optional key or an entry of a named table. `None` when only
/// the whole file would do. Array elements are never dropped (later indices would shift).
pub fn removable_prefix(path: &Path) -> Option<Path> {
    let mut node = schema();
    let mut best = None;
    for (depth, seg) in path.segs().iter().enumerate() {
        // Inside a value of several shapes (a string or a table) the branch is unknown here:
        // the whole value goes.
        if node.get("anyOf").is_some() {
            break;
        }
        match seg {
            Seg::Key(k) => {
                let (child, optional) = if let Some(c) =
                    node.get("properties").and_then(|p| p.get(&**k))
                {
                    let required = node
                        .get("required")
                        .and_then(Value::as_array)
                        .is_some_and(|r| r.iter().any(|x| x == &**k));
                    (c, !required)
                } else if let Some(c) = node.get("additionalProperties").filter(|c| c.is_object()) {
                    (c, true)
                } else {
                    // An unknown key: dropping it is always fine.
                    return Some(Path(path.segs()[..=depth].to_vec()));
                };
                if optional {
                    best = Some(Path(path.segs()[..=depth].to_vec()));
                }
                node = child;
            }
            Seg::Index(_) => match node.get("items") {
                Some(items) => node = items,
                None => break,
            },
        }
    }
    best
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::options()
            .build(schema())
            .unwrap_or_else(|e| panic!("the generated schema does not compile: {e}"))
    })
}

/// The validator of one namespace's table.
fn namespace_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema = schema()
            .pointer(NAMESPACE_SCHEMA)
            .unwrap_or_else(|| panic!("the schema has no {NAMESPACE_SCHEMA}"));
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(schema)
            .unwrap_or_else(|e| panic!("the namespace schema does not compile: {e}"))
    })
}

/// One schema violation: the diagnostic and the path of the value it is about.
pub struct Violation {
    /// The located diagnostic.
    pub diagnostic: Diagnostic,
    /// The offending value's path.
    pub path: Path,
}

/// Where the schema of one namespace sits in the schema of the file.
const NAMESPACE_SCHEMA: &str = "/properties/namespaces/additionalProperties";

/// Below this many namespaces the file is checked whole, on one thread: the namespaces' own
/// validator would be built for nothing.
const NAMESPACES_PER_THREAD: usize = 64;

/// Every schema violation of the document, located.
///
/// A large platform's namespaces are checked one by one against their own part of the schema,
/// on all cores, and the rest of the file without them: a JSON copy of the whole file would be
/// built on one thread and held at once. The violations are the same as the whole file's (the
/// schema is inlined, nothing refers across), in another order that diagnostics sort away.
pub fn check(doc: &Document) -> Vec<Violation> {
    check_split(doc, NAMESPACES_PER_THREAD)
}

/// The whole file against the whole schema.
fn check_whole(doc: &Document) -> Vec<Violation> {
    violations(doc, validator(), &doc.root.to_json(), &Path::root(), "")
}

/// [`check`], checking the namespaces apart from the rest from `split_from` namespaces on.
fn check_split(doc: &Document, split_from: usize) -> Vec<Violation> {
    let namespaces = match &doc.root.value {
        NodeValue::Table(root) => match root.get("namespaces").map(|n| &n.value) {
            Some(NodeValue::Table(namespaces)) if namespaces.len() >= split_from => {
                Some((root, namespaces))
            }
            _ => None,
        },
        _ => None,
    };
    let Some((root, namespaces)) = namespaces else {
        return check_whole(doc);
    };
    let rest = Value::Object(
        root.iter()
            .map(|(k, v)| {
                let json = if k == "namespaces" {
                    Value::Object(serde_json::Map::new())
                } else {
                    v.to_json()
                };
                (k.clone(), json)
            })
            .collect(),
    );
    let mut out = violations(doc, validator(), &rest, &Path::root(), "");
    let entries: Vec<(&String, &Node)> = namespaces.iter().collect();
    let each = crate::par::map(&entries, NAMESPACES_PER_THREAD, |(name, namespace)| {
        let at = Path::root().key("namespaces").key(name.as_str());
        let json = namespace.to_json();
        violations(doc, namespace_validator(), &json, &at, NAMESPACE_SCHEMA)
    });
    out.extend(each.into_iter().flatten());
    out
}

/// The violations of `json`, the value at `at` in the document, checked by `validator`, the
/// schema at `schema_pointer` in the whole schema.
fn violations(
    doc: &Document,
    validator: &jsonschema::Validator,
    json: &Value,
    at: &Path,
    schema_pointer: &str,
) -> Vec<Violation> {
    let errors: Vec<jsonschema::ValidationError<'_>> = validator.iter_errors(json).collect();
    let near_misses = describe::near_misses(&errors, at);
    let mut out = Vec::new();
    for error in &errors {
        describe::violation(doc, error, at, schema_pointer, &near_misses, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    /// The diagnostics of `check_split` from `split_from` namespaces on, sorted.
    fn sorted(doc: &Document, split_from: usize) -> Vec<Diagnostic> {
        let mut diags: Vec<Diagnostic> = check_split(doc, split_from)
            .into_iter()
            .map(|v| v.diagnostic)
            .collect();
        crate::diag::sort(&mut diags);
        diags
    }

    /// Checking the namespaces apart (as large platforms are) finds exactly what checking the
    /// whole file (as small ones are) finds, on every config in the repository that parses:
    /// the repository's own ([`crate::syntax::repository_configs`]) and the invalid and fuzz
    /// corpora ([`crate::syntax::corpus_configs`]).
    #[test]
    fn checking_namespaces_apart_finds_what_the_whole_file_check_finds() {
        let mut configs = crate::syntax::repository_configs();
        configs.extend(crate::syntax::corpus_configs());
        let (mut compared, mut with_violations) = (0, 0);
        for (path, text) in configs {
            let Ok(root) = crate::syntax::parse_file(FileId(0), &text) else {
                continue;
            };
            let doc = Document::new(FileId(0), root);
            let whole = sorted(&doc, usize::MAX);
            assert_eq!(sorted(&doc, 0), whole, "{}", path.display());
            compared += 1;
            with_violations += usize::from(!whole.is_empty());
        }
        assert!(
            compared >= 50 && with_violations >= 15,
            "{compared} configs, {with_violations} with violations"
        );
    }

    /// Every path of a node below `node` (`node` itself included), in document order.
    fn all_paths(node: &Node, at: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        out.push(at.clone());
        match &node.value {
            NodeValue::Table(t) => {
                for (k, child) in t.iter() {
                    at.push(Seg::Key(k.as_str().into()));
                    all_paths(child, at, out);
                    at.pop();
                }
            }
            NodeValue::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    at.push(Seg::Index(i));
                    all_paths(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }

    /// `validate` skips the schema on a document the typed config reads, so whatever the typed
    /// config reads, the schema must accept. Every config of the repository and of the corpora,
    /// with one change at a time at every place in it: its value replaced by one of each TOML
    /// type (and edge values: negative, beyond u16, beyond i64, a whole float), an unknown key
    /// added to a table, an element added to an array, a key dropped.
    #[test]
    fn the_schema_accepts_what_the_typed_config_reads() {
        use crate::syntax::config::Config;

        let at = |value: NodeValue| Node {
            key: None,
            span: crate::diag::Span::new(FileId(0), 0..0),
            value,
        };
        let string = || at(NodeValue::String("x".into()));
        let one_entry = || {
            let mut t = crate::syntax::Table::default();
            t.insert("x".into(), string());
            t
        };
        let replacements = [
            NodeValue::String("x".into()),
            NodeValue::String(String::new()),
            NodeValue::Integer(Some(-1)),
            NodeValue::Integer(Some(0)),
            NodeValue::Integer(Some(70_000)),
            NodeValue::Integer(None),
            NodeValue::Float(Some(1.0)),
            NodeValue::Float(Some(1.5)),
            NodeValue::Float(None),
            NodeValue::Boolean(true),
            NodeValue::Datetime("1979-05-27".into()),
            NodeValue::Array(Vec::new()),
            NodeValue::Array(vec![string()]),
            NodeValue::Table(Default::default()),
            NodeValue::Table(one_entry()),
        ];
        let mut configs = crate::syntax::repository_configs();
        configs.extend(crate::syntax::corpus_configs());
        let (mut tried, mut read) = (0, 0);
        for (file, text) in configs {
            // A hundred namespaces of the same shape: the small configs hold every shape.
            if text.len() > 64 * 1024 {
                continue;
            }
            let Some(root) = crate::syntax::expanded(&file, &text) else {
                continue;
            };
            let mut paths = Vec::new();
            all_paths(&root, &mut Vec::new(), &mut paths);
            let mut check = |changed: Node, what: &dyn Fn() -> String| {
                tried += 1;
                if Config::read(&changed).is_ok() {
                    read += 1;
                    let json = changed.to_json();
                    let errors: Vec<String> = validator()
                        .iter_errors(&json)
                        .map(|e| e.to_string())
                        .collect();
                    assert!(
                        errors.is_empty(),
                        "{}: {}: the typed config reads it, the schema does not: {errors:?}",
                        file.display(),
                        what()
                    );
                }
            };
            for path in &paths {
                let shown = || Path(path.clone()).to_string();
                for value in &replacements {
                    let mut changed = root.clone();
                    changed.get_mut(path).unwrap().value = value.clone();
                    check(changed, &|| format!("`{}` = {value:?}", shown()));
                }
                let mut changed = root.clone();
                let grown = match &mut changed.get_mut(path).unwrap().value {
                    NodeValue::Table(t) => t.insert("zz-unknown".into(), string()).is_none(),
                    NodeValue::Array(items) => {
                        let copy = items.first().cloned().unwrap_or_else(string);
                        items.push(copy);
                        true
                    }
                    _ => false,
                };
                if grown {
                    check(changed, &|| format!("`{}` grown", shown()));
                }
                if let Some((Seg::Key(last), parent)) = path.split_last() {
                    let mut changed = root.clone();
                    if let NodeValue::Table(t) = &mut changed.get_mut(parent).unwrap().value {
                        t.remove(&**last);
                    }
                    check(changed, &|| format!("`{}` dropped", shown()));
                }
            }
        }
        assert!(
            tried > 25_000 && read > 3_000,
            "{tried} changed documents, {read} read by the typed config"
        );
    }
}
