//! What the user wrote: the TOML document with a span on every key and value, its JSON form for
//! schema validation, and the config types that mirror the file (unknown keys rejected).

pub mod config;
mod path;

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, FileId, Span, codes};
pub use path::{Path, Seg};

/// A parsed TOML file that remembers where every key and value came from.
pub struct Document {
    /// The file it was read from.
    pub file: FileId,
    /// The document as JSON, for schema validation and typed deserialisation.
    pub json: Value,
    root: Node,
}

/// Where a key/value pair sits in a file.
#[derive(Debug, Clone, Copy)]
pub struct Located {
    /// The key's span (`None` for array elements and the root).
    pub key: Option<Span>,
    /// The value's span.
    pub value: Span,
}

/// The span skeleton of the document: what JSON loses.
struct Node {
    key: Option<std::ops::Range<usize>>,
    value: std::ops::Range<usize>,
    type_name: &'static str,
    children: Children,
}

enum Children {
    Leaf,
    Table(BTreeMap<String, Node>),
    Array(Vec<Node>),
}

impl Document {
    /// Parses TOML, reporting every syntax error the parser can recover from.
    pub fn parse(file: FileId, text: &str) -> Result<Self, Vec<Diagnostic>> {
        let (root, errors) = DeTable::parse_recoverable(text);
        if !errors.is_empty() {
            return Err(errors
                .into_iter()
                .map(|e| {
                    let range = e.span().unwrap_or(0..0);
                    let message = e.message().trim();
                    let message = message.lines().next().unwrap_or("invalid TOML");
                    Diagnostic::error(
                        codes::TOML_SYNTAX,
                        Span::new(file, range),
                        format!("invalid TOML: {message}"),
                    )
                    .with_label("here")
                })
                .collect());
        }
        let span = root.span();
        let (json, children) = table(root.get_ref());
        let root = Node {
            key: None,
            value: span,
            type_name: "table",
            children,
        };
        Ok(Self { file, json, root })
    }

    fn walk(&self, path: &[Seg]) -> (&Node, usize) {
        let mut node = &self.root;
        for (depth, seg) in path.iter().enumerate() {
            let next = match (seg, &node.children) {
                (Seg::Key(k), Children::Table(t)) => t.get(k.as_str()),
                (Seg::Index(i), Children::Array(a)) => a.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, depth),
            }
        }
        (node, path.len())
    }

    /// Finds the deepest existing node along `path`: its key span and value span, and how many
    /// segments of `path` were matched.
    pub fn locate(&self, path: &[Seg]) -> (Located, usize) {
        let (node, depth) = self.walk(path);
        let located = Located {
            key: node.key.clone().map(|r| Span::new(self.file, r)),
            value: Span::new(self.file, node.value.clone()),
        };
        (located, depth)
    }

    /// The span of the value at `path` (or of the deepest ancestor that exists).
    pub fn value_span(&self, path: &[Seg]) -> Span {
        self.locate(path).0.value
    }

    /// The span of the key at `path`, falling back to its value (array elements) or the
    /// deepest ancestor that exists.
    pub fn key_span(&self, path: &[Seg]) -> Span {
        let (loc, _) = self.locate(path);
        loc.key.unwrap_or(loc.value)
    }

    /// The TOML type name of the value at `path` ("string", "integer", "table", ...).
    pub fn type_name(&self, path: &[Seg]) -> Option<&'static str> {
        let (node, depth) = self.walk(path);
        (depth == path.len()).then_some(node.type_name)
    }
}

fn table(t: &DeTable<'_>) -> (Value, Children) {
    let mut map = Map::with_capacity(t.len());
    let mut nodes = BTreeMap::new();
    for (k, v) in t {
        let (json, mut node) = value(v);
        node.key = Some(k.span());
        map.insert(k.get_ref().to_string(), json);
        nodes.insert(k.get_ref().to_string(), node);
    }
    (Value::Object(map), Children::Table(nodes))
}

fn value(v: &Spanned<DeValue<'_>>) -> (Value, Node) {
    let leaf = |type_name| Node {
        key: None,
        value: v.span(),
        type_name,
        children: Children::Leaf,
    };
    match v.get_ref() {
        DeValue::String(s) => (Value::String(s.to_string()), leaf("string")),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let json = match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Value::from(n),
                // Out of i64 range: still a number, so range checks report it.
                Err(_) => digits.parse::<f64>().map_or(Value::Null, Value::from),
            };
            (json, leaf("integer"))
        }
        DeValue::Float(f) => {
            let n = f.as_str().replace('_', "").parse::<f64>().ok();
            let json = n
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number);
            (json, leaf("float"))
        }
        DeValue::Boolean(b) => (Value::Bool(*b), leaf("boolean")),
        DeValue::Datetime(d) => {
            // An object, so a datetime never passes where a string is expected.
            let mut m = Map::new();
            m.insert("$datetime".into(), Value::String(d.to_string()));
            (Value::Object(m), leaf("datetime"))
        }
        DeValue::Array(a) => {
            let (items, nodes): (Vec<_>, Vec<_>) = a.iter().map(value).unzip();
            let mut node = leaf("array");
            node.children = Children::Array(nodes);
            (Value::Array(items), node)
        }
        DeValue::Table(t) => {
            let (json, children) = table(t);
            let mut node = leaf("table");
            node.children = children;
            (json, node)
        }
    }
}
