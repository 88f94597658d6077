//! [`Table`]: the entries of a TOML table, sorted by key, in one vector (a [`VecMap`]).
//!
//! A document has a table for every namespace, quota, policy, rule and step: 340,000 of them
//! at 10,000 tenants, most with two to five keys. A `BTreeMap` allocates a node for eleven
//! entries whatever it holds (~1.2 KiB here), which made the span tree ~450 MiB; a sorted
//! vector holds what is there. Lookups are binary searches, iteration is in key order like a
//! `BTreeMap`'s, and inserting keys in order (as parsing and merging mostly do) appends.

use super::Node;
use crate::vecmap::VecMap;

/// A table's entries, sorted by key, each key once.
pub type Table = VecMap<String, Node>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{FileId, Span};
    use crate::syntax::NodeValue;

    fn n(i: i64) -> Node {
        Node {
            key: None,
            span: Span::new(FileId(0), 0..0),
            value: NodeValue::Integer(Some(i)),
        }
    }

    fn keys(t: &Table) -> Vec<&str> {
        t.keys().map(String::as_str).collect()
    }

    #[test]
    fn behaves_like_a_sorted_map() {
        let mut t = Table::new();
        assert!(t.insert("b".into(), n(1)).is_none());
        assert!(t.insert("d".into(), n(2)).is_none());
        assert!(t.insert("a".into(), n(3)).is_none());
        assert!(t.insert("c".into(), n(4)).is_none());
        assert_eq!(t.insert("b".into(), n(5)), Some(n(1)));
        assert_eq!(keys(&t), ["a", "b", "c", "d"]);
        assert_eq!(t.get("b"), Some(&n(5)));
        assert_eq!(t.remove("c"), Some(n(4)));
        assert!(!t.contains_key("c") && t.get("zz").is_none() && t.len() == 3);
        t.get_or_insert_with("aa".into(), || n(6));
        t.get_or_insert_with("aa".into(), || n(7));
        assert_eq!(keys(&t), ["a", "aa", "b", "d"]);
        assert_eq!(t.get("aa"), Some(&n(6)));
    }

    #[test]
    fn collects_like_a_btreemap() {
        let t: Table = [("b", 1), ("a", 2), ("b", 3), ("c", 4)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), n(v)))
            .collect();
        assert_eq!(keys(&t), ["a", "b", "c"]);
        assert_eq!(t.get("b"), Some(&n(3)), "the later of two equal keys wins");
    }
}
