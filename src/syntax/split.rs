//! Large files parsed in pieces, on all cores.
//!
//! A 10,000-tenant `platform.toml` is ~20 MB, and the TOML parser's document for it holds about
//! 40 bytes for every byte of text: parsing it whole took ~0.8 s and 800 MiB. Such a file is a
//! preamble followed by one run of `[namespaces.NAME...]` tables per namespace, so it is cut at
//! the table headers between namespaces into pieces of [`PIECE_BYTES`] or more, each piece is
//! parsed on its own (spans shifted back to the whole file) and the pieces are joined. A piece
//! is built from the parser's events ([`events`](super::events)) when it can be, through `toml`'s
//! document otherwise.
//!
//! The cut is a guess made from lines that start with `[`; the parser settles it. A piece that
//! fails to parse (a cut inside a multi-line string or array leaves one unterminated), or pieces
//! that do not join cleanly (a key other than `namespaces` in two pieces, one namespace in two,
//! an inline `namespaces = { ... }` table extended by a later header), make [`parse`] return
//! `None`, and the caller parses the whole file instead, which reports exactly what the TOML
//! parser says about it. So the result is the same tree, spans included, as a whole-file parse.

use std::ops::Range;

use super::{Node, NodeValue, Table};
use crate::diag::FileId;

/// Pieces are at least this long, so each parse amortises its set-up and threads stay busy.
const PIECE_BYTES: usize = 256 * 1024;

/// Parses `text` in pieces when it is large and cut into pieces cleanly; `None` otherwise.
pub(super) fn parse(file: FileId, text: &str) -> Option<Node> {
    parse_with(file, text, PIECE_BYTES)
}

/// [`parse`] with pieces of at least `piece_bytes` (tests use small pieces).
pub(super) fn parse_with(file: FileId, text: &str, piece_bytes: usize) -> Option<Node> {
    let pieces = pieces(text, piece_bytes);
    if pieces.len() < 2 {
        return None;
    }
    let parsed = crate::par::map(&pieces, 1, |range| {
        super::parse_text(file, &text[range.clone()], range.start).ok()
    });
    let mut parsed = parsed.into_iter();
    let mut root = parsed.next()??;
    let NodeValue::Table(entries) = &mut root.value else {
        return None;
    };
    for piece in parsed {
        let NodeValue::Table(piece) = piece?.value else {
            return None;
        };
        join(entries, piece, text)?;
    }
    Some(root)
}

/// Adds a later piece's top-level entries to `root`: new keys as they are, and new namespaces
/// into an existing `namespaces` table made by headers. Anything else is a clash only the
/// whole-file parser can judge: `None`.
fn join(root: &mut Table, piece: Table, text: &str) -> Option<()> {
    for (key, node) in piece {
        match root.get_mut(&key) {
            None => {
                root.insert(key, node);
            }
            Some(existing) if key == "namespaces" => {
                // `namespaces = { ... }` is closed: a later `[namespaces.x]` is a TOML error.
                if text.as_bytes().get(existing.span.range().start) == Some(&b'{') {
                    return None;
                }
                let (NodeValue::Table(into), NodeValue::Table(from)) =
                    (&mut existing.value, node.value)
                else {
                    return None;
                };
                for (name, ns) in from {
                    if into.contains_key(&name) {
                        return None;
                    }
                    into.insert(name, ns);
                }
            }
            Some(_) => return None,
        }
    }
    Some(())
}

/// Byte ranges covering `text`, cut only before a table header that starts a new namespace,
/// each at least `piece_bytes` long (the last may be shorter).
fn pieces(text: &str, piece_bytes: usize) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    if text.len() < piece_bytes.saturating_mul(2) {
        return pieces;
    }
    let mut start = 0;
    let mut current: Option<&str> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        let Some(owner) = header_namespace(line) else {
            continue;
        };
        if current == Some(owner) {
            continue;
        }
        current = Some(owner);
        if here - start >= piece_bytes {
            pieces.push(start..here);
            start = here;
        }
    }
    pieces.push(start..text.len());
    pieces
}

/// For a line that is a table header `[namespaces.NAME...]` or `[[namespaces.NAME...]]` with a
/// bare NAME: NAME. Other lines, other headers and quoted names: `None` (never cut there).
fn header_namespace(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches([' ', '\t']).strip_prefix('[')?;
    let rest = rest.strip_prefix('[').unwrap_or(rest);
    let rest = rest
        .trim_start_matches([' ', '\t'])
        .strip_prefix("namespaces")?;
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix('.')?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    let after = rest[end..].trim_start_matches([' ', '\t']);
    (!name.is_empty() && (after.starts_with('.') || after.starts_with(']'))).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str) -> String {
        format!(
            "{:?}",
            super::super::parse_text(FileId(0), text, 0).unwrap()
        )
    }

    fn split(text: &str, piece: usize) -> Option<String> {
        parse_with(FileId(0), text, piece).map(|n| format!("{n:?}"))
    }

    fn platform(n: usize) -> String {
        let mut s = String::from("[platform]\nname = \"p\"\n\n[vars]\nteam = \"x\"\n\n");
        for i in 0..n {
            s.push_str(&format!(
                "[namespaces.ns-{i}]\nlabels = {{ team = \"t{i}\" }}\n\n\
                 [namespaces.ns-{i}.quota]\ncpu = \"{i}\"\n\n\
                 [[namespaces.ns-{i}.network_policies]]\nname = \"a\"\n\n\
                 [namespaces.ns-{i}.pipelines.p.steps.s]\nimage = \"\"\"\nmulti\n\"\"\"\n\n"
            ));
        }
        s
    }

    #[test]
    fn pieces_join_into_the_whole_file_tree_spans_included() {
        let text = platform(40);
        assert!(text.len() > 6000);
        for piece in [1, 64, 300, 1000, 3000] {
            assert_eq!(
                split(&text, piece).as_deref(),
                Some(whole(&text).as_str()),
                "{piece}"
            );
        }
    }

    #[test]
    fn the_repository_configs_parse_the_same_in_pieces() {
        for (path, text) in crate::syntax::repository_configs() {
            let expected = whole(&text);
            for piece in [1, 200, 2000] {
                if let Some(got) = split(&text, piece) {
                    assert_eq!(got, expected, "{} in pieces of {piece}", path.display());
                }
            }
            assert!(
                split(&text, 1).is_some() || !text.contains("\n[namespaces."),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn cuts_only_before_a_new_namespace() {
        let text = platform(5);
        let cuts: Vec<&str> = pieces(&text, 1)
            .iter()
            .skip(1)
            .map(|r| text[r.clone()].lines().next().unwrap())
            .collect();
        assert_eq!(
            cuts,
            [
                "[namespaces.ns-0]",
                "[namespaces.ns-1]",
                "[namespaces.ns-2]",
                "[namespaces.ns-3]",
                "[namespaces.ns-4]"
            ]
        );
        assert!(
            pieces("[namespaces.a]\n", 1000).is_empty(),
            "small files are parsed whole"
        );
    }

    #[test]
    fn anything_only_the_whole_parser_can_judge_falls_back() {
        let ns = |i: usize| format!("[namespaces.n{i}]\nlabels = {{ a = \"b\" }}\n");
        // a namespace defined twice, in two pieces
        let twice = format!("{}{}{}", ns(1), ns(2), ns(1));
        assert_eq!(split(&twice, 1), None);
        // another top-level key in two pieces (legal here, but left to the whole parser)
        let platform = format!(
            "[platform]\nname = \"a\"\n{}[platform.x]\nb = 1\n{}",
            ns(1),
            ns(2)
        );
        assert_eq!(split(&platform, 1), None);
        // an inline namespaces table extended by a header
        let inline = format!("namespaces = {{ a = {{}} }}\n{}", ns(1));
        assert_eq!(split(&inline, 1), None);
        // a cut inside a multi-line string
        let string = format!("{}x = \"\"\"\n[namespaces.n9]\n\"\"\"\n{}", ns(1), ns(2));
        assert_eq!(split(&string, 1), None);
        // a cut inside a multi-line array
        let array = format!("{}x = [\n[namespaces.n9]\n]\n{}", ns(1), ns(2));
        assert_eq!(split(&array, 1), None);
        // a syntax error in a piece
        let broken = format!("{}{}x = \n", ns(1), ns(2));
        assert_eq!(split(&broken, 1), None);
    }

    #[test]
    fn header_names() {
        assert_eq!(header_namespace("[namespaces.a-b.quota]\n"), Some("a-b"));
        assert_eq!(header_namespace("  [[ namespaces . a_1 ]]\n"), Some("a_1"));
        assert_eq!(header_namespace("[namespaces]\n"), None);
        assert_eq!(header_namespace("[namespaces.\"a.b\"]\n"), None);
        assert_eq!(header_namespace("[namespacesx.a]\n"), None);
        assert_eq!(header_namespace("x = [namespaces.a]\n"), None);
    }
}
