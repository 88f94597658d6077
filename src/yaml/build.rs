//! The spanned tree of a YAML file, built from the events of granit-parser (the YAML 1.2
//! parser serde-saphyr is built on, already in platc's tree through it).
//!
//! Beyond the parser's own checks: a key written twice in one mapping is an error (kubectl's
//! strict decoding refuses it too); a key must be a scalar; anchors, aliases and `<<` merge
//! keys work as in go-yaml, but what a file expands to is bounded, in values and in bytes
//! (`--limit yaml-values` and `yaml-bytes`, [`crate::limits`]), each alias counted at what it
//! repeats and checked before it is copied: a "billion laughs" file, or a thousand aliases of a
//! megabyte string, is an error, not an exhausted machine.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::{Document, Documents, Node, Value, scalar};
use crate::diag::{Diagnostic, FileId, Span, codes};

/// Nesting deeper than this is refused (the parser's own limit is 255 per style).
const MAX_DEPTH: usize = 200;

/// Parses every document of `text` (file `file`). Empty documents (only comments, `---` with
/// nothing after it, or `null`) are skipped, as kubectl skips them.
pub fn parse(file: FileId, text: &str) -> Documents {
    parse_with(file, text, true)
}

/// [`parse`], through the fast reader when it takes `text` (`fast`) or always through
/// granit-parser. Both give the same documents; tests compare them.
pub(crate) fn parse_with(file: FileId, text: &str, fast: bool) -> Documents {
    parse_limited(file, text, fast, crate::limits::get())
}

/// [`parse_with`] under `limits` (its `yaml-values` and `yaml-bytes`).
pub(crate) fn parse_limited(
    file: FileId,
    text: &str,
    fast: bool,
    limits: crate::limits::Limits,
) -> Documents {
    let mut builder = Builder {
        file,
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        size: Size::default(),
        max: Size {
            values: limits.yaml_values,
            bytes: limits.yaml_bytes,
        },
        aliased: false,
        finished: Vec::new(),
        errors: Vec::new(),
    };
    // The fast reader keeps every event of the file before the first is used; a file with
    // more values than the builder takes is left to granit-parser, whose events are used as
    // they come, so the builder stops it at the bound (a file of millions of tiny documents).
    let fast_events = fast
        .then(|| super::fast::events(text, limits.yaml_values))
        .flatten();
    if let Some(events) = fast_events {
        for (event, start, end) in events {
            let span = builder.span(Some(start), Some(end));
            if builder.event(event, span).is_err() {
                break;
            }
        }
    } else {
        let mut parser = Parser::new_from_str(text);
        loop {
            match parser.next_event() {
                None => break,
                Some(Ok((event, span))) => {
                    let span = builder.span(span.start.byte_offset(), span.end.byte_offset());
                    if builder.event(event, span).is_err() {
                        break;
                    }
                }
                Some(Err(e)) => {
                    builder.scan_error(&e);
                    break;
                }
            }
        }
    }
    if builder.errors.is_empty() {
        Ok(builder.finished)
    } else {
        Err(builder.errors)
    }
}

/// A collection being read.
enum Open {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<(String, Node)>,
        /// The entries by key, once there are more than a few: a key written twice is found
        /// without a scan of the others (a mapping of 100,000 keys was quadratic).
        index: Option<HashMap<String, usize>>,
        /// The key read, waiting for its value: its text, span, and whether it is `<<`.
        key: Option<(String, Span, bool)>,
        /// Mappings merged in with `<<`, in order.
        merged: Vec<Node>,
    },
}

/// Entries a mapping holds before they are indexed by key.
const INDEXED_FROM: usize = 16;

/// What a tree (or the file so far) holds: values, and bytes of keys and scalars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Size {
    values: u64,
    bytes: u64,
}

impl Size {
    /// What a tree holds, its keys counted as values too (as they were when read).
    fn of(node: &Node) -> Self {
        let mut size = Size {
            values: 1,
            bytes: scalar_bytes(&node.value),
        };
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|i| size.add(Size::of(i))),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                size.add(Size {
                    values: 1,
                    bytes: k.len() as u64,
                });
                size.add(Size::of(v));
            }),
            _ => {}
        }
        size
    }

    fn add(&mut self, other: Size) {
        self.values = self.values.saturating_add(other.values);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

/// The bytes a scalar holds (its text; a number or boolean counts as a few).
fn scalar_bytes(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.len() as u64,
        Value::Seq(_) | Value::Map(_) => 0,
        _ => 8,
    }
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    stack: Vec<Open>,
    /// Anchored nodes of the current document, with what each holds.
    anchors: HashMap<usize, (Node, Size)>,
    /// What the file expanded to so far, aliases counted at their full size.
    size: Size,
    /// The bounds of `size`.
    max: Size,
    /// Whether an alias was expanded (says what made the file large).
    aliased: bool,
    finished: Vec<Document>,
    errors: Vec<Diagnostic>,
}

/// Parsing stops at the first error: the rest of a broken file says little.
struct Stop;

impl Builder<'_> {
    fn span(&self, start: Option<usize>, end: Option<usize>) -> Span {
        let start = start.unwrap_or(0).min(self.text.len());
        let end = end.unwrap_or(start).clamp(start, self.text.len());
        Span::new(self.file, start..end)
    }

    fn scan_error(&mut self, e: &ScanError) {
        let at = e.marker().byte_offset().unwrap_or(self.text.len());
        let span = self.span(Some(at), Some(at));
        let message = e.info();
        let message = message.lines().next().unwrap_or("invalid YAML");
        self.errors.push(
            Diagnostic::error(codes::YAML_SYNTAX, span, format!("invalid YAML: {message}"))
                .with_label("here"),
        );
    }

    fn fail(&mut self, d: Diagnostic) -> Result<(), Stop> {
        self.errors.push(d);
        Err(Stop)
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Stop> {
        match event {
            Event::DocumentStart(..) => {
                self.anchors.clear();
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = self.scalar(&text, style, tag.as_deref(), span)?;
                let size = Size {
                    values: 1,
                    bytes: scalar_bytes(&value),
                };
                // An empty document (skipped) is not counted: the readers differ in whether
                // they report one after a last `---`.
                if !(self.stack.is_empty() && value == Value::Null) {
                    self.count(size, span)?;
                }
                self.done(Node::new(span, value), anchor)
            }
            Event::SequenceStart(_, anchor, _) => self.open(Open::Seq {
                start: span,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(_, anchor, _) => self.open(Open::Map {
                start: span,
                anchor,
                entries: Vec::new(),
                index: None,
                key: None,
                merged: Vec::new(),
            }),
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => {
                let Some(&(_, size)) = self.anchors.get(&id) else {
                    return self.fail(
                        Diagnostic::error(codes::YAML_SYNTAX, span, "unknown alias")
                            .with_label("no anchor of this name before it"),
                    );
                };
                // Counted before it is copied: the copy is what an alias bomb costs.
                self.aliased = true;
                self.count(size, span)?;
                let Some((node, _)) = self.anchors.get(&id) else {
                    return Ok(());
                };
                let mut node = node.clone();
                node.span = span;
                self.done(node, 0)
            }
            _ => Ok(()),
        }
    }

    /// Adds what a node holds to the file's size, or fails at the bound it passes.
    fn count(&mut self, size: Size, span: Span) -> Result<(), Stop> {
        self.size.add(size);
        let (name, what, max) = if self.size.values > self.max.values {
            ("yaml-values", "values", self.max.values)
        } else if self.size.bytes > self.max.bytes {
            ("yaml-bytes", "of keys and strings", self.max.bytes)
        } else {
            return Ok(());
        };
        let max = crate::limits::show(name, max);
        let (message, label) = if self.aliased {
            (
                format!("aliases expand this YAML file to more than {max} {what}"),
                "expanded here",
            )
        } else {
            (
                format!(
                    "this YAML file holds more than {max} {what} (in {} documents)",
                    // The one being read, and those before it that hold something (both
                    // readers agree on these).
                    self.finished.len() + 1
                ),
                "the bound is passed here",
            )
        };
        let why = if self.aliased {
            "an alias (`*name`) repeats everything its anchor holds"
        } else {
            "a manifest file holds a few objects"
        };
        self.fail(
            Diagnostic::error(codes::WORK_LIMIT, span, message)
                .with_label(label)
                .with_note(format!(
                    "{why}; platc reads at most {max} {what} of one file (`--limit {name}`)"
                ))
                .with_help(crate::limits::raise(name)),
        )
    }

    fn open(&mut self, open: Open) -> Result<(), Stop> {
        if self.stack.len() >= MAX_DEPTH {
            let span = match &open {
                Open::Seq { start, .. } | Open::Map { start, .. } => *start,
            };
            return self.fail(
                Diagnostic::error(
                    codes::YAML_SYNTAX,
                    span,
                    format!("nested more than {MAX_DEPTH} levels deep"),
                )
                .with_label("too deep"),
            );
        }
        self.stack.push(open);
        Ok(())
    }

    fn close(&mut self, end: Span) -> Result<(), Stop> {
        let Some(open) = self.stack.pop() else {
            return Ok(());
        };
        let (start, anchor, value) = match open {
            Open::Seq {
                start,
                anchor,
                items,
            } => (start, anchor, Value::Seq(items)),
            Open::Map {
                start,
                anchor,
                mut entries,
                merged,
                ..
            } => {
                // `<<: *base`: keys of the merged mappings that the mapping does not set itself;
                // of several merged mappings, the first to set a key wins (go-yaml's rule).
                if !merged.is_empty() {
                    let mut have: std::collections::HashSet<String> =
                        entries.iter().map(|(k, _)| k.clone()).collect();
                    for m in merged {
                        if let Value::Map(more) = m.value {
                            for (k, v) in more {
                                if have.insert(k.clone()) {
                                    entries.push((k, v));
                                }
                            }
                        }
                    }
                }
                (start, anchor, Value::Map(entries))
            }
        };
        let end = end.end.max(start.end);
        let node = Node::new(
            Span::new(self.file, start.range().start..end as usize),
            value,
        );
        self.count(
            Size {
                values: 1,
                bytes: 0,
            },
            node.span,
        )?;
        self.done(node, anchor)
    }

    /// A finished node (counted already): the document's root, an item, a key or a value.
    /// An anchored one is kept with what it holds, which each alias of it counts again. (Only
    /// anchored trees are measured: files without anchors, nearly all, never pay for it.)
    fn done(&mut self, node: Node, anchor: usize) -> Result<(), Stop> {
        if anchor != 0 {
            let size = Size::of(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if node.value != Value::Null {
                    self.finished.push(Document {
                        file: self.file,
                        root: node,
                    });
                }
                Ok(())
            }
            Some(Open::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Open::Map {
                key: key @ None, ..
            }) => {
                let span = node.span;
                let text = match node.value {
                    Value::String(s) => s,
                    Value::Null => "null".into(),
                    Value::Bool(b) => b.to_string(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(_) => self.text[span.range()].to_string(),
                    Value::Seq(_) | Value::Map(_) => {
                        return self.fail(
                            Diagnostic::error(
                                codes::YAML_SYNTAX,
                                span,
                                "a mapping key must be a plain value, not a list or mapping",
                            )
                            .with_label("complex key"),
                        );
                    }
                };
                let merge = text == "<<" && self.text.get(span.range()) == Some("<<");
                *key = Some((text, span, merge));
                Ok(())
            }
            Some(Open::Map {
                key: key @ Some(_),
                entries,
                index,
                merged,
                ..
            }) => {
                let Some((k, key_span, merge)) = key.take() else {
                    return Ok(());
                };
                if merge {
                    return match node.value {
                        Value::Map(_) => {
                            merged.push(node);
                            Ok(())
                        }
                        Value::Seq(items)
                            if items.iter().all(|i| matches!(i.value, Value::Map(_))) =>
                        {
                            merged.extend(items);
                            Ok(())
                        }
                        _ => {
                            let span = node.span;
                            self.fail(
                                Diagnostic::error(
                                    codes::YAML_SYNTAX,
                                    span,
                                    "`<<` merges a mapping or a list of mappings",
                                )
                                .with_label("not a mapping"),
                            )
                        }
                    };
                }
                let before = match index {
                    Some(index) => index.get(&k).map(|&i| &entries[i]),
                    None => entries.iter().find(|(have, _)| *have == k),
                };
                if let Some((_, first)) = before {
                    let first = first.key.unwrap_or(first.span);
                    return self.fail(
                        Diagnostic::error(
                            codes::YAML_SYNTAX,
                            key_span,
                            format!("key `{k}` is written twice in one mapping"),
                        )
                        .with_label("written again here")
                        .with_related(Some(first), "first written here")
                        .with_help("Kubernetes would keep only one of them; remove the other"),
                    );
                }
                let mut node = node;
                node.key = Some(key_span);
                match index {
                    Some(index) => {
                        index.insert(k.clone(), entries.len());
                    }
                    None if entries.len() + 1 >= INDEXED_FROM => {
                        let mut built: HashMap<String, usize> = entries
                            .iter()
                            .enumerate()
                            .map(|(i, (k, _))| (k.clone(), i))
                            .collect();
                        built.insert(k.clone(), entries.len());
                        *index = Some(built);
                    }
                    None => {}
                }
                entries.push((k, node));
                Ok(())
            }
        }
    }

    /// A scalar's value: a plain scalar resolves as kubectl resolves it, quoted and block
    /// scalars are strings, and a core tag (`!!str 1`, `!!int "3"`) decides.
    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Value, Stop> {
        let core = tag.filter(|t| t.is_yaml_core_schema()).map(Tag::suffix);
        let value = match (core, style) {
            (Some("str" | "binary"), _) => Value::String(text.to_string()),
            (Some("null"), _) => Value::Null,
            (Some(kind @ ("int" | "float" | "bool")), _) => {
                let resolved = scalar::resolve_plain(text);
                let fits = match (kind, &resolved) {
                    ("int", Value::Int(_)) | ("bool", Value::Bool(_)) => true,
                    ("float", Value::Float(_)) => true,
                    ("float", Value::Int(i)) => {
                        return Ok(Value::Float(*i as f64));
                    }
                    _ => false,
                };
                if !fits {
                    return Err(self.fail_now(
                        Diagnostic::error(
                            codes::YAML_SYNTAX,
                            span,
                            format!("`{text}` is not a valid !!{kind}"),
                        )
                        .with_label("does not match its tag"),
                    ));
                }
                resolved
            }
            (_, ScalarStyle::Plain) => scalar::resolve_plain(text),
            _ => Value::String(text.to_string()),
        };
        Ok(value)
    }

    fn fail_now(&mut self, d: Diagnostic) -> Stop {
        self.errors.push(d);
        Stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<Node> {
        parse(FileId(0), text)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .into_iter()
            .map(|d| d.root)
            .collect()
    }

    fn error(text: &str) -> String {
        let e = parse(FileId(0), text).expect_err("should fail");
        e[0].message.clone()
    }

    #[test]
    fn documents_values_and_spans() {
        let text = "# comment\n---\n---\na: 1\nb: [x, 'y']\n---\nc: {d: yes}\n...\n";
        let d = docs(text);
        assert_eq!(d.len(), 2, "the empty document is skipped");
        let a = d[0].get("a").unwrap();
        assert_eq!(a.value, Value::Int(1));
        assert_eq!(&text[a.span.range()], "1");
        assert_eq!(&text[a.key.unwrap().range()], "a");
        let b = d[0].get("b").unwrap();
        assert_eq!(
            b.to_json(),
            serde_json::json!(["x", "y"]),
            "a quoted scalar stays a string"
        );
        assert_eq!(
            d[1].get("c").unwrap().get("d").unwrap().value,
            Value::Bool(true)
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let d = docs("base: &b {x: 1, z: 2}\nuse:\n  <<: *b\n  z: 3\nlist: [*b]\n");
        assert_eq!(
            d[0].to_json(),
            serde_json::json!({"base": {"x": 1, "z": 2}, "use": {"z": 3, "x": 1}, "list": [{"x": 1, "z": 2}]})
        );
    }

    #[test]
    fn tags_decide() {
        let d = docs("a: !!str 1\nb: !!int \"3\"\nc: !!float 2\n");
        assert_eq!(
            d[0].to_json(),
            serde_json::json!({"a": "1", "b": 3, "c": 2.0})
        );
        assert!(error("a: !!int x\n").contains("not a valid !!int"));
    }

    #[test]
    fn bad_files_are_located_errors() {
        assert!(error("a: 1\na: 2\n").contains("written twice"));
        assert!(error("a: [1\n").starts_with("invalid YAML"));
        assert!(error("? [a]\n: 1\n").contains("mapping key"));
        assert!(error("a: *nothing\n").starts_with("invalid YAML"));
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(error(bomb).contains("expand this YAML file to more than"));
    }

    fn limited(text: &str, values: u64, bytes: u64) -> Result<usize, String> {
        let limits = crate::limits::Limits {
            yaml_values: values,
            yaml_bytes: bytes,
            ..Default::default()
        };
        let fast = parse_limited(FileId(0), text, true, limits);
        let slow = parse_limited(FileId(0), text, false, limits);
        assert_eq!(
            format!("{fast:?}"),
            format!("{slow:?}"),
            "both readers agree"
        );
        fast.map(|d| d.len()).map_err(|e| e[0].message.clone())
    }

    #[test]
    fn aliases_are_counted_in_bytes_before_they_are_copied() {
        let text = format!("a: &a {}\nb: [*a, *a, *a, *a]\n", "x".repeat(100));
        assert_eq!(limited(&text, 1000, 600), Ok(1));
        let e = limited(&text, 1000, 400).unwrap_err();
        assert_eq!(
            e,
            "aliases expand this YAML file to more than 400 bytes of keys and strings"
        );
        // An anchored mapping counts its keys and strings, an alias inside it included: `a`,
        // `k`, `vvvv`, `l`, the copy of `vvvv` (10 bytes under `a`), `b`, then two copies.
        let text = "a: &a {k: &v vvvv, l: *v}\nb: [*a, *a]\n";
        assert_eq!(limited(text, 100, 32), Ok(1));
        assert!(limited(text, 100, 31).is_err());
        // A merge copies what its alias already counted: `a`, `k`, `v`, `b`, `<<`, the
        // alias (2), `m`, `o`.
        let text = "a: &a {k: v}\nb: {<<: *a, m: o}\n";
        assert_eq!(limited(text, 100, 10), Ok(1));
        assert!(limited(text, 100, 9).is_err());
    }

    #[test]
    fn many_documents_get_a_message_that_counts_them() {
        let text = "a: 1\n---\n".repeat(50);
        assert_eq!(limited(&text, 150, 1000), Ok(50));
        let e = limited(&text, 100, 1000).unwrap_err();
        assert_eq!(
            e,
            "this YAML file holds more than 100 values (in 34 documents)"
        );
        // Over the bound, the fast reader keeps no more events than a file within it can
        // have, and leaves the file to granit-parser.
        assert!(super::super::fast::events(&text, 100).is_some());
        assert!(super::super::fast::events(&text, 30).is_none());
    }

    #[test]
    fn a_mapping_of_many_keys_finds_its_duplicate() {
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        assert_eq!(limited(&text, 1000, 1000), Ok(1));
        text.push_str("k7: again\n");
        assert_eq!(
            limited(&text, 1000, 1000).unwrap_err(),
            "key `k7` is written twice in one mapping"
        );
    }
}
