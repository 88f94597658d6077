//! The spanned tree built straight from the TOML parser's events, for the documents platc
//! reads most: the fast path of [`parse_file`](super::parse_file).
//!
//! `toml`'s [`DeTable`](toml::de::DeTable) is built from the events of `toml_parser` (the same
//! crate's lexer and parser) and was then converted into a [`Node`] tree. Building the tree from
//! the events directly skips that document and the copy: for a 256 KiB piece of a generated
//! platform the lexer and parser take ~1 ms, the `DeTable` on top of them 3 to 8 ms.
//!
//! TOML's rules on which tables a header or a dotted key may define or extend are subtle, and
//! the errors must stay `toml`'s own. So this builder takes only the plain shapes and returns
//! `None` for anything else: any syntax error, a datetime, a dotted key inside an inline table,
//! a key defined twice, a header or a dotted key that reaches into a table made another way
//! (`[a.b]` through a table made by `a.c = 1`, dotted keys into a table made by a header), and
//! the caller then parses with `DeTable`, which judges the document and reports what is wrong.
//! Whatever this builder accepts, it builds the same tree as the `DeTable` path, spans included:
//! tests compare both on every config in the repository and on a list of tricky documents.

use std::borrow::Cow;

use toml_parser::decoder::ScalarKind;
use toml_parser::parser::{Event, EventKind, RecursionGuard, ValidateWhitespace};
use toml_parser::{ParseError, Source};

use super::{Node, NodeValue, Table};
use crate::diag::{FileId, Span};
use crate::vecmap::{VecMap, exact};

/// Nesting allowed, as `toml` allows it (arrays and inline tables inside each other, key
/// segments).
const DEPTH_LIMIT: u32 = 80;

/// The tree of `text`, which starts `base` bytes into the file; `None` when the text is not
/// one of the plain shapes this builder takes (the caller then parses it with `DeTable`).
pub(super) fn parse(file: FileId, text: &str, base: usize) -> Option<Node> {
    let source = Source::new(text);
    let tokens = source.lex().into_vec();
    let mut events = Vec::with_capacity(tokens.len());
    let mut failed = false;
    {
        let mut sink = |_: ParseError| failed = true;
        let mut validated = ValidateWhitespace::new(&mut events, source);
        let mut guarded = RecursionGuard::new(&mut validated, DEPTH_LIMIT);
        toml_parser::parser::parse_document(&tokens, &mut guarded, &mut sink);
    }
    if failed {
        return None;
    }
    Builder {
        file,
        base,
        source,
        events: &events,
        at: 0,
    }
    .document()
}

/// How a table came to be, which decides what may extend it later.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The document.
    Root,
    /// Named on the way to a header's table (`a` of `[a.b]`); a later `[a]` may define it.
    Implicit,
    /// Defined by a `[header]`, or an element of an array of tables.
    Header,
    /// Made by a dotted key (`a` of `a.b = 1`); more dotted keys of its section may extend it.
    Dotted,
}

/// A table under construction.
struct Tbl {
    key: Option<toml_parser::Span>,
    span: toml_parser::Span,
    kind: Kind,
    entries: Entries<Entry>,
}

/// A table's entries while it is built: a sorted vector, as the finished table keeps them, and
/// once the table is large, a B-tree for the keys that come out of order (`k10` after `k9`).
/// Putting those into the vector moved its tail each time: quadratic in a table of a million
/// keys. Small tables and keys in order (nearly every table) never touch the tree.
struct Entries<V> {
    sorted: VecMap<String, V>,
    late: std::collections::BTreeMap<String, V>,
}

/// Entries a table holds before keys out of order go to the tree.
const SMALL_TABLE: usize = 64;

impl<V> Entries<V> {
    fn new() -> Self {
        Self {
            sorted: VecMap::new(),
            late: std::collections::BTreeMap::new(),
        }
    }

    fn len(&self) -> usize {
        self.sorted.len() + self.late.len()
    }

    fn contains_key(&self, key: &str) -> bool {
        self.sorted.contains_key(key) || self.late.contains_key(key)
    }

    fn get(&self, key: &str) -> Option<&V> {
        self.sorted.get(key).or_else(|| self.late.get(key))
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        match self.sorted.get_mut(key) {
            Some(v) => Some(v),
            None => self.late.get_mut(key),
        }
    }

    /// Inserts a key that is not there.
    fn insert(&mut self, key: String, value: V) {
        if self.sorted.len() < SMALL_TABLE || self.sorted.last_key().is_none_or(|last| *last < key)
        {
            self.sorted.insert(key, value);
        } else {
            self.late.insert(key, value);
        }
    }

    fn remove(&mut self, key: &str) -> Option<V> {
        self.sorted.remove(key).or_else(|| self.late.remove(key))
    }

    /// The entries in key order: the two sorted sequences merged.
    fn into_sorted(self) -> Vec<(String, V)> {
        if self.late.is_empty() {
            return self.sorted.into_entries();
        }
        let mut out = Vec::with_capacity(self.len());
        let mut late = self.late.into_iter().peekable();
        for (k, v) in self.sorted {
            while let Some(l) = late.next_if(|(lk, _)| *lk < k) {
                out.push(l);
            }
            out.push((k, v));
        }
        out.extend(late);
        out
    }
}

enum Entry {
    /// A finished value: a scalar, an array of values or an inline table (none can be extended).
    Value(Node),
    Table(Tbl),
    /// An array of tables (`[[header]]`): the first header's key and span, the elements.
    Tables {
        key: toml_parser::Span,
        span: toml_parser::Span,
        items: Vec<Tbl>,
    },
}

/// A key's segments, decoded (borrowed from the text unless escapes were decoded), with
/// their spans.
type Key<'i> = Vec<(Cow<'i, str>, toml_parser::Span)>;

/// A `[header]` or `[[header]]`: its keys (decoded, with their spans) and its whole span.
struct Header<'i> {
    keys: Key<'i>,
    span: toml_parser::Span,
    array: bool,
}

struct Builder<'e, 'i> {
    file: FileId,
    base: usize,
    source: Source<'i>,
    events: &'e [Event],
    at: usize,
}

impl Tbl {
    fn new(key: Option<toml_parser::Span>, span: toml_parser::Span, kind: Kind) -> Self {
        Self {
            key,
            span,
            kind,
            entries: Entries::new(),
        }
    }

    /// The entry under `name`, made by `make` when there is none. The name is copied only then
    /// (`VecMap::get_or_insert_with` takes it owned, which would copy it every time).
    fn entry(&mut self, name: &str, make: impl FnOnce() -> Entry) -> Option<&mut Entry> {
        if !self.entries.contains_key(name) {
            self.entries.insert(name.to_string(), make());
        }
        self.entries.get_mut(name)
    }
}

impl<'i> Builder<'_, 'i> {
    fn span(&self, span: toml_parser::Span) -> Span {
        Span::new(self.file, span.start() + self.base..span.end() + self.base)
    }

    fn next(&mut self) -> Option<Event> {
        let event = *self.events.get(self.at)?;
        self.at += 1;
        Some(event)
    }

    fn peek_kind(&self) -> Option<EventKind> {
        self.events.get(self.at).map(Event::kind)
    }

    /// The next event that is not whitespace.
    fn next_solid(&mut self) -> Option<Event> {
        loop {
            let event = self.next()?;
            if event.kind() != EventKind::Whitespace {
                return Some(event);
            }
        }
    }

    /// The next event that is not whitespace, a comment or a line break (inside arrays and
    /// inline tables).
    fn next_item(&mut self) -> Option<Event> {
        loop {
            let event = self.next()?;
            if !matches!(
                event.kind(),
                EventKind::Whitespace | EventKind::Comment | EventKind::Newline
            ) {
                return Some(event);
            }
        }
    }

    fn document(mut self) -> Option<Node> {
        let mut root = Tbl::new(None, toml_parser::Span::new_unchecked(0, 0), Kind::Root);
        let mut section: Option<(Header<'i>, Tbl)> = None;
        while let Some(event) = self.next() {
            match event.kind() {
                EventKind::Whitespace | EventKind::Comment | EventKind::Newline => {}
                EventKind::StdTableOpen | EventKind::ArrayTableOpen => {
                    if let Some((header, table)) = section.take() {
                        finish(&mut root, header, table)?;
                    }
                    let header = self.header(event)?;
                    let table = start(&mut root, &header)?;
                    section = Some((header, table));
                }
                EventKind::SimpleKey => {
                    let keys = self.key(event)?;
                    let mut value = self.key_value()?;
                    value.key = Some(self.span(keys.last()?.1));
                    let table = match &mut section {
                        Some((_, table)) => table,
                        None => &mut root,
                    };
                    insert_dotted(table, keys, value)?;
                }
                _ => return None,
            }
        }
        if let Some((header, table)) = section {
            finish(&mut root, header, table)?;
        }
        Some(self.table_node(root))
    }

    /// The rest of a header, from its opening bracket(s) to its closing one(s).
    fn header(&mut self, open: Event) -> Option<Header<'i>> {
        let array = open.kind() == EventKind::ArrayTableOpen;
        let first = self.next_solid()?;
        if first.kind() != EventKind::SimpleKey {
            return None;
        }
        let keys = self.key(first)?;
        let close = self.next_solid()?;
        let expected = if array {
            EventKind::ArrayTableClose
        } else {
            EventKind::StdTableClose
        };
        (close.kind() == expected).then(|| Header {
            keys,
            span: open.span().append(close.span()),
            array,
        })
    }

    /// A key, simple or dotted, starting at `first`: its segments, decoded.
    fn key(&mut self, first: Event) -> Option<Key<'i>> {
        let mut keys = vec![self.decode_key(first)?];
        loop {
            let ahead = match self.peek_kind() {
                Some(EventKind::Whitespace) => self.events.get(self.at + 1).map(Event::kind),
                other => other,
            };
            if ahead != Some(EventKind::KeySep) {
                break;
            }
            self.next_solid()?;
            let segment = self.next_solid()?;
            if segment.kind() != EventKind::SimpleKey {
                return None;
            }
            keys.push(self.decode_key(segment)?);
        }
        (keys.len() < DEPTH_LIMIT as usize).then_some(keys)
    }

    fn decode_key(&self, event: Event) -> Option<(Cow<'i, str>, toml_parser::Span)> {
        let raw = self.source.get(event)?;
        let mut decoded = Cow::Borrowed("");
        let mut failed = false;
        raw.decode_key(&mut decoded, &mut |_: ParseError| failed = true);
        (!failed).then(|| (decoded, event.span()))
    }

    /// `= value` after a key.
    fn key_value(&mut self) -> Option<Node> {
        if self.next_solid()?.kind() != EventKind::KeyValSep {
            return None;
        }
        let first = self.next_solid()?;
        self.value(first)
    }

    fn value(&mut self, first: Event) -> Option<Node> {
        match first.kind() {
            EventKind::Scalar => self.scalar(first),
            EventKind::ArrayOpen => self.array(first),
            EventKind::InlineTableOpen => self.inline_table(first),
            _ => None,
        }
    }

    /// The rest of an array, from its opening bracket.
    fn array(&mut self, open: Event) -> Option<Node> {
        let mut items = Vec::new();
        loop {
            let event = self.next_item()?;
            match event.kind() {
                EventKind::ArrayClose => {
                    let span = open.span().append(event.span());
                    return Some(self.node(span, NodeValue::Array(exact(items))));
                }
                EventKind::ValueSep => {}
                _ => items.push(self.value(event)?),
            }
        }
    }

    /// The rest of an inline table, from its opening brace. Dotted keys inside it are left to
    /// `DeTable`.
    fn inline_table(&mut self, open: Event) -> Option<Node> {
        let mut entries = Entries::new();
        loop {
            let event = self.next_item()?;
            match event.kind() {
                EventKind::InlineTableClose => {
                    let span = open.span().append(event.span());
                    let entries: Table = entries.into_sorted().into_iter().collect();
                    return Some(self.node(span, NodeValue::Table(entries)));
                }
                EventKind::ValueSep => {}
                EventKind::SimpleKey => {
                    let mut keys = self.key(event)?;
                    if keys.len() != 1 {
                        return None;
                    }
                    let (name, key_span) = keys.pop()?;
                    let mut value = self.key_value()?;
                    if entries.contains_key(&name) {
                        return None;
                    }
                    value.key = Some(self.span(key_span));
                    entries.insert(name.into_owned(), value);
                }
                _ => return None,
            }
        }
    }

    /// A scalar, converted as `syntax::value` converts `toml`'s (datetimes are left to it).
    fn scalar(&self, event: Event) -> Option<Node> {
        let raw = self.source.get(event)?;
        let mut decoded = Cow::Borrowed("");
        let mut failed = false;
        let kind = raw.decode_scalar(&mut decoded, &mut |_: ParseError| failed = true);
        if failed {
            return None;
        }
        let value = match kind {
            ScalarKind::String => NodeValue::String(decoded.into_owned()),
            ScalarKind::Boolean(b) => NodeValue::Boolean(b),
            ScalarKind::Integer(radix) => NodeValue::Integer(
                i64::from_str_radix(&decoded.replace('_', ""), radix.value()).ok(),
            ),
            ScalarKind::Float => NodeValue::Float(
                decoded
                    .replace('_', "")
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite()),
            ),
            ScalarKind::DateTime => return None,
        };
        Some(self.node(event.span(), value))
    }

    fn node(&self, span: toml_parser::Span, value: NodeValue) -> Node {
        Node {
            key: None,
            span: self.span(span),
            value,
        }
    }

    fn table_node(&self, table: Tbl) -> Node {
        let mut entries = Vec::with_capacity(table.entries.len());
        for (name, entry) in table.entries.into_sorted() {
            let node = match entry {
                Entry::Value(node) => node,
                Entry::Table(t) => self.table_node(t),
                Entry::Tables { key, span, items } => {
                    let mut tables = Vec::with_capacity(items.len());
                    tables.extend(items.into_iter().map(|t| self.table_node(t)));
                    Node {
                        key: Some(self.span(key)),
                        span: self.span(span),
                        value: NodeValue::Array(tables),
                    }
                }
            };
            entries.push((name, node));
        }
        Node {
            key: table.key.map(|k| self.span(k)),
            span: self.span(table.span),
            value: NodeValue::Table(entries.into_iter().collect()),
        }
    }
}

/// Inserts `value` (its key located) under a (possibly dotted) key of a section's table. The
/// tables a dotted key names must be new or made by dotted keys of this section; the last key
/// must be new.
fn insert_dotted(table: &mut Tbl, mut keys: Key<'_>, value: Node) -> Option<()> {
    let (name, _) = keys.pop()?;
    let mut table = table;
    for (segment, span) in keys {
        table = match table.entry(&segment, || {
            Entry::Table(Tbl::new(Some(span), span, Kind::Dotted))
        })? {
            Entry::Table(t) if t.kind == Kind::Dotted => t,
            _ => return None,
        };
    }
    if table.entries.contains_key(&name) {
        return None;
    }
    table.entries.insert(name.into_owned(), Entry::Value(value));
    Some(())
}

/// The table a header's path leads to, creating the tables it names on the way. It may pass
/// through tables named or defined by headers, and into the last element of an array of
/// tables; anything else is `None`.
fn descend<'t>(
    mut table: &'t mut Tbl,
    keys: &[(Cow<'_, str>, toml_parser::Span)],
) -> Option<&'t mut Tbl> {
    for (segment, span) in keys {
        table = match table.entry(segment, || {
            Entry::Table(Tbl::new(Some(*span), *span, Kind::Implicit))
        })? {
            Entry::Table(t) if matches!(t.kind, Kind::Implicit | Kind::Header) => t,
            Entry::Tables { items, .. } => items.last_mut()?,
            _ => return None,
        };
    }
    Some(table)
}

/// The table a header opens: new, or (for `[a]` after `[a.b]`) the table its path named,
/// taken out of its parent until [`finish`] puts it back.
fn start(root: &mut Tbl, header: &Header<'_>) -> Option<Tbl> {
    let ((name, key_span), path) = header.keys.split_last()?;
    let parent = descend(root, path)?;
    if header.array {
        return match parent.entries.get(name) {
            None | Some(Entry::Tables { .. }) => Some(Tbl::new(None, header.span, Kind::Header)),
            Some(_) => None,
        };
    }
    match parent.entries.get(name) {
        None => Some(Tbl::new(Some(*key_span), header.span, Kind::Header)),
        Some(Entry::Table(t)) if t.kind == Kind::Implicit => {
            let Some(Entry::Table(mut table)) = parent.entries.remove(name) else {
                return None;
            };
            table.kind = Kind::Header;
            table.key = Some(*key_span);
            table.span = header.span;
            Some(table)
        }
        Some(_) => None,
    }
}

/// Puts a header's finished table in its place.
fn finish(root: &mut Tbl, header: Header<'_>, table: Tbl) -> Option<()> {
    let ((name, key_span), path) = header.keys.split_last()?;
    let parent = descend(root, path)?;
    if header.array {
        let Some(Entry::Tables { items, .. }) = parent.entry(name, || Entry::Tables {
            key: *key_span,
            span: header.span,
            items: Vec::new(),
        }) else {
            return None;
        };
        items.push(table);
        return Some(());
    }
    if parent.entries.contains_key(name) {
        return None;
    }
    parent.entries.insert(name.to_string(), Entry::Table(table));
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Seg;

    #[test]
    fn entries_out_of_order_merge_in_key_order() {
        let mut entries = Entries::new();
        let keys: Vec<String> = (0..500).map(|i| format!("k{}", (i * 7919) % 500)).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!entries.contains_key(k));
            entries.insert(k.clone(), i);
            assert_eq!(entries.get(k), Some(&i));
        }
        assert!(!entries.late.is_empty(), "the tree took the late keys");
        assert!(entries.remove("k3").is_some());
        let sorted: Vec<String> = entries.into_sorted().into_iter().map(|(k, _)| k).collect();
        let mut expected: Vec<String> = keys.into_iter().filter(|k| k != "k3").collect();
        expected.sort();
        assert_eq!(sorted, expected);
    }

    /// The tree through `toml`'s document, or `None` when it reports an error.
    fn detable(text: &str) -> Option<Node> {
        super::super::parse_detable(FileId(0), text, 0).ok()
    }

    /// Whatever the fast path builds is what `toml`'s document gives, spans included; and it
    /// never accepts a document `toml` rejects. Returns whether it took the document.
    fn agrees(text: &str) -> bool {
        let fast = parse(FileId(0), text, 0);
        match (&fast, detable(text)) {
            (None, _) => false,
            (Some(fast), Some(slow)) => {
                assert_eq!(*fast, slow, "{text}");
                true
            }
            (Some(_), None) => panic!("took a document toml rejects:\n{text}"),
        }
    }

    #[test]
    fn the_repository_configs_take_the_fast_path_and_agree() {
        for (path, text) in crate::syntax::repository_configs() {
            assert!(agrees(&text), "{} fell back", path.display());
        }
    }

    #[test]
    fn the_invalid_and_fuzz_corpora_agree() {
        let taken = crate::syntax::corpus_configs()
            .iter()
            .filter(|(_, text)| agrees(text))
            .count();
        assert!(taken > 20, "{taken}");
    }

    /// Documents the fast path takes, each compared with `toml`'s tree.
    #[test]
    fn plain_shapes_are_taken_and_agree() {
        for text in [
            "",
            "# only a comment\n",
            "a = 1\nb = \"two\"\nc = true\nd = 1.5\n",
            "a.b = 1\na.c = 2\na.d.e = 3\n",
            "[a.b]\nx = 1\n[a]\ny = 2\n",
            "[a]\nx = 1\n[a.b.c]\ny = 2\n[a.b.d]\n",
            "[[a]]\nx = 1\n[[a]]\nx = 2\n[a.b]\ny = 3\n[[a.c]]\n[[a]]\n",
            "[t]\nx.y = 1\nx.z = 2\n[t.w]\n",
            "[ a . b ]\n[[ c ]]\n[\"q r\".'s']\n",
            "\"a.b\" = 1\n'c d' = 2\n\"\\u00e9\" = \"x\\ty\\n\\\"\"\n",
            "s = '''\nraw \\n\n'''\nm = \"\"\"\\\n  folded \\\n  line\"\"\"\nl = 'lit'\n",
            "n = [0x1F, 0o17, 0b101, 1_000, -5, +5, 9223372036854775808, -0]\n",
            "f = [1.5e3, 1_0.5, inf, -inf, nan, +0.0, -1e-2]\n",
            "a = {}\nb = []\nc = [[1, 2], [3], []]\nd = { x = { y = [1] } }\n",
            "p = [\n  { to = \"self\" }, # a comment\n  { to = \"0.0.0.0/0\", ports = [443] },\n]\n",
            "a = 1\r\nb = 2\r\n[c]\r\nd = 3\r\n",
            "a . b = 1\n",
            "[namespaces.production]\nlabels = { tier = \"critical\" }\n[namespaces.production.quota]\npods = 200\n",
        ] {
            assert!(agrees(text), "fell back:\n{text}");
        }
    }

    /// Documents left to `toml` (its errors, or rules this builder does not judge): the fast
    /// path must not take them, and where `toml` accepts one, it is its tree that counts.
    #[test]
    fn everything_else_falls_back() {
        let nested = format!("a = {}1{}\n", "[".repeat(100), "]".repeat(100));
        for text in [
            // toml's errors
            "a = ",
            "a = 1 b = 2",
            "[a",
            "a = \"unterminated",
            "a = 1\na = 2\n",
            "a = { b = 1, b = 2 }\n",
            "a = \"\\q\"\n",
            "= 1\n",
            "a = 1\rb = 2\n",
            "[a]\n[a]\n",
            "[a]\nb = 1\n[a.b]\n",
            "a.b = 1\n[a]\n",
            "[[a]]\n[a]\n",
            "[a]\n[[a]]\n",
            "a = [1, 2]\n[[a]]\n",
            "a = { b = 1 }\n[a.c]\n",
            "a = { b = 1 }\na.c = 2\n",
            "a = 1\na.b = 2\n",
            "[a.b]\nc = 1\n[a]\nb.d = 2\n",
            nested.as_str(),
            // valid, but judged by toml
            "d = 1979-05-27T07:32:00Z\n",
            "a = { b.c = 1 }\n",
            "a.b = 1\n[a.c]\n",
            "[a.b.c]\n[a]\nb.d = 1\n",
        ] {
            assert!(!agrees(text), "took:\n{text}");
        }
    }

    #[test]
    fn spans_are_shifted_by_the_base() {
        let text = "[a]\nb = \"c\"\n";
        let at = |base| {
            let root = parse(FileId(0), text, base).unwrap();
            let b = root
                .get(&[Seg::Key("a".into()), Seg::Key("b".into())])
                .unwrap();
            (b.key.unwrap().range(), b.span.range(), root.span.range())
        };
        assert_eq!(at(0), (4..5, 8..11, 0..0));
        assert_eq!(at(100), (104..105, 108..111, 100..100));
    }
}
