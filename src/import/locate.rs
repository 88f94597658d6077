//! What the build of an import says, said at the input: a diagnostic about the config import
//! would write points at the input object its entry came from, and one about a manifest it
//! would write points at the same field of the input object, so a user never reads of a file
//! that does not exist.

use super::draft::{Id, Namespace};
use super::read::Object;
use super::rounds::Unsettled;
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::yaml::{self, Node, Step, Value};

/// The diagnostics of an import that does not come back, each located in the input.
pub fn in_input(unsettled: Unsettled, sources: &SourceMap, objects: &[Object]) -> Vec<Diagnostic> {
    let (failed, draft, placed) = match unsettled {
        Unsettled::Promise(d) => return d,
        Unsettled::Build {
            failed,
            draft,
            placed,
        } => (failed, draft, placed),
    };
    let written = &failed.sources;
    let config = &written.file(FileId(0)).text;
    // A span of what import would write, as the span of the input it came from.
    let relocate = |span: Span| -> Option<Span> {
        if span.file == FileId(0) {
            let (ns, path) = config_path(config, span.start as usize)?;
            let owners = owners_at(draft.namespaces.get(&ns)?, &path, objects);
            return owners.first().map(|&id| objects[id].origin);
        }
        let file = written.file(span.file);
        let (id, _, text) = placed.iter().find(|(_, p, _)| *p == file.name)?;
        Some(in_object(&objects[*id], sources, text, span).unwrap_or(objects[*id].origin))
    };
    failed
        .diagnostics
        .into_iter()
        .map(|mut d| {
            let written_line = d.span.map(|s| line_of(&written.file(s.file).text, s.start));
            d.span = d.span.and_then(relocate);
            d.related = std::mem::take(&mut d.related)
                .into_iter()
                .filter_map(|(s, l)| Some((relocate(s)?, l)))
                .collect();
            d.part = None;
            if let (None, Some(line)) = (d.span, written_line) {
                d.notes
                    .push(format!("in what import would write: `{}`", line.trim()));
            }
            d
        })
        .collect()
}

/// The line of `text` holding byte `at`.
fn line_of(text: &str, at: u32) -> &str {
    let at = (at as usize).min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The span in the input of the field `span` points at in `written` (the manifest import
/// wrote for `o`): the same path in the object as read.
fn in_object(o: &Object, sources: &SourceMap, written: &str, span: Span) -> Option<Span> {
    let docs = yaml::parse(FileId(0), written).ok()?;
    let root = &docs.first()?.root;
    let mut path = Vec::new();
    let at_key = path_to(root, span.start, &mut path)?;
    let input = sources.file(o.origin.file);
    let docs = yaml::parse(o.origin.file, &input.text).ok()?;
    let object = docs.iter().find_map(|d| object_named(&d.root, o.origin))?;
    Some(object.span_at(&path, at_key))
}

/// The path to the deepest node of `node` holding byte `at`; whether `at` is on its key.
fn path_to(node: &Node, at: u32, path: &mut Vec<Step>) -> Option<bool> {
    let children: Vec<(Step, &Node)> = match &node.value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (Step::Key(k.clone()), v))
            .collect(),
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Step::Index(i), v))
            .collect(),
        _ => Vec::new(),
    };
    for (step, child) in children {
        let on_key = child
            .key
            .is_some_and(|k| k.start <= at && at < k.end.max(k.start + 1));
        let inside = child.span.start <= at && at < child.span.end.max(child.span.start + 1);
        if on_key || inside {
            path.push(step);
            if on_key {
                return Some(true);
            }
            return path_to(child, at, path).or(Some(false));
        }
    }
    Some(false)
}

/// The object (a document, or an item of a List) whose `metadata.name` is at `origin`.
fn object_named(node: &Node, origin: Span) -> Option<&Node> {
    if node
        .get("metadata")
        .and_then(|m| m.get("name"))
        .is_some_and(|n| n.span.start == origin.start)
    {
        return Some(node);
    }
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .filter(|(k, _)| k == "items")
            .find_map(|(_, v)| object_named(v, origin)),
        Value::Seq(items) => items.iter().find_map(|i| object_named(i, origin)),
        _ => None,
    }
}

/// The namespace and key path (below `[namespaces.NAME]`) of byte `at` of the config import
/// writes: the table header above it and the key of its line (or of the line that opens the
/// value it is in).
pub fn config_path(config: &str, at: usize) -> Option<(String, Vec<String>)> {
    let at = at.min(config.len());
    // The line `at` is on, whole: its key is at its start.
    let line_end = config[at..].find('\n').map_or(config.len(), |i| at + i);
    let before = &config[..line_end];
    let mut header: Option<(Vec<String>, bool)> = None;
    let mut key: Option<Vec<String>> = None;
    // Import writes a key at the start of its line and the items of an array spread over
    // several lines indented; a header is `[...]` or `[[...]]` at the start of a line.
    for line in before.lines().rev() {
        if let Some(h) = line.strip_prefix("[[") {
            header = Some((keys(h.split("]]").next().unwrap_or_default()), true));
            break;
        }
        if let Some(h) = line.strip_prefix('[') {
            header = Some((keys(h.split(']').next().unwrap_or_default()), false));
            break;
        }
        if key.is_none()
            && !line.starts_with([' ', ']', '#'])
            && let Some((k, _)) = line.split_once(" = ")
        {
            key = Some(keys(k));
        }
    }
    let (mut path, array) = header?;
    if path.len() < 2 || path[0] != "namespaces" {
        return None;
    }
    let ns = path[1].clone();
    path.drain(..2);
    if array {
        // `[[namespaces.NAME.patches]]`: which one.
        let opener = format!("[[namespaces.{ns}.{}]]", path.join("."));
        let n = config[..line_end].matches(&opener).count();
        path.push(n.saturating_sub(1).to_string());
    }
    path.extend(key.unwrap_or_default());
    Some((ns, path))
}

/// The keys of a dotted TOML key (`a."b.c".d`).
fn keys(dotted: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in dotted.trim().chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut current).trim().to_string()),
            c => current.push(c),
        }
    }
    out.push(current.trim().to_string());
    out
}

/// The input objects behind the config at `path` of a namespace: the patch there, or the
/// entries on that path (none for the namespace as a whole).
pub fn owners_at(ns: &Namespace, path: &[String], objects: &[Object]) -> Vec<Id> {
    let _ = objects;
    if let [first, index, ..] = path
        && first == "patches"
    {
        return index
            .parse::<usize>()
            .ok()
            .and_then(|i| ns.patches.get(i))
            .map(|p| vec![p.owner])
            .unwrap_or_default();
    }
    if path.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for e in ns.entries.iter().filter(|e| !e.path.is_empty()) {
        let n = e.path.len().min(path.len());
        if e.path[..n] == path[..n] {
            out.extend(e.owners.iter().copied());
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_the_config_name_their_entries() {
        let config = "[platform]\nname = \"p\"\n\n[namespaces.team]\nmanaged = false\n\n[namespaces.team.pipelines.etl]\nschedule = \"0 1 * * *\"\nsteps = [\n  { name = \"a\" },\n  { name = \"b\" },\n]\n\n[[namespaces.team.patches]]\ntarget = \"cronjob/etl\"\n\n[[namespaces.team.patches]]\ntarget = \"role/r\"\n";
        let at = |s: &str| config.find(s).unwrap();
        let p = |s: &str| config_path(config, at(s)).map(|(n, p)| format!("{n}:{}", p.join(".")));
        assert_eq!(p("false").as_deref(), Some("team:managed"));
        assert_eq!(p("\"0 1").as_deref(), Some("team:pipelines.etl.schedule"));
        assert_eq!(
            p("{ name = \"b\"").as_deref(),
            Some("team:pipelines.etl.steps")
        );
        assert_eq!(p("\"role/r\"").as_deref(), Some("team:patches.1.target"));
        assert_eq!(p("\"p\""), None);
        assert_eq!(keys("a.\"b.c\".d"), ["a", "b.c", "d"]);
    }
}
