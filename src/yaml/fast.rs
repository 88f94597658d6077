//! A fast reader for the YAML that manifests are nearly always written in, beside
//! granit-parser: block mappings and sequences, one-line flow collections, plain and one-line
//! quoted scalars, `|` and `|-` literal blocks, comments and `---` between documents.
//!
//! It gives the same events at the same byte ranges as granit-parser, so [`super::build`]
//! makes the same tree from either. Anything else (anchors, aliases, tags, folded or indented
//! block scalars, multi-line plain or quoted scalars, escapes, tabs, `\r`, non-ASCII text, and
//! every error) makes it decline before any event is used, and the file is read by
//! granit-parser as before. Why it exists: granit-parser (like yaml-rust2, libyaml-safer and
//! unsafe-libyaml, measured in docs/benchmarks.md) spends about 300 instructions a byte; this
//! reader spends a sixth of that, and reading YAML is most of what `platc import` and the
//! manifests of a large platform cost. A unit test and the fuzz tests hold the two readers
//! to the same trees, spans included.

use std::borrow::Cow;

use granit_parser::{Event, ScalarStyle, StructureStyle};

/// An event with its byte range, as granit-parser reports it.
pub(super) type Spanned<'t> = (Event<'t>, usize, usize);

/// The text uses YAML this reader leaves to granit-parser.
struct Decline;

type Read<T> = Result<T, Decline>;

/// Collections nested deeper than this are left to granit-parser (which refuses the very
/// deep ones with its own message).
const MAX_DEPTH: usize = 64;

/// The events of every document of `text`, or `None` when granit-parser must read it: also
/// when the text has more events than a file of `max_values` values can have (each value is
/// one event or two, each document two more and holds a value), so a file the tree builder
/// refuses is never held whole as events first.
pub(super) fn events(text: &str, max_values: u64) -> Option<Vec<Spanned<'_>>> {
    let bytes = text.as_bytes();
    if bytes
        .iter()
        .any(|&c| !(c == b'\n' || (0x20..0x7f).contains(&c)))
    {
        return None;
    }
    let room =
        usize::try_from(max_values.saturating_mul(4).saturating_add(4)).unwrap_or(usize::MAX);
    let mut reader = Reader {
        text,
        b: bytes,
        pos: 0,
        depth: 0,
        out: Vec::with_capacity((bytes.len() / 6).min(room.saturating_add(1))),
        room,
    };
    reader.stream().ok()?;
    (reader.out.len() <= reader.room).then_some(reader.out)
}

/// Whether the fast reader, when it takes `text`, gives the documents (or the errors)
/// granit-parser gives: `Ok(true)` when it took it and they agree, `Ok(false)` when it
/// declined, `Err` with both results when they differ. For the tests and the cargo-fuzz
/// target `yaml_readers`.
pub fn agrees(text: &str) -> Result<bool, String> {
    if events(text, crate::limits::get().yaml_values).is_none() {
        return Ok(false);
    }
    let file = crate::diag::FileId(0);
    let fast = format!("{:?}", super::build::parse_with(file, text, true));
    let slow = format!("{:?}", super::build::parse_with(file, text, false));
    if fast == slow {
        Ok(true)
    } else {
        Err(format!("fast reader:   {fast}\ngranit-parser: {slow}"))
    }
}

/// Whether `c` may not start a plain scalar (YAML's indicators).
fn indicator(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

struct Reader<'t> {
    text: &'t str,
    b: &'t [u8],
    /// Where reading goes on: the start of a line once a line is done.
    pos: usize,
    depth: usize,
    out: Vec<Spanned<'t>>,
    /// The most events kept; one more says there were too many.
    room: usize,
}

impl<'t> Reader<'t> {
    fn at(&self, p: usize) -> u8 {
        self.b.get(p).copied().unwrap_or(b'\n')
    }

    fn emit(&mut self, event: Event<'t>, start: usize, end: usize) {
        self.out.push((event, start, end));
    }

    /// Declines once more events were kept than a file within the bound can have; checked at
    /// the end of each line and after each item of a flow collection, so at most a line's
    /// events (or a flow item's) more are ever kept.
    fn room_left(&self) -> Read<()> {
        if self.out.len() > self.room {
            return Err(Decline);
        }
        Ok(())
    }

    fn scalar(&mut self, value: Cow<'t, str>, style: ScalarStyle, start: usize, end: usize) {
        self.emit(Event::Scalar(value, style, 0, None), start, end);
    }

    /// A plain scalar from `p` to `stop`, without its trailing spaces: emits it, gives its
    /// end.
    fn plain(&mut self, p: usize, stop: usize) -> usize {
        let mut end = stop;
        while end > p && self.b[end - 1] == b' ' {
            end -= 1;
        }
        self.scalar(
            Cow::Borrowed(&self.text[p..end]),
            ScalarStyle::Plain,
            p,
            end,
        );
        end
    }

    /// The end of the line `p` is on (its `\n`, or the end of the text).
    fn eol(&self, p: usize) -> usize {
        self.b[p.min(self.b.len())..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |i| p + i)
    }

    /// The start of the line after the one `p` is on.
    fn next_line(&self, p: usize) -> usize {
        (self.eol(p) + 1).min(self.b.len())
    }

    fn skip_spaces(&self, mut p: usize) -> usize {
        while self.b.get(p) == Some(&b' ') {
            p += 1;
        }
        p
    }

    /// The next content from `self.pos` (a line start), past blank and comment lines: its
    /// position and column.
    fn peek(&self) -> Option<(usize, usize)> {
        let mut line = self.pos;
        loop {
            if line >= self.b.len() {
                return None;
            }
            let p = self.skip_spaces(line);
            match self.b.get(p) {
                None => return None,
                Some(b'\n') => line = p + 1,
                Some(b'#') => line = self.next_line(p),
                Some(_) => return Some((p, p - line)),
            }
        }
    }

    /// After a value on a line: only spaces and a comment may follow. Moves to the next line.
    fn end_line(&mut self, p: usize) -> Read<()> {
        self.room_left()?;
        let q = self.skip_spaces(p);
        match self.at(q) {
            b'\n' => {}
            b'#' if q > p => {}
            _ => return Err(Decline),
        }
        self.pos = self.next_line(q);
        Ok(())
    }

    /// `---` at `p` (a line start) as a document marker, and where its line ends.
    fn document_marker(&self, p: usize, column: usize) -> Option<usize> {
        (column == 0 && self.b[p..].starts_with(b"---") && matches!(self.at(p + 3), b' ' | b'\n'))
            .then_some(p + 3)
    }

    fn stream(&mut self) -> Read<()> {
        while let Some((p, column)) = self.peek() {
            if let Some(end) = self.document_marker(p, column) {
                self.emit(Event::DocumentStart(true, None), p, end);
                self.end_line(end)?;
                continue;
            }
            if self.b[p..].starts_with(b"...") || self.at(p) == b'%' {
                return Err(Decline);
            }
            self.block(p, column)?;
            match self.peek() {
                None => {}
                Some((q, c)) if self.document_marker(q, c).is_some() => {}
                Some(_) => return Err(Decline),
            }
        }
        Ok(())
    }

    /// A block collection whose first line's content is at `p`, column `column`.
    fn block(&mut self, p: usize, column: usize) -> Read<()> {
        if self.dash(p) {
            self.sequence(p, column, false)
        } else if self.key_line(p) {
            self.mapping(p, column)
        } else {
            Err(Decline)
        }
    }

    /// Whether a plain scalar may start at `p`: not at an indicator, but `-5` and `--flag`
    /// are plain.
    fn plain_start(&self, p: usize) -> bool {
        let c = self.at(p);
        !indicator(c)
            || (c == b'-'
                && (self.at(p + 1).is_ascii_alphanumeric()
                    || matches!(self.at(p + 1), b'-' | b'.')))
    }

    /// Whether `p` is a sequence entry's `-`.
    fn dash(&self, p: usize) -> bool {
        self.at(p) == b'-' && matches!(self.at(p + 1), b' ' | b'\n')
    }

    fn deeper(&mut self) -> Read<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Decline);
        }
        Ok(())
    }

    /// Whether the line at `p` starts with a key: a plain or quoted scalar, then `:` and a
    /// space or the line's end.
    fn key_line(&self, p: usize) -> bool {
        let after = match self.at(p) {
            b'"' | b'\'' => {
                let quote = self.at(p);
                let eol = self.eol(p);
                match self.b[p + 1..eol].iter().position(|&c| c == quote) {
                    Some(i) => self.skip_spaces(p + 2 + i),
                    None => return false,
                }
            }
            _ => match self.plain_key_colon(p) {
                Some(colon) => colon,
                None => return false,
            },
        };
        self.at(after) == b':' && matches!(self.at(after + 1), b' ' | b'\n')
    }

    /// The `:` that ends a plain key starting at `p`, if the line has one.
    fn plain_key_colon(&self, p: usize) -> Option<usize> {
        let eol = self.eol(p);
        let mut q = p;
        while q < eol {
            match self.b[q] {
                b':' if matches!(self.at(q + 1), b' ' | b'\n') => return Some(q),
                b'#' if q > p && self.b[q - 1] == b' ' => return None,
                _ => q += 1,
            }
        }
        None
    }

    /// A block mapping at `column`, its first key at `first`.
    fn mapping(&mut self, first: usize, column: usize) -> Read<()> {
        self.deeper()?;
        self.emit(
            Event::MappingStart(StructureStyle::Block, 0, None),
            first,
            first,
        );
        let mut p = first;
        loop {
            let colon = self.key(p)?;
            self.value(colon, column)?;
            match self.peek() {
                None => {
                    let end = self.b.len();
                    self.emit(Event::MappingEnd, end, end);
                    break;
                }
                Some((q, c)) if c == column && self.document_marker(q, c).is_none() => {
                    if self.dash(q) {
                        return Err(Decline);
                    }
                    p = q;
                }
                Some((q, c)) if c <= column => {
                    self.emit(Event::MappingEnd, q, q);
                    break;
                }
                Some(_) => return Err(Decline),
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// A mapping key at `p`: emits it; gives its `:`.
    fn key(&mut self, p: usize) -> Read<usize> {
        let end = match self.at(p) {
            b'"' | b'\'' => self.quoted(p)?,
            c if indicator(c) => return Err(Decline),
            _ => {
                let colon = self.plain_key_colon(p).ok_or(Decline)?;
                if self.b[p..colon]
                    .iter()
                    .any(|c| matches!(c, b'[' | b']' | b'{' | b'}' | b','))
                {
                    return Err(Decline);
                }
                self.plain(p, colon)
            }
        };
        let colon = self.skip_spaces(end);
        if self.at(colon) != b':' || !matches!(self.at(colon + 1), b' ' | b'\n') {
            return Err(Decline);
        }
        Ok(colon)
    }

    /// The value of a key of the mapping at `column`, after the key's `:` at `colon`. A
    /// missing value is a null at the `:`, as granit-parser places it.
    fn value(&mut self, colon: usize, column: usize) -> Read<()> {
        let p = colon + 1;
        let q = self.skip_spaces(p);
        match self.at(q) {
            // `key()` saw a space or the line's end after the `:`, so a `#` here is a comment.
            b'\n' | b'#' => {
                self.pos = self.next_line(q);
                match self.peek() {
                    Some((r, c)) if c > column => self.block(r, c),
                    Some((r, c)) if c == column && self.dash(r) => self.sequence(r, c, true),
                    _ => {
                        self.scalar(Cow::Borrowed("~"), ScalarStyle::Plain, colon, colon);
                        Ok(())
                    }
                }
            }
            b'|' => self.literal(q, column),
            _ => self.inline(q),
        }
    }

    /// A value that starts and ends on this line at `p`: flow collection, quoted or plain.
    fn inline(&mut self, p: usize) -> Read<()> {
        let end = match self.at(p) {
            b'{' | b'[' => self.flow(p)?,
            b'"' | b'\'' => self.quoted(p)?,
            _ if !self.plain_start(p) => return Err(Decline),
            _ => {
                let eol = self.eol(p);
                let mut q = p;
                while q < eol {
                    match self.b[q] {
                        b':' if matches!(self.at(q + 1), b' ' | b'\n') => return Err(Decline),
                        b'#' if self.b[q - 1] == b' ' => break,
                        _ => q += 1,
                    }
                }
                self.plain(p, q)
            }
        };
        self.end_line(end)
    }

    /// A quoted scalar at `p` that closes on its line: emits it, gives its end.
    fn quoted(&mut self, p: usize) -> Read<usize> {
        let quote = self.b[p];
        let eol = self.eol(p);
        let mut q = p + 1;
        let mut owned: Option<String> = None;
        loop {
            if q >= eol {
                return Err(Decline);
            }
            match self.b[q] {
                b'\\' if quote == b'"' => return Err(Decline),
                c if c == quote => {
                    if quote == b'\'' && self.at(q + 1) == b'\'' {
                        owned
                            .get_or_insert_with(|| self.text[p + 1..q].to_string())
                            .push('\'');
                        q += 2;
                        continue;
                    }
                    break;
                }
                c => {
                    if let Some(s) = owned.as_mut() {
                        s.push(c as char);
                    }
                    q += 1;
                }
            }
        }
        let (value, style) = match quote {
            b'"' => (
                Cow::Borrowed(&self.text[p + 1..q]),
                ScalarStyle::DoubleQuoted,
            ),
            _ => (
                owned.map_or(Cow::Borrowed(&self.text[p + 1..q]), Cow::Owned),
                ScalarStyle::SingleQuoted,
            ),
        };
        self.scalar(value, style, p, q + 1);
        Ok(q + 1)
    }

    /// A `|` or `|-` literal block at `p`, the value of a key at `column`.
    fn literal(&mut self, p: usize, column: usize) -> Read<()> {
        let strip = self.at(p + 1) == b'-';
        let header_end = p + 1 + usize::from(strip);
        if !matches!(self.at(header_end), b' ' | b'\n') {
            return Err(Decline);
        }
        self.end_line(header_end)?;
        // The first line sets the indentation; blank lines before it are left to granit.
        let first = self.pos;
        let start = self.skip_spaces(first);
        let indent = start - first;
        if indent <= column || self.at(start) == b'\n' {
            return Err(Decline);
        }
        let mut value = String::new();
        let mut blank = 0;
        // Whether the last content line ends with a line break (not at the text's end).
        let mut last_break = true;
        let mut line = first;
        // Where the block ends (the next line's content, or the text's end), and the line
        // reading goes on at.
        let (end, next) = loop {
            if line >= self.b.len() {
                break (self.b.len(), self.b.len());
            }
            let q = self.skip_spaces(line);
            let eol = self.eol(line);
            if q == eol {
                // A blank line: more spaces than the indentation would be content.
                if q - line > indent {
                    return Err(Decline);
                }
                blank += 1;
            } else if q - line < indent {
                break (q, line);
            } else {
                for _ in 0..blank {
                    value.push('\n');
                }
                blank = 0;
                value.push_str(&self.text[line + indent..eol]);
                value.push('\n');
                last_break = eol < self.b.len();
            }
            if eol >= self.b.len() {
                break (self.b.len(), self.b.len());
            }
            line = eol + 1;
        };
        // Clip keeps the last content line's break, strip none.
        if strip || !last_break {
            value.pop();
        }
        self.scalar(Cow::Owned(value), ScalarStyle::Literal, start, end);
        self.pos = next;
        Ok(())
    }

    /// A block sequence at `column`, its first `-` at `first`; `indentless` when it is a
    /// key's value at the key's own column.
    fn sequence(&mut self, first: usize, column: usize, indentless: bool) -> Read<()> {
        self.deeper()?;
        // granit-parser places an indentless sequence at its first item's content.
        let at = if indentless {
            self.skip_spaces(first + 1)
        } else {
            first
        };
        self.emit(Event::SequenceStart(StructureStyle::Block, 0, None), at, at);
        let mut p = first;
        loop {
            let q = self.skip_spaces(p + 1);
            if matches!(self.at(q), b'\n' | b'#') {
                return Err(Decline);
            }
            let item_column = column + (q - p);
            if self.dash(q) {
                self.sequence(q, item_column, false)?;
            } else if self.key_line(q) {
                self.mapping(q, item_column)?;
            } else if self.at(q) == b'|' {
                return Err(Decline);
            } else {
                self.inline(q)?;
            }
            match self.peek() {
                None => {
                    let end = self.b.len();
                    self.emit(Event::SequenceEnd, end, end);
                    break;
                }
                Some((r, c))
                    if c == column && self.dash(r) && self.document_marker(r, c).is_none() =>
                {
                    p = r;
                }
                Some((r, c))
                    if c < column
                        || (c == column
                            && (indentless || self.document_marker(r, c).is_some())) =>
                {
                    self.emit(Event::SequenceEnd, r, r);
                    break;
                }
                Some(_) => return Err(Decline),
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// A flow collection at `p` that closes on its line: emits it, gives its end.
    fn flow(&mut self, p: usize) -> Read<usize> {
        self.deeper()?;
        let open = self.b[p];
        let (close, start, end) = if open == b'[' {
            (
                b']',
                Event::SequenceStart(StructureStyle::Flow, 0, None),
                Event::SequenceEnd,
            )
        } else {
            (
                b'}',
                Event::MappingStart(StructureStyle::Flow, 0, None),
                Event::MappingEnd,
            )
        };
        self.emit(start, p, p + 1);
        let mut q = self.skip_spaces(p + 1);
        if self.at(q) != close {
            loop {
                if open == b'{' {
                    q = self.flow_key(q)?;
                    q = self.skip_spaces(q);
                    if self.at(q) != b':' || self.at(q + 1) != b' ' {
                        return Err(Decline);
                    }
                    q = self.skip_spaces(q + 1);
                }
                q = self.flow_item(q)?;
                q = self.skip_spaces(q);
                self.room_left()?;
                match self.at(q) {
                    b',' => {
                        q = self.skip_spaces(q + 1);
                        if self.at(q) == close {
                            return Err(Decline);
                        }
                    }
                    c if c == close => break,
                    _ => return Err(Decline),
                }
            }
        }
        self.emit(end, q, q + 1);
        self.depth -= 1;
        Ok(q + 1)
    }

    /// A key of a flow mapping: plain (up to its `:`) or quoted.
    fn flow_key(&mut self, p: usize) -> Read<usize> {
        match self.at(p) {
            b'"' | b'\'' => self.quoted(p),
            c if indicator(c) => Err(Decline),
            _ => {
                let mut q = p;
                loop {
                    match self.at(q) {
                        b':' if self.at(q + 1) == b' ' => break,
                        b'\n' | b'#' | b',' | b'[' | b']' | b'{' | b'}' | b':' | b'"' | b'\'' => {
                            return Err(Decline);
                        }
                        _ => q += 1,
                    }
                }
                Ok(self.plain(p, q))
            }
        }
    }

    /// An item (or a mapping's value) of a flow collection.
    fn flow_item(&mut self, p: usize) -> Read<usize> {
        match self.at(p) {
            b'{' | b'[' => self.flow(p),
            b'"' | b'\'' => self.quoted(p),
            _ if !self.plain_start(p) => Err(Decline),
            _ => {
                let mut q = p;
                loop {
                    match self.at(q) {
                        b',' | b']' | b'}' => break,
                        b'\n' | b'#' | b'[' | b'{' | b':' | b'"' | b'\'' => return Err(Decline),
                        _ => q += 1,
                    }
                }
                Ok(self.plain(p, q))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(text: &str) {
        match agrees(text) {
            Ok(true) => {}
            Ok(false) => panic!("declined:\n{text}"),
            Err(e) => panic!("the readers differ on:\n{text}\n{e}"),
        }
    }

    #[test]
    fn takes_what_manifests_are_written_in_and_reads_it_as_granit_does() {
        for text in [
            "# head\napiVersion: v1\nkind: X\nmetadata:\n  labels: {a: b, c: \"d\"}\n  name: n\nspec:\n  list:\n  - a\n  - b: 1\n    c: 'q''x'\n  - - deep\n  empty:\n  text: |\n    line one\n      two\n\n  tail: x # comment\n  t2: |-\n    abc\n---\n- x\n",
            "a:   # c\n  nested: 1\nb:\nc:\n  # only comment\nd: x\n",
            "- x\n\n# c\n- y\n-   z   \n",
            "a: [x, \"y\", {}]\nb: {}\nc: []\n\"q\": 1\n's': 2\nk: v\n",
            "a: |\n  x\n\n# comment\nb:\n  c: 1\n# c2\n  # c3\nd:\n- e\n- f: 1\n  g: 2\nh: |-\n  last",
            "a: b",
            "x:\n  - a\n  - b\ny:\n  k:\n    - z\n",
            "---\n---\na: 1\n--- # c\nb: [1, 2.5, yes, ~, null, 0x1F, 0644, '3']\n",
            "\"q\":\n'r' :   \nk : v\n",
            "a: {b: [1, {c: d}], e: \"f g\"}\nimage: reg.example.com/x:1.2\nurl: https://x.example.com/a#b\n",
            "- name: a\n  items:\n  - 1\n  - 2\n- name: b\n",
            "a: |\n  x\n   y\n\n  z\n\n\nb: 1\n",
            "a: |\n  x\n",
            "a: |-\n  x\n\n",
            "  indented: 1\n  b: 2\n",
            "a: b\n...\n",
        ] {
            if text.contains("...") {
                assert!(events(text, u64::MAX).is_none());
                continue;
            }
            same(text);
        }
    }

    #[test]
    fn declines_what_it_does_not_read() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: >\n  folded\n",
            "a: |2\n  x\n",
            "a: \"esc\\n\"\n",
            "a: 'multi\n  line'\n",
            "a: plain\n  continued\n",
            "a:\tb\n",
            "a: b\r\n",
            "a: café\n",
            "a: [1,\n  2]\n",
            "? a\n: b\n",
            "a: b: c\n",
            "%YAML 1.2\n---\na: 1\n",
            "just a scalar\n",
            "-\n  a: 1\n",
            "a: {b}\n",
            "a: [1, ]\n",
        ] {
            assert!(events(text, u64::MAX).is_none(), "should decline:\n{text}");
        }
    }

    /// Every YAML file of the repository, as (name, text): the fast reader must take all of
    /// platc's own output, and give granit's tree for everything it takes.
    fn corpus() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dirs: Vec<_> = ["out", "tests", "docs"]
            .iter()
            .map(|d| root.join(d))
            .collect();
        crate::fs::read_yaml_inputs(&dirs).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_repository_s_yaml_reads_the_same() {
        let corpus = corpus();
        assert!(corpus.len() > 50, "found {} YAML files", corpus.len());
        let mut declined = Vec::new();
        for (path, text) in &corpus {
            match agrees(text) {
                Ok(true) => {}
                Ok(false) => declined.push(path),
                Err(e) => panic!("the readers differ on {path}:\n{e}"),
            }
        }
        let own: Vec<_> = declined
            .iter()
            .filter(|p| {
                std::path::Path::new(p)
                    .starts_with(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("out"))
            })
            .collect();
        assert!(own.is_empty(), "platc's own output declined: {own:?}");
    }

    /// Small random edits of every file (deterministic): whatever the fast reader takes, it
    /// reads as granit does, errors included.
    #[test]
    fn edited_files_read_the_same() {
        let corpus = corpus();
        let mut next = crate::testing::numbers(0x9E37_79B9_7F4A_7C15);
        const BYTES: &[u8] = b" :-#\n'\"{}[],|>~!&*?0a.";
        // More edits with `PLATC_YAML_EDITS=N` (edits a file; 40 by default).
        let edits = std::env::var("PLATC_YAML_EDITS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(40);
        let mut taken = 0;
        let mut tried = 0;
        for (path, text) in corpus.iter().filter(|(_, t)| t.len() < 20_000) {
            for _ in 0..edits {
                tried += 1;
                let mut b = text.clone().into_bytes();
                for _ in 0..1 + next(3) {
                    if b.is_empty() {
                        break;
                    }
                    let at = next(b.len());
                    match next(5) {
                        0 => {
                            b.remove(at);
                        }
                        1 => b.insert(at, BYTES[next(BYTES.len())]),
                        2 => b[at] = BYTES[next(BYTES.len())],
                        3 => {
                            // Indent or dedent the line `at` is on.
                            let start = b[..at]
                                .iter()
                                .rposition(|&c| c == b'\n')
                                .map_or(0, |i| i + 1);
                            if next(2) == 0 {
                                b.insert(start, b' ');
                            } else if b.get(start) == Some(&b' ') {
                                b.remove(start);
                            }
                        }
                        _ => {
                            // Repeat the line `at` is on.
                            let start = b[..at]
                                .iter()
                                .rposition(|&c| c == b'\n')
                                .map_or(0, |i| i + 1);
                            let end = b[at..]
                                .iter()
                                .position(|&c| c == b'\n')
                                .map_or(b.len(), |i| at + i + 1);
                            let line = b[start..end].to_vec();
                            b.splice(start..start, line);
                        }
                    }
                }
                let Ok(edited) = String::from_utf8(b) else {
                    continue;
                };
                match agrees(&edited) {
                    Ok(true) => taken += 1,
                    Ok(false) => {}
                    Err(e) => panic!("the readers differ on an edit of {path}:\n{edited}\n{e}"),
                }
            }
        }
        assert!(
            taken * 4 > tried,
            "the fast reader took only {taken} of {tried} edited files"
        );
    }
}
