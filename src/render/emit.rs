//! A YAML emitter for the shapes platc's objects take (block mappings, block sequences, scalars),
//! writing byte for byte what serde-saphyr writes with the options of [`super::yaml`], at a
//! fraction of the cost: serde-saphyr checks every key and value against YAML's quoting rules
//! character by character, and that was most of rendering a large platform.
//!
//! It writes the structure itself and only the commonest scalars: names, labels, paths and text
//! made of letters, digits, spaces and `-_./` (and `:` inside values) that start with a letter
//! and are no YAML 1.1 keyword, and integers in strings (`"200"`). Every other scalar is
//! rendered by serde-saphyr on its own and put in place, so the quoting rules stay
//! serde-saphyr's. A shape it does not handle (a sequence directly in
//! a sequence, a block scalar as a sequence item, tuples, enum payloads) makes [`emit`] return
//! `None`, and the caller renders the whole object with serde-saphyr. Tests compare the two on
//! every object of the golden platforms and on hand-picked awkward values.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{self, Serialize};

/// The YAML of `value`, or `None` where only serde-saphyr knows how to write it.
pub fn emit<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut out = String::with_capacity(1024);
    value
        .serialize(Emitter {
            out: &mut out,
            at: At::Top,
        })
        .ok()?;
    Some(out)
}

/// A shape left to serde-saphyr.
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde-saphyr")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self
    }
}

type Result<T = ()> = std::result::Result<T, Unsupported>;

/// Where the next value goes.
#[derive(Clone, Copy)]
enum At {
    /// The document itself.
    Top,
    /// After `key:`, the key at this column.
    Value(usize),
    /// After `- `, the dash at this column.
    Item(usize),
}

/// YAML 1.1 words a reader takes for a boolean, null or special float whatever their case.
const KEYWORDS: [&str; 11] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
];

/// Whether serde-saphyr surely writes `s` as it is, as a key (`value: false`) or a value. The
/// answer `false` only means "ask serde-saphyr".
///
/// A value may also start with a digit when it holds a letter no number, date or time can
/// (`500m`, `1Gi`; not `1e3`, `0x1F`, `2024-01-01t`) and no `:` (`12:30` is a time), and hold
/// spaces (`Pipeline production/etl failed`) when it starts with a letter, ends with no space and
/// holds no `:` (`: ` would start a mapping).
fn plain(s: &str, value: bool) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    let starts_well = first.is_ascii_alphabetic()
        || (value
            && first.is_ascii_digit()
            && !bytes.contains(&b':')
            && bytes
                .iter()
                .any(|&b| b.is_ascii_alphabetic() && !b"abcdefoxtzABCDEFOXTZ".contains(&b)));
    let spaced = value && first.is_ascii_alphabetic() && !bytes.contains(&b':');
    starts_well
        && bytes.last().is_some_and(|&b| b != b':' && b != b' ')
        && bytes.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'.' | b'/')
                || (value && b == b':')
                || (spaced && b == b' ')
        })
        && (s.len() > KEYWORD_LEN || !KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k)))
}

/// Whether `s` is a decimal integer (`200`, `-1`, `0644`) of at most 18 digits (always within
/// an i64), which serde-saphyr writes in double quotes as a string value. Longer ones are left
/// to it.
fn integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The length of the longest of [`KEYWORDS`].
const KEYWORD_LEN: usize = 5;

fn indent(out: &mut String, column: usize) {
    out.extend(std::iter::repeat_n(' ', column));
}

/// serde-saphyr's YAML of a one-entry map `{k: v}`.
fn alone<T: Serialize + ?Sized>(v: &T) -> String {
    super::yaml(&BTreeMap::from([("k", v)]))
}

/// A key as serde-saphyr writes it.
fn write_key(out: &mut String, key: &str) -> Result {
    if plain(key, false) {
        out.push_str(key);
        return Ok(());
    }
    let rendered = super::yaml(&BTreeMap::from([(key, 0u8)]));
    let written = rendered.strip_suffix(": 0\n").ok_or(Unsupported)?;
    if written.contains('\n') {
        return Err(Unsupported);
    }
    out.push_str(written);
    Ok(())
}

struct Emitter<'a> {
    out: &'a mut String,
    at: At,
}

impl Emitter<'_> {
    /// A scalar that fits on the line it starts on.
    fn inline(self, text: &str) -> Result {
        match self.at {
            At::Top => return Err(Unsupported),
            At::Value(_) => self.out.push(' '),
            At::Item(_) => {}
        }
        self.out.push_str(text);
        self.out.push('\n');
        Ok(())
    }

    /// A scalar rendered by serde-saphyr on its own (`k: ...`), put in place: inline, or a
    /// block scalar whose body moves from under `k` to under this key.
    fn alone<T: Serialize + ?Sized>(self, v: &T) -> Result {
        let rendered = alone(v);
        let rest = rendered.strip_prefix("k:").ok_or(Unsupported)?;
        let Some((head, body)) = rest.split_once('\n') else {
            return Err(Unsupported);
        };
        if body.is_empty() {
            return self.inline(head.strip_prefix(' ').ok_or(Unsupported)?);
        }
        let At::Value(column) = self.at else {
            return Err(Unsupported);
        };
        self.out.push_str(head);
        self.out.push('\n');
        for line in body.lines() {
            if !line.is_empty() {
                let text = line.strip_prefix("  ").ok_or(Unsupported)?;
                indent(self.out, column + 2);
                self.out.push_str(text);
            }
            self.out.push('\n');
        }
        Ok(())
    }
}

/// A block mapping being written.
struct Mapping<'b> {
    out: &'b mut String,
    at: At,
    /// The column of its keys.
    column: usize,
    entries: usize,
}

impl<'b> Mapping<'b> {
    fn new(e: Emitter<'b>) -> Self {
        let column = match e.at {
            At::Top => 0,
            At::Value(c) | At::Item(c) => c + 2,
        };
        Mapping {
            out: e.out,
            at: e.at,
            column,
            entries: 0,
        }
    }

    /// Starts an entry: where its key goes, the key (`write_key`), then `:`.
    fn key(&mut self, write_key: impl FnOnce(&mut String) -> Result) -> Result {
        match (self.at, self.entries) {
            (At::Value(_), 0) => {
                self.out.push('\n');
                indent(self.out, self.column);
            }
            (At::Item(_), 0) => {}
            _ => indent(self.out, self.column),
        }
        self.entries += 1;
        write_key(self.out)?;
        self.out.push(':');
        Ok(())
    }

    /// The value of the entry just started.
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(Emitter {
            out: self.out,
            at: At::Value(self.column),
        })
    }

    fn finish(self) -> Result {
        close(self.out, self.at, self.entries, "{}")
    }
}

/// Ends a mapping or sequence of `count` entries: one that got none is written `{}` or `[]`
/// (`empty`) where it was to start.
fn close(out: &mut String, at: At, count: usize, empty: &str) -> Result {
    if count == 0 {
        Emitter { out, at }.inline(empty)?;
    }
    Ok(())
}

/// A block sequence being written.
struct Sequence<'b> {
    out: &'b mut String,
    at: At,
    /// The column of its dashes.
    column: usize,
    items: usize,
}

impl<'b> Sequence<'b> {
    fn new(e: Emitter<'b>) -> Result<Self> {
        let column = match e.at {
            At::Top => 0,
            // Compact: the dashes line up with the key.
            At::Value(c) => c,
            At::Item(_) => return Err(Unsupported),
        };
        Ok(Sequence {
            out: e.out,
            at: e.at,
            column,
            items: 0,
        })
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        if self.items == 0 && matches!(self.at, At::Value(_)) {
            self.out.push('\n');
        }
        self.items += 1;
        indent(self.out, self.column);
        self.out.push_str("- ");
        value.serialize(Emitter {
            out: self.out,
            at: At::Item(self.column),
        })
    }

    fn finish(self) -> Result {
        close(self.out, self.at, self.items, "[]")
    }
}

/// Writes a map key, which must be a string, as [`write_key`] does.
struct KeyText<'a>(&'a mut String);

macro_rules! unsupported {
    ($($name:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ret> { Err(Unsupported) })*
    };
}

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_str(self, v: &str) -> Result {
        write_key(self.0, v)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result {
        v.serialize(self)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result {
        write_key(self.0, v)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result {
        Err(Unsupported)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result {
        Err(Unsupported)
    }

    unsupported! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// Integers are written in decimal, as they are.
macro_rules! integers {
    ($($name:ident($ty:ty),)*) => {
        $(fn $name(self, v: $ty) -> Result {
            self.inline(&v.to_string())
        })*
    };
}

impl<'b> ser::Serializer for Emitter<'b> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Sequence<'b>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = Mapping<'b>;
    type SerializeStruct = Mapping<'b>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result {
        self.inline(if v { "true" } else { "false" })
    }

    integers! {
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
    }

    fn serialize_f32(self, v: f32) -> Result {
        self.alone(&v)
    }

    fn serialize_f64(self, v: f64) -> Result {
        self.alone(&v)
    }

    fn serialize_char(self, v: char) -> Result {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result {
        if plain(v, true) {
            self.inline(v)
        } else if integer(v) {
            // A number in a string (quota amounts, sync waves) is quoted to stay a string.
            self.inline(&format!("\"{v}\""))
        } else {
            self.alone(v)
        }
    }

    fn serialize_bytes(self, _: &[u8]) -> Result {
        Err(Unsupported)
    }

    fn serialize_none(self) -> Result {
        self.alone(&None::<u8>)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result {
        v.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.alone(&())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.alone(&())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result {
        Err(Unsupported)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Sequence<'b>> {
        Sequence::new(self)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(Unsupported)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(Unsupported)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Mapping<'b>> {
        Ok(Mapping::new(self))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Mapping<'b>> {
        Ok(Mapping::new(self))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Unsupported)
    }
}

impl ser::SerializeSeq for Sequence<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result {
        self.item(v)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeMap for Mapping<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.key(|out| key.serialize(KeyText(out)))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.value(value)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

impl ser::SerializeStruct for Mapping<'_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result {
        self.key(|out| write_key(out, key))?;
        self.value(v)
    }

    fn end(self) -> Result {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Both emitters on one value: the same bytes, or a shape this one leaves alone.
    fn same(value: &serde_json::Value) {
        if let Some(fast) = emit(value) {
            assert_eq!(fast, super::super::yaml(value), "for {value}");
        }
    }

    const AWKWARD: [&str; 52] = [
        "10Mi",
        "1.5Gi",
        "3h",
        "0x1G",
        "0x1F",
        "0b1z",
        "0o7g",
        "1e5g",
        "1_0k",
        "2024-01-01t",
        "2024-01-01Tk",
        "1:30m",
        "plain",
        "on",
        "Off",
        "NULL",
        "~",
        "",
        " lead",
        "trail ",
        "0644",
        "1_000",
        "12:30",
        "2024-01-01",
        "1e3",
        "0x1F",
        ".inf",
        "-",
        "--topic",
        "- item",
        "a: b",
        "a:b",
        "ends:",
        "#hash",
        "a #b",
        "a#b",
        "https://example.com/x?y=1",
        "registry.example.com/etl:1.4.2",
        "500m",
        "1Gi",
        "\"quoted\"",
        "it's",
        "tab\there",
        "line\nbreak",
        "trailing\n",
        "  indented\nbody",
        "a\n\nb\n",
        "ünïcode",
        "{not: flow}",
        "[x]",
        "* star",
        "<<",
    ];

    #[test]
    fn awkward_strings_everywhere_they_can_go() {
        for s in AWKWARD {
            assert!(emit(&json!({ "k": s })).is_some(), "{s:?} as a value");
            assert!(
                emit(&json!({ "k": [{ "n": s }] })).is_some(),
                "{s:?} in a list"
            );
            same(&json!({ "k": s }));
            same(&json!({ s: "v" }));
            same(&json!({ "list": [s, "x"] }));
            same(&json!({ "a": [{ "name": s, "b": { "c": s } }] }));
            same(&json!({ "a": { "b": [{ "c": [s] }] } }));
        }
    }

    /// Random strings over YAML's special characters, in every position: a cheap property test
    /// (a fixed seed, so a failure reproduces).
    #[test]
    fn random_strings_everywhere_they_can_go() {
        // YAML's special characters; then what numbers, dates, times and quantities are made of.
        const SPECIAL: &[u8] = b"aZ0915mGikoT -_./:#'\"!&*?|>%@`,[]{}~\n\teEx+";
        const NUMERIC: &[u8] = b"0123456789.-_+/:mGikKeExXoObBtTzZn";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..8000 {
            let chars = if i % 2 == 0 { SPECIAL } else { NUMERIC };
            let len = usize::try_from(next() % 8).unwrap();
            let s: String = (0..len)
                .map(|_| char::from(chars[usize::try_from(next()).unwrap() % chars.len()]))
                .collect();
            same(&json!({ "k": s }));
            same(&json!({ s.clone(): "v" }));
            same(&json!({ "a": [s.clone(), { "b": s.clone(), "c": [s] }] }));
        }
    }

    #[test]
    fn structures_and_numbers() {
        for v in [
            json!({}),
            json!({ "a": {}, "b": [], "c": [{}], "d": [[]] }),
            json!({ "n": 1, "m": -2, "f": 1.5, "g": 1e300, "t": true, "z": null }),
            json!({ "deep": { "er": { "est": [ { "x": [1, 2], "y": { "z": "w" } } ] } } }),
            json!([{ "a": 1 }, "b", 3]),
            json!({ "s": [[1, 2], [3]] }),
        ] {
            same(&v);
        }
    }

    #[test]
    fn keywords_and_odd_text_are_left_to_serde_saphyr() {
        assert!(plain("production-00001", true));
        assert!(plain("app.kubernetes.io/name", false));
        assert!(plain("image:1.2", true));
        assert!(plain("500m", true) && plain("1Gi", true));
        assert!(!plain("1Gi", false), "keys keep to the narrow rule");
        assert!(!plain("image:1.2", false));
        assert_eq!(KEYWORDS.iter().map(|k| k.len()).max(), Some(KEYWORD_LEN));
        assert!(plain("Pipeline production/etl failed", true));
        assert!(!plain("a b", false), "keys keep to the narrow rule");
        for s in [
            "yes", "ON", "Null", "1x", "1e3", "0x1F", "1:2m", "", "-a", "a:", "a ", "a: b", "a :b",
            "1 m",
        ] {
            assert!(!plain(s, true), "{s}");
        }
    }

    /// Every text of up to five characters from an alphabet of letters (a keyword's among them),
    /// digits, spaces and the punctuation the rule allows: whatever [`plain`] lets through,
    /// serde-saphyr writes as it is, as a value and as a key, and what [`integer`] lets through
    /// it writes in double quotes.
    #[test]
    fn what_plain_lets_through_serde_saphyr_writes_as_it_is() {
        const ALPHABET: &[u8] = b"ay10 -.:/_";
        let mut texts = vec![String::new()];
        let mut through = 0;
        for _ in 0..5 {
            texts = texts
                .iter()
                .flat_map(|t| ALPHABET.iter().map(move |&c| format!("{t}{}", c as char)))
                .collect();
            for t in &texts {
                if plain(t, true) {
                    through += 1;
                    assert_eq!(
                        super::super::yaml(&BTreeMap::from([("k", t)])),
                        format!("k: {t}\n"),
                        "{t:?} as a value"
                    );
                }
                if integer(t) {
                    assert_eq!(
                        super::super::yaml(&BTreeMap::from([("k", t)])),
                        format!("k: \"{t}\"\n"),
                        "{t:?} as a number in a string"
                    );
                }
                if plain(t, false) {
                    assert_eq!(
                        super::super::yaml(&BTreeMap::from([(t, 0u8)])),
                        format!("{t}: 0\n"),
                        "{t:?} as a key"
                    );
                }
            }
        }
        assert!(through > 1_000, "{through}");
    }
}
