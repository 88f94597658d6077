//! [`Table`]: the entries of a TOML table, sorted by key, in one vector.
//!
//! A document has a table for every namespace, quota, policy, rule and step: 340,000 of them
//! at 10,000 tenants, most with two to five keys. A `BTreeMap` allocates a node for eleven
//! entries whatever it holds (~1.2 KiB here), which made the span tree ~450 MiB; a sorted
//! vector holds what is there. Lookups are binary searches, iteration is in key order like a
//! `BTreeMap`'s, and inserting keys in order (as parsing and merging mostly do) appends.

use std::fmt;

use super::Node;

/// A table's entries, sorted by key, each key once.
#[derive(Clone, Default, PartialEq)]
pub struct Table {
    entries: Vec<(String, Node)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value of `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key`, returning the value it replaced.
    pub fn insert(&mut self, key: String, value: Node) -> Option<Node> {
        if self.entries.last().is_none_or(|(last, _)| *last < key) {
            self.entries.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, inserting `make()` first when it is not set.
    pub fn get_or_insert_with(&mut self, key: String, make: impl FnOnce() -> Node) -> &mut Node {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Unsets `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &Node)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in key order, values mutably.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (&String, &mut Node)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Node> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, mutably.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Node> {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl FromIterator<(String, Node)> for Table {
    /// Like collecting into a `BTreeMap`: sorted, and of two equal keys the later one wins.
    fn from_iter<I: IntoIterator<Item = (String, Node)>>(iter: I) -> Self {
        let mut entries: Vec<(String, Node)> = iter.into_iter().collect();
        if !entries.is_sorted_by(|a, b| a.0 < b.0) {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            // After a stable sort equal keys are adjacent in input order: keep the last.
            let mut kept: Vec<(String, Node)> = Vec::with_capacity(entries.len());
            for entry in entries {
                match kept.last_mut() {
                    Some(last) if last.0 == entry.0 => *last = entry,
                    _ => kept.push(entry),
                }
            }
            entries = kept;
        }
        entries.shrink_to_fit();
        Self { entries }
    }
}

impl IntoIterator for Table {
    type Item = (String, Node);
    type IntoIter = std::vec::IntoIter<(String, Node)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

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
