//! Paths into the document (`namespaces.production.quota.pods`), shared by schema errors and
//! semantic checks so both point at the same place.

use std::fmt;
use std::sync::Arc;

/// One step of a path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    /// A key of a table. Shared: extending a path copies its steps, not their text.
    Key(Arc<str>),
    /// An element of an array.
    Index(usize),
}

/// A path from the document root.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The root.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, key: impl AsRef<str>) -> Self {
        self.with(Seg::Key(key.as_ref().into()))
    }

    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Self {
        self.with(Seg::Index(i))
    }

    /// This path extended by one step, allocated once at its final length.
    fn with(&self, seg: Seg) -> Self {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend(self.0.iter().cloned());
        steps.push(seg);
        Self(steps)
    }

    /// The segments.
    pub fn segs(&self) -> &[Seg] {
        &self.0
    }
}

impl fmt::Display for Path {
    /// TOML-style: `namespaces.production.steps[2].name`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    if bare {
                        f.write_str(k)?
                    } else {
                        write!(f, "\"{k}\"")?
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
