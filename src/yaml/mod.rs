//! What the user wrote in YAML: the manifests a namespace names (`manifests = ["GLOB"]`), as
//! trees of spanned values ([`Node`]), one per document of a file. It is the YAML twin of
//! [`syntax`](crate::syntax): every key and value keeps the span of its file and line, so a
//! manifest that Kubernetes would reject is reported where it was written.
//!
//! Scalars are read as `kubectl` reads them (sigs.k8s.io/yaml, YAML 1.1): `yes`, `on` and `y`
//! are booleans, `0644` is octal, `~` is null. [`de`] then reads a tree into a typed
//! Kubernetes object as strictly as `kubectl --validate=strict`, and [`kinds`] knows which
//! kinds are built in.

mod build;
pub mod crd;
pub mod de;
pub mod fast;
pub mod kinds;
mod scalar;
pub mod schema;
pub mod secrets;

use serde_json::{Map, Value as Json};

use crate::diag::{Diagnostic, FileId, Span};
pub use build::parse;

/// A value with the span of its key (in a mapping) and of itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The key's span (`None` for sequence items and document roots).
    pub key: Option<Span>,
    /// The value's span.
    pub span: Span,
    /// The value.
    pub value: Value,
}

/// A YAML value whose children are [`Node`]s.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true`, `yes`, `on`, ... (YAML 1.1, as kubectl reads them).
    Bool(bool),
    /// An integer that fits i64.
    Int(i64),
    /// Any other number (`1.5`, `1e3`, an integer beyond i64).
    Float(f64),
    /// A string: quoted, a block scalar, or a plain scalar that is nothing else.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in the order written; keys are unique.
    Map(Vec<(String, Node)>),
}

/// One step of a path into a document (`spec.template.spec.containers[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl Node {
    /// A node at `span` (no key).
    pub fn new(span: Span, value: Value) -> Self {
        Self {
            key: None,
            span,
            value,
        }
    }

    /// What this value is, in words ("a string", "a mapping", ...).
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The deepest node along `path` and how many steps of it exist: the place to point at
    /// for something wrong at `path` (or missing there).
    pub fn locate(&self, path: &[Step]) -> (&Node, usize) {
        let mut node = self;
        for (depth, step) in path.iter().enumerate() {
            let next = match (step, &node.value) {
                (Step::Key(k), Value::Map(entries)) => {
                    entries.iter().find(|(key, _)| key == k).map(|(_, v)| v)
                }
                (Step::Index(i), Value::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, depth),
            }
        }
        (node, path.len())
    }

    /// The span to point at for `path`: the key of the value there when it exists and has one
    /// (`at_key`), else its value, else the deepest part of the path that exists. A mapping is
    /// pointed at by one line, not all of them: see [`Node::anchor`].
    pub fn span_at(&self, path: &[Step], at_key: bool) -> Span {
        let (node, depth) = self.locate(path);
        match node.key {
            Some(key) if at_key && depth == path.len() => key,
            Some(key) if depth < path.len() && matches!(node.value, Value::Map(_)) => key,
            _ => node.anchor(),
        }
    }

    /// One line that stands for this value: a mapping's `name` (a container, a volume), else
    /// its first key; anything else is its own span.
    pub fn anchor(&self) -> Span {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.span)
                .or_else(|| entries.first().and_then(|(_, v)| v.key))
                .unwrap_or(self.span),
            _ => self.span,
        }
    }

    /// The JSON form (numbers that JSON cannot hold, NaN and infinities, become null).
    pub fn to_json(&self) -> Json {
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.clone()),
            Value::Seq(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<Map<String, Json>>(),
            ),
        }
    }

    /// [`Node::to_json`], taking the tree's strings instead of copying them.
    pub fn into_json(self) -> Json {
        match self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Int(i) => Json::from(i),
            Value::Float(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s),
            Value::Seq(items) => Json::Array(items.into_iter().map(Node::into_json).collect()),
            Value::Map(entries) => Json::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, v.into_json()))
                    .collect::<Map<String, Json>>(),
            ),
        }
    }

    /// A tree of `json` in which every node points at `span` (a patch's result: the values
    /// came from the patch, or from the object it was applied to). It takes the strings over.
    pub fn from_json(json: Json, span: Span) -> Self {
        let value = match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => Value::String(s),
            Json::Array(items) => Value::Seq(
                items
                    .into_iter()
                    .map(|i| Node::from_json(i, span))
                    .collect(),
            ),
            Json::Object(map) => Value::Map(
                map.into_iter()
                    .map(|(k, v)| {
                        let mut node = Node::from_json(v, span);
                        node.key = Some(span);
                        (k, node)
                    })
                    .collect(),
            ),
        };
        Node::new(span, value)
    }
}

/// One document of a YAML file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it is in.
    pub file: FileId,
    /// Its root value.
    pub root: Node,
}

/// What a YAML file holds: its non-empty documents, in order.
pub type Documents = Result<Vec<Document>, Vec<Diagnostic>>;

#[cfg(test)]
mod tests {
    #[test]
    fn into_json_is_to_json() {
        let text = "a: 1\nb: [x, 2.5, true, ~, 1e400]\nc: {d: 'e', f: {}}\n---\n- 1\n- [2]\n";
        let docs = super::parse(crate::diag::FileId(0), text).unwrap();
        assert_eq!(docs.len(), 2);
        for doc in docs {
            assert_eq!(doc.root.to_json(), doc.root.clone().into_json());
        }
    }
}
