//! Writing the imported config as a person would: named tables (`[namespaces.x.quota]`) for
//! sections, inline tables for small maps (`labels = { team = "data" }`), arrays of inline
//! tables one item a line when they do not fit on one, keys quoted only when they must be.

/// A TOML value of the config being written.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Arr(Vec<V>),
    /// A small table written inline (`{ a = 1 }`).
    Inline(Vec<(String, V)>),
    /// A table written under its own header.
    Table(Vec<(String, V)>),
}

impl V {
    /// A string value.
    pub fn s(text: impl Into<String>) -> Self {
        V::Str(text.into())
    }

    /// An inline table of string values (labels, selectors).
    pub fn map<'a>(entries: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        V::Inline(
            entries
                .into_iter()
                .map(|(k, v)| (k.clone(), V::s(v.clone())))
                .collect(),
        )
    }

    /// A JSON number as TOML: an integer, else a float.
    pub fn number(n: &serde_json::Number) -> Self {
        match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => V::Int(i),
            (None, Some(f)) => V::Float(f),
            (None, None) => V::s(n.to_string()),
        }
    }

    /// An array of strings.
    pub fn strings<'a>(items: impl IntoIterator<Item = &'a String>) -> Self {
        V::Arr(items.into_iter().map(|s| V::s(s.clone())).collect())
    }
}

/// A key as TOML needs it: bare when it can be, quoted otherwise.
pub fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare { k.to_string() } else { string(k) }
}

fn string(s: &str) -> String {
    ::toml::Value::String(s.to_string()).to_string()
}

/// A value on one line.
fn inline(v: &V) -> String {
    match v {
        V::Str(s) => string(s),
        V::Int(i) => i.to_string(),
        V::Float(f) => ::toml::Value::Float(*f).to_string(),
        V::Bool(b) => b.to_string(),
        V::Arr(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        V::Inline(entries) | V::Table(entries) => {
            if entries.is_empty() {
                return "{}".into();
            }
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// Lines longer than this are broken: an array one item a line.
const WIDTH: usize = 100;

/// Whether `k = v` fits on one line; a longer table is better written under its own header.
pub fn fits(k: &str, v: &V) -> bool {
    key(k).len() + 3 + inline(v).len() <= WIDTH
}

fn entry(out: &mut String, k: &str, v: &V) {
    let one = format!("{} = {}", key(k), inline(v));
    match v {
        V::Arr(items) if one.len() > WIDTH && !items.is_empty() => {
            out.push_str(&format!("{} = [\n", key(k)));
            for item in items {
                out.push_str(&format!("  {},\n", inline(item)));
            }
            out.push_str("]\n");
        }
        _ => {
            out.push_str(&one);
            out.push('\n');
        }
    }
}

/// Writes the table `entries` at `path` (its header first, unless it is the root), then its
/// sub-tables and arrays of tables (`[[path.key]]`).
pub fn table(out: &mut String, path: &[String], entries: &[(String, V)]) {
    let is_tables = |v: &V| matches!(v, V::Arr(items) if !items.is_empty() && items.iter().all(|i| matches!(i, V::Table(_))));
    let (tables, values): (Vec<_>, Vec<_>) = entries
        .iter()
        .partition(|(_, v)| matches!(v, V::Table(_)) || is_tables(v));
    if !path.is_empty() && (!values.is_empty() || tables.is_empty()) {
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        let header: Vec<String> = path.iter().map(|p| key(p)).collect();
        out.push_str(&format!("[{}]\n", header.join(".")));
    }
    for (k, v) in values {
        entry(out, k, v);
    }
    for (k, v) in tables {
        let mut p = path.to_vec();
        p.push(k.clone());
        match v {
            V::Table(inner) => table(out, &p, inner),
            V::Arr(items) => {
                let header: Vec<String> = p.iter().map(|s| key(s)).collect();
                for item in items {
                    if let V::Table(inner) = item {
                        out.push_str(&format!("\n[[{}]]\n", header.join(".")));
                        for (k, v) in inner {
                            entry(out, k, v);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_inline_maps_and_long_arrays() {
        let mut out = String::new();
        let long: Vec<V> = (0..6)
            .map(|i| {
                V::Inline(vec![(
                    "to".into(),
                    V::s(format!("service:service-number-{i}")),
                )])
            })
            .collect();
        table(
            &mut out,
            &[],
            &[
                (
                    "platform".into(),
                    V::Table(vec![("name".into(), V::s("p"))]),
                ),
                (
                    "namespaces".into(),
                    V::Table(vec![(
                        "a.b".into(),
                        V::Table(vec![
                            (
                                "labels".into(),
                                V::Inline(vec![("app.kubernetes.io/name".into(), V::s("x"))]),
                            ),
                            ("egress".into(), V::Arr(long)),
                            (
                                "service_accounts".into(),
                                V::Table(vec![("etl".into(), V::Table(vec![]))]),
                            ),
                        ]),
                    )]),
                ),
            ],
        );
        assert!(
            out.starts_with("[platform]\nname = \"p\"\n\n[namespaces.\"a.b\"]\n"),
            "{out}"
        );
        assert!(
            out.contains("labels = { \"app.kubernetes.io/name\" = \"x\" }\n"),
            "{out}"
        );
        assert!(
            out.contains("egress = [\n  { to = \"service:service-number-0\" },\n"),
            "{out}"
        );
        assert!(
            out.ends_with("\n[namespaces.\"a.b\".service_accounts.etl]\n"),
            "{out}"
        );
        assert!(out.parse::<::toml::Table>().is_ok(), "{out}");
    }
}
