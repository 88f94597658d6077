//! The files a run read, so spans can be turned into `FILE:LINE:COLUMN` and source lines.

use std::ops::Range;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file. Offsets are 32-bit: every key and value of a document carries
/// two spans, and a 10,000-tenant document has millions of them (config files are far below
/// 4 GiB; `fs::read_config` refuses larger ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// How the value got where it is used, when not written there: an index into
    /// [`SourceMap`]'s [`Origin`]s (inherited by namespace `x` from template `t`, rendered from
    /// `{{ vars.NAME }}`).
    pub via: Option<u32>,
}

impl Span {
    /// The span of `range` in `file`.
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        let offset = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
        Self {
            file,
            start: offset(range.start),
            end: offset(range.end),
            via: None,
        }
    }

    /// The byte range.
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One source file: the name diagnostics show and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (or relative to the main config).
    pub name: String,
    /// The whole text.
    pub text: String,
    /// Byte offset of each line's start, built on first use: locating a diagnostic is a binary
    /// search, not a scan, so 10,000 diagnostics in a 20 MB file stay cheap.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 0-based line index of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let starts = self.line_starts();
        starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Byte range of 0-based line `line`, without its newline.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let starts = self.line_starts();
        let start = starts.get(line).copied().unwrap_or(self.text.len());
        let end = starts.get(line + 1).map_or(self.text.len(), |n| n - 1);
        start..end.max(start)
    }
}

/// How a value of a namespace got there when it was not written there: inherited from a
/// template, rendered from variables, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The namespace that uses the value.
    pub namespace: String,
    /// The template it inherited the value from (`None`: its own value).
    pub template: Option<String>,
    /// For a string rendered with `{{ vars.NAME }}`: each use of a variable in it.
    pub vars: Vec<VarUse>,
    /// For a rendered string: its length in bytes once rendered.
    pub rendered_len: u32,
    /// For a value of the namespace's copy on one cluster (a namespace with per-cluster
    /// overrides, or stamped on clusters that set it apart): which one, and how.
    pub stamp: Option<Stamp>,
}

/// The copy of a namespace on one cluster a value belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The cluster.
    pub cluster: String,
    /// Whether the value is written in the namespace's `on.CLUSTER` (else it is the
    /// namespace's own, or its template's, on that cluster too).
    pub overridden: bool,
    /// How many clusters the namespace is stamped on.
    pub copies: u32,
}

impl Origin {
    /// A namespace's own value (no template, no variable, no cluster).
    pub fn of(namespace: &str) -> Self {
        Self {
            namespace: namespace.to_string(),
            template: None,
            vars: Vec::new(),
            rendered_len: 0,
            stamp: None,
        }
    }

    /// The note a diagnostic at such a value shows ("inherited by namespace `x` from template
    /// `t`", "on cluster `c`, set by `on.c` of namespace `x`"); `None` for a namespace's own
    /// value.
    pub fn note(&self) -> Option<String> {
        let inherited = self.template.as_ref().map(|t| {
            format!(
                "inherited by namespace `{}` from template `{t}`",
                self.namespace
            )
        });
        let stamp = self.stamp.as_ref().map(|s| {
            if s.overridden {
                format!(
                    "on cluster `{}`, set by `on.{}` of namespace `{}`",
                    s.cluster, s.cluster, self.namespace
                )
            } else {
                format!("on cluster `{}`", s.cluster)
            }
        });
        match (inherited, stamp) {
            (Some(i), Some(s)) => Some(format!("{i}, {s}")),
            (i, s) => i.or(s),
        }
    }
}

/// One use of a variable in a rendered string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarUse {
    /// The variable (`NAME` of `vars.NAME`).
    pub name: String,
    /// Where it is set: its value in `[vars]` or in the namespace's `vars`.
    pub set_at: Span,
    /// The bytes of the rendered string this use produced, when they are known and came from
    /// this variable alone (`{{ vars.a }}`, `{{ vars.a | upper }}`; not `{{ vars.a ~ vars.b }}`).
    pub produced: Option<(u32, u32)>,
}

/// Every file read in a run, in the order read.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    origins: Vec<Origin>,
}

impl SourceMap {
    /// Registers a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            line_starts: std::sync::OnceLock::new(),
            name: name.into(),
            text: text.into(),
        });
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    /// Registers an origin for [`Span::via`] and returns its index.
    pub fn add_origin(&mut self, origin: Origin) -> u32 {
        self.origins.push(origin);
        u32::try_from(self.origins.len() - 1).unwrap_or(u32::MAX)
    }

    /// The origin behind a [`Span::via`] index.
    pub fn origin(&self, id: u32) -> Option<&Origin> {
        self.origins.get(id as usize)
    }

    /// The note of the origin behind a [`Span::via`] index, when it has one.
    pub fn note(&self, id: u32) -> Option<String> {
        self.origin(id).and_then(Origin::note)
    }

    /// Every file, with its id.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    /// The file behind `id`.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let file = self.file(id);
        let text = &file.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = file.line_of(offset);
        let line_start = file.line_range(line).start;
        let col = text[line_start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// `name:line:col` of a span's start.
    pub fn location(&self, span: Span) -> String {
        let (line, col) = self.line_col(span.file, span.range().start);
        format!("{}:{line}:{col}", self.file(span.file).name)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let mut map = SourceMap::default();
        let id = map.add("p.toml", "a = 1\nb = \"é\" x\n");
        assert_eq!(map.line_col(id, 0), (1, 1));
        assert_eq!(map.line_col(id, 6), (2, 1));
        // the byte after `"é"` is column 8 in characters
        assert_eq!(map.line_col(id, 6 + "b = \"é\"".len()), (2, 8));
        assert_eq!(map.location(Span::new(id, 10..11)), "p.toml:2:5");
    }
}
