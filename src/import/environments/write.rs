//! The folded config as text: the import's writer (`import::toml`), sections and named entries
//! under their own headers, small maps inline.

use toml::{Table, Value};

use crate::import::toml::V;
use crate::syntax::config::NAMED_TABLES;

/// The config's tables as the import's writer takes them: sections and named entries under
/// their own headers, small maps inline, `patches` as arrays of tables.
pub(super) fn to_v(t: &Table, path: &[&str]) -> Vec<(String, V)> {
    t.iter()
        .map(|(k, v)| {
            let mut p = path.to_vec();
            p.push(k.as_str());
            (k.clone(), value(v, &p))
        })
        .collect()
}

fn value(v: &Value, path: &[&str]) -> V {
    match v {
        Value::String(s) => V::s(s.clone()),
        Value::Integer(i) => V::Int(*i),
        Value::Boolean(b) => V::Bool(*b),
        Value::Float(f) => V::s(f.to_string()),
        Value::Datetime(d) => V::s(d.to_string()),
        Value::Array(items) => {
            let tables = path.last() == Some(&"patches");
            V::Arr(
                items
                    .iter()
                    .map(|i| match (i, tables) {
                        (Value::Table(t), true) => V::Table(to_v(t, path)),
                        _ => value(i, path),
                    })
                    .collect(),
            )
        }
        Value::Table(t) => {
            let entries = to_v(t, path);
            // `role_bindings = { NAME = false }`: removals only read best on one line.
            let removals = !t.is_empty() && t.values().all(|v| *v == Value::Boolean(false));
            if section(path)
                && !(removals && crate::import::toml::fits("", &V::Inline(entries.clone())))
            {
                V::Table(entries)
            } else {
                let inline = V::Inline(entries.clone());
                let leaf = path.last().copied().unwrap_or_default();
                if crate::import::toml::fits(leaf, &inline) {
                    inline
                } else {
                    V::Table(entries)
                }
            }
        }
    }
}

/// Whether the table at `path` is written under its own header: the sections, each
/// namespace, service and cluster, a namespace's overrides, quota, limits and named tables
/// and their entries.
fn section(path: &[&str]) -> bool {
    // A namespace's own keys start after `namespaces.NAME`, or `namespaces.NAME.on.CLUSTER`.
    let inner = match path {
        ["namespaces", _, "on", _, rest @ ..] => rest,
        ["namespaces", _, rest @ ..] => rest,
        [_] => return true,
        [section, _] => {
            return matches!(
                *section,
                "clusters" | "services" | "secret_stores" | "templates"
            );
        }
        ["clusters", _, "services", ..] => return path.len() <= 4,
        _ => return false,
    };
    match inner {
        [] | ["on"] => true,
        [key] => NAMED_TABLES.contains(key) || matches!(*key, "quota" | "limits"),
        [table, _] => NAMED_TABLES.contains(table),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_get_headers_and_small_maps_are_inline() {
        assert!(section(&["namespaces", "x"]));
        assert!(section(&["namespaces", "x", "on", "staging"]));
        assert!(section(&[
            "namespaces",
            "x",
            "on",
            "staging",
            "pipelines",
            "p"
        ]));
        assert!(section(&["namespaces", "x", "quota"]));
        assert!(!section(&["namespaces", "x", "labels"]));
        assert!(!section(&["namespaces", "x", "on", "staging", "labels"]));
        assert!(!section(&[
            "namespaces",
            "x",
            "pipelines",
            "p",
            "resources"
        ]));
        assert!(section(&["clusters", "staging", "services", "kafka"]));
    }
}
