//! What the user wrote: TOML documents as trees of spanned values ([`Node`]), their JSON form
//! for schema validation, and the config types that mirror the file (unknown keys rejected).
//! A span names its file, so a tree merged from several files (includes, templates) still
//! points every value at the line it came from.

pub mod config;
mod de;
mod events;
mod path;
mod split;
mod table;

use serde_json::{Map, Value};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, FileId, Span, codes};
pub use path::{Path, Seg};
pub use table::Table;

/// A value with the span of its key (when it has one) and of itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The key's span (`None` for array elements and roots).
    pub key: Option<Span>,
    /// The value's span.
    pub span: Span,
    /// The value.
    pub value: NodeValue,
}

/// A TOML value whose children are [`Node`]s.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// A string.
    String(String),
    /// An integer (`None`: outside i64).
    Integer(Option<i64>),
    /// A float (`None`: NaN or infinite).
    Float(Option<f64>),
    /// A boolean.
    Boolean(bool),
    /// A date/time, as written.
    Datetime(String),
    /// An array.
    Array(Vec<Node>),
    /// A table, keys sorted.
    Table(Table),
}

impl Node {
    /// The TOML type name ("string", "integer", "table", ...).
    pub fn type_name(&self) -> &'static str {
        match self.value {
            NodeValue::String(_) => "string",
            NodeValue::Integer(_) => "integer",
            NodeValue::Float(_) => "float",
            NodeValue::Boolean(_) => "boolean",
            NodeValue::Datetime(_) => "datetime",
            NodeValue::Array(_) => "array",
            NodeValue::Table(_) => "table",
        }
    }

    /// The table entries, when this is a table.
    pub fn table(&self) -> Option<&Table> {
        match &self.value {
            NodeValue::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The table entries, mutably.
    pub fn table_mut(&mut self) -> Option<&mut Table> {
        match &mut self.value {
            NodeValue::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The node at `path` below this one.
    pub fn get(&self, path: &[Seg]) -> Option<&Node> {
        let mut node = self;
        for seg in path {
            node = match (seg, &node.value) {
                (Seg::Key(k), NodeValue::Table(t)) => t.get(&**k)?,
                (Seg::Index(i), NodeValue::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The node at `path` below this one, mutably.
    pub fn get_mut(&mut self, path: &[Seg]) -> Option<&mut Node> {
        let mut node = self;
        for seg in path {
            node = match (seg, &mut node.value) {
                (Seg::Key(k), NodeValue::Table(t)) => t.get_mut(&**k)?,
                (Seg::Index(i), NodeValue::Array(a)) => a.get_mut(*i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The JSON form. A datetime becomes `{"$datetime": "..."}` so it never passes as a string;
    /// an out-of-range number becomes a float or null so range checks report it.
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::String(s) => Value::String(s.clone()),
            NodeValue::Integer(Some(n)) => Value::from(*n),
            NodeValue::Integer(None) => Value::from(f64::MAX),
            NodeValue::Float(f) => f
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            NodeValue::Boolean(b) => Value::Bool(*b),
            NodeValue::Datetime(d) => {
                let mut m = Map::new();
                m.insert("$datetime".into(), Value::String(d.clone()));
                Value::Object(m)
            }
            NodeValue::Array(a) => Value::Array(a.iter().map(Node::to_json).collect()),
            NodeValue::Table(t) => {
                Value::Object(t.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// The (possibly merged) config document: its spanned tree. The typed config deserialises
/// from the tree itself; the JSON form ([`Node::to_json`]) is made only for the schema check.
pub struct Document {
    /// The main file.
    pub file: FileId,
    /// The spanned tree.
    pub root: Node,
    /// Problems expansion found that leave the rest checkable (an override dropped because it
    /// is for a cluster the namespace is not on, ...): reported with what validation finds.
    pub problems: Vec<Diagnostic>,
}

/// Where a key/value pair sits.
#[derive(Debug, Clone, Copy)]
pub struct Located {
    /// The key's span (`None` for array elements and the root).
    pub key: Option<Span>,
    /// The value's span.
    pub value: Span,
}

/// Parses one TOML file into a spanned tree, reporting every syntax error the parser can
/// recover from. A large file is parsed in pieces on all cores when it cuts cleanly (see
/// `split`); the tree is the same either way.
pub fn parse_file(file: FileId, text: &str) -> Result<Node, Vec<Diagnostic>> {
    match split::parse(file, text) {
        Some(root) => Ok(root),
        None => parse_text(file, text, 0),
    }
}

/// The tree of `text`, which starts `base` bytes into the file (a whole file, or a piece of
/// one): built from the parser's events when it is one of the plain shapes [`events`] takes,
/// through `toml`'s document otherwise.
fn parse_text(file: FileId, text: &str, base: usize) -> Result<Node, Vec<Diagnostic>> {
    match events::parse(file, text, base) {
        Some(root) => Ok(root),
        None => parse_detable(file, text, base),
    }
}

/// [`parse_text`] through `toml`'s document, which judges every document and reports its
/// errors.
fn parse_detable(file: FileId, text: &str, base: usize) -> Result<Node, Vec<Diagnostic>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|e| {
                let range = e.span().unwrap_or(0..0);
                let message = e.message().trim();
                let message = message.lines().next().unwrap_or("invalid TOML");
                // A stray control character (a NUL pasted into a line) is named as what it is.
                let control = text
                    .get(range.start..)
                    .and_then(|t| t.chars().next())
                    .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
                match control {
                    Some(c) => Diagnostic::error(
                        codes::TOML_SYNTAX,
                        shifted(file, range.start..range.start + c.len_utf8(), base),
                        format!("invalid TOML: control character U+{:04X} is not allowed", c as u32),
                    )
                    .with_label("control character")
                    .with_help("TOML text holds no control characters but tab and line breaks; delete it (write `\\u0000` for one inside a string)"),
                    None => Diagnostic::error(
                        codes::TOML_SYNTAX,
                        shifted(file, range, base),
                        format!("invalid TOML: {message}"),
                    )
                    .with_label("here"),
                }
            })
            .collect());
    }
    Ok(Node {
        key: None,
        span: shifted(file, root.span(), base),
        value: table(file, root.get_ref(), base),
    })
}

impl Document {
    /// A document from a (merged) tree.
    pub fn new(file: FileId, root: Node) -> Self {
        Self {
            file,
            root,
            problems: Vec::new(),
        }
    }

    /// How many namespaces the document has (0 when `namespaces` is not a table).
    pub fn namespace_count(&self) -> usize {
        self.root
            .table()
            .and_then(|root| root.get("namespaces"))
            .and_then(Node::table)
            .map_or(0, |namespaces| namespaces.len())
    }

    fn walk(&self, path: &[Seg]) -> (&Node, usize) {
        let mut node = &self.root;
        for (depth, seg) in path.iter().enumerate() {
            let next = match (seg, &node.value) {
                (Seg::Key(k), NodeValue::Table(t)) => t.get(&**k),
                (Seg::Index(i), NodeValue::Array(a)) => a.get(*i),
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
        (
            Located {
                key: node.key,
                value: node.span,
            },
            depth,
        )
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
        (depth == path.len()).then(|| node.type_name())
    }
}

/// The tree of a parsed table whose text starts `base` bytes into the file.
fn table(file: FileId, t: &DeTable<'_>, base: usize) -> NodeValue {
    NodeValue::Table(
        t.iter()
            .map(|(k, v)| {
                let mut node = value(file, v, base);
                node.key = Some(shifted(file, k.span(), base));
                (k.get_ref().to_string(), node)
            })
            .collect(),
    )
}

fn shifted(file: FileId, range: std::ops::Range<usize>, base: usize) -> Span {
    Span::new(file, range.start + base..range.end + base)
}

fn value(file: FileId, v: &Spanned<DeValue<'_>>, base: usize) -> Node {
    let value = match v.get_ref() {
        DeValue::String(s) => NodeValue::String(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            NodeValue::Integer(i64::from_str_radix(&digits, i.radix()).ok())
        }
        DeValue::Float(f) => NodeValue::Float(
            f.as_str()
                .replace('_', "")
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite()),
        ),
        DeValue::Boolean(b) => NodeValue::Boolean(*b),
        DeValue::Datetime(d) => NodeValue::Datetime(d.to_string()),
        DeValue::Array(a) => NodeValue::Array(a.iter().map(|x| value(file, x, base)).collect()),
        DeValue::Table(t) => table(file, t, base),
    };
    Node {
        key: None,
        span: shifted(file, v.span(), base),
        value,
    }
}

/// The configs of the repository (seed, examples, golden fixtures), for tests that check two
/// ways of reading a document agree.
#[cfg(test)]
pub(crate) fn repository_configs() -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("platform.toml"),
        root.join("examples/hundred-tenants-longhand/platform.toml"),
    ];
    for dir in std::fs::read_dir(root.join("tests/golden")).unwrap() {
        files.push(dir.unwrap().path().join("platform.toml"));
    }
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect()
}

/// The document validation reads of the config at `path`: expanded (includes, templates,
/// per-cluster overrides, variables), or as parsed where expansion fails; `None` when it does
/// not parse. Tests of what the typed config and the schema read use it, since they only ever
/// read expanded documents (an override's `on.CLUSTER` is a whole namespace once expanded).
#[cfg(test)]
pub(crate) fn expanded(path: &std::path::Path, text: &str) -> Option<Node> {
    let mut sources = crate::diag::SourceMap::default();
    let main = sources.add(path.display().to_string(), text);
    let root = crate::fs::Root::find(path).ok();
    let loader = root.as_ref().map(crate::fs::DiskLoader::new);
    let expanded = loader
        .as_ref()
        .and_then(|l| crate::expand::expand(main, &mut sources, l).ok());
    match expanded {
        Some((doc, _)) => Some(doc.root),
        None => parse_file(FileId(0), text).ok(),
    }
}

/// The configs of the invalid and fuzz corpora (`tests/invalid`, `tests/fuzz-corpus`), for
/// tests that check two ways of reading a document agree on bad input too.
#[cfg(test)]
pub(crate) fn corpus_configs() -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut configs = Vec::new();
    for dir in ["tests/invalid", "tests/fuzz-corpus"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                configs.push((path, text));
            }
        }
    }
    configs
}
