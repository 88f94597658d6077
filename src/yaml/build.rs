//! The spanned tree of a YAML file, built from the events of granit-parser (the YAML 1.2
//! parser serde-saphyr is built on, already in platc's tree through it).
//!
//! Beyond the parser's own checks: a key written twice in one mapping is an error (kubectl's
//! strict decoding refuses it too); a key must be a scalar; anchors, aliases and `<<` merge
//! keys work as in go-yaml, but what aliases expand to is bounded ([`MAX_NODES`]), so a
//! "billion laughs" file is an error, not an exhausted machine.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

use super::{Document, Documents, Node, Value, scalar};
use crate::diag::{Diagnostic, FileId, Span, codes};

/// The most nodes one file may expand to, aliases included. A manifest has hundreds; a file
/// beyond a million is an alias bomb or not a manifest.
pub const MAX_NODES: usize = 1_000_000;

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
    let mut builder = Builder {
        file,
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        documents: Vec::new(),
        errors: Vec::new(),
    };
    if let Some(events) = fast.then(|| super::fast::events(text)).flatten() {
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
        Ok(builder.documents)
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
        /// The key read, waiting for its value: its text, span, and whether it is `<<`.
        key: Option<(String, Span, bool)>,
        /// Mappings merged in with `<<`, in order.
        merged: Vec<Node>,
    },
}

struct Builder<'t> {
    file: FileId,
    text: &'t str,
    stack: Vec<Open>,
    /// Anchored nodes of the current document, with how many nodes each holds.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes made so far, aliases counted at their full size.
    nodes: usize,
    documents: Vec<Document>,
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
                key: None,
                merged: Vec::new(),
            }),
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id).cloned() else {
                    return self.fail(
                        Diagnostic::error(codes::YAML_SYNTAX, span, "unknown alias")
                            .with_label("no anchor of this name before it"),
                    );
                };
                self.count(size, span)?;
                let mut node = node;
                node.span = span;
                self.done(node, 0)
            }
            _ => Ok(()),
        }
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), Stop> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return self.fail(
                Diagnostic::error(
                    codes::YAML_SYNTAX,
                    span,
                    format!("the file expands to more than {MAX_NODES} values"),
                )
                .with_label("expanded here")
                .with_help("aliases (`*name`) repeat what their anchor holds; this file repeats too much to be a manifest"),
            );
        }
        Ok(())
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
                for m in merged {
                    if let Value::Map(more) = m.value {
                        for (k, v) in more {
                            if !entries.iter().any(|(have, _)| *have == k) {
                                entries.push((k, v));
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
        self.done(node, anchor)
    }

    /// A finished node: the document's root, an item, a key or a value.
    fn done(&mut self, node: Node, anchor: usize) -> Result<(), Stop> {
        self.count(1, node.span)?;
        if anchor != 0 {
            let size = size(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if node.value != Value::Null {
                    self.documents.push(Document {
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
                if let Some((_, first)) = entries.iter().find(|(have, _)| *have == k) {
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

/// How many nodes a tree holds.
fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(_, v)| size(v)).sum(),
        _ => 0,
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
        assert!(error(bomb).contains("expands to more than"));
    }
}
