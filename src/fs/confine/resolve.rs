//! Resolving a pattern inside the root, one component at a time, the way the kernel would but
//! refusing what leaves: `..` above the root, a symlink whose target lies outside it (an
//! absolute one not under the root, or a relative one climbing above it), `.git`. Wildcards
//! (`*`, `?`, `[...]` within a component, `**` for any folders below) are matched against each
//! folder's listing; a symlink a wildcard matches is resolved and checked like a literal one.
//! `**` does not descend into symlinked folders, so a link cycle cannot make it endless.

use std::collections::{HashSet, VecDeque};
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Listing, Match, PathError, Root};

/// How many symlinks one path may pass through (Linux's limit is 40 too).
const MAX_LINKS: u32 = 40;

/// One component of a pattern.
#[derive(Clone, Debug)]
pub(super) enum Step {
    /// A name, taken literally.
    Name(String),
    /// `..`.
    Up,
    /// A component with wildcards.
    Glob(glob::Pattern),
    /// `**`: this folder and every folder below it.
    Any,
}

impl Step {
    fn is_literal(&self) -> bool {
        matches!(self, Self::Name(_) | Self::Up)
    }

    fn spelled(&self) -> &str {
        match self {
            Self::Name(n) => n,
            Self::Up => "..",
            Self::Glob(p) => p.as_str(),
            Self::Any => "**",
        }
    }
}

/// What is at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    File,
    Dir,
    Link,
    Other,
}

impl Kind {
    fn of(t: fs::FileType) -> Self {
        if t.is_symlink() {
            Self::Link
        } else if t.is_dir() {
            Self::Dir
        } else if t.is_file() {
            Self::File
        } else {
            Self::Other
        }
    }
}

/// Wildcards match names the way `glob` does for platc: a leading `.` only literally.
const OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// The steps of a pattern (relative, `/`-separated). `.` and empty components are dropped.
pub(super) fn steps(pattern: &str) -> Result<Vec<Step>, PathError> {
    if pattern.trim().is_empty() {
        return Err("empty pattern".into());
    }
    if pattern.contains('\0') {
        return Err("the pattern holds a NUL character".into());
    }
    if pattern.starts_with('/') || std::path::Path::new(pattern).has_root() {
        return Err(PathError::Outside(
            "an absolute path; patterns are relative to the file that names them".into(),
        ));
    }
    if pattern.contains(['*', '?', '[']) {
        glob::Pattern::new(pattern).map_err(|e| format!("invalid pattern: {e}"))?;
    }
    pattern
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(|c| match c {
            ".." => Ok(Step::Up),
            "**" => Ok(Step::Any),
            _ if c.contains(['*', '?', '[']) => glob::Pattern::new(c)
                .map(Step::Glob)
                .map_err(|e| PathError::Failed(format!("invalid pattern: {e}"))),
            _ => Ok(Step::Name(c.to_string())),
        })
        .collect()
}

/// Refuses `.git` (in any case: a case-insensitive file system would open it), the
/// repository's own data: its config, hooks and objects, never something a config names.
pub(super) fn not_git(name: &str) -> Result<(), PathError> {
    if name.eq_ignore_ascii_case(".git") {
        return Err(PathError::Outside(
            "it reaches into `.git`, the repository's own data (its config, hooks, objects)".into(),
        ));
    }
    Ok(())
}

impl Root {
    /// The absolute path of a physical path (by component) below the root.
    fn path_of(&self, parts: &[String]) -> PathBuf {
        let mut p = self.top.clone();
        p.extend(parts);
        p
    }

    /// Every file `pattern` (relative to the config's folder) matches, resolved inside the
    /// root, sorted by name, each physical file once. `Outside` when any path it leads to leaves
    /// the root; `Failed` when it matches no file.
    pub fn matches(&self, pattern: &str) -> Result<Vec<Match>, PathError> {
        let pattern_steps = steps(pattern)?;
        let mut all: Vec<Step> = self.folder.iter().map(|n| Step::Name(n.clone())).collect();
        let own = all.len();
        all.extend(pattern_steps);
        // The literal folder part is resolved once a run, however many patterns share it.
        let literal = all
            .iter()
            .position(|s| !s.is_literal())
            .unwrap_or(all.len());
        let split = if literal == all.len() {
            all.len().saturating_sub(1)
        } else {
            literal
        };
        let named: Vec<String> = all[own.min(split)..split]
            .iter()
            .map(|s| s.spelled().to_string())
            .collect();
        let mut found = Vec::new();
        if let Some(folder) = self.folder_at(&all[..split])? {
            let mut seen = HashSet::new();
            self.expand(folder, named, &all[split..], &mut seen, &mut found)?;
        }
        found.sort_by(|a: &Match, b| a.named.cmp(&b.named));
        let mut files = HashSet::new();
        found.retain(|m| files.insert(m.physical.clone()));
        if found.is_empty() {
            return Err("matches no files".into());
        }
        Ok(found)
    }

    /// The physical folder literal steps from the root lead to (cached), or `None`.
    fn folder_at(&self, steps: &[Step]) -> Result<Option<Vec<String>>, PathError> {
        let key: Vec<&str> = steps.iter().map(Step::spelled).collect();
        let key = key.join("/");
        if let Some(known) = self.folders.lock().ok().and_then(|f| f.get(&key).cloned()) {
            return known;
        }
        let resolved = self.resolve(Vec::new(), steps).map(|r| match r {
            Some((folder, Kind::Dir)) => Some(folder),
            _ => None,
        });
        if let Ok(mut folders) = self.folders.lock() {
            folders.insert(key, resolved.clone());
        }
        resolved
    }

    /// Follows literal steps from the physical folder `at`: the physical path they lead to and
    /// what is there, or `None` when nothing is. Symlinks are followed and checked at every
    /// component.
    pub(super) fn resolve(
        &self,
        mut at: Vec<String>,
        steps: &[Step],
    ) -> Result<Option<(Vec<String>, Kind)>, PathError> {
        let mut queue: VecDeque<Step> = steps.iter().cloned().collect();
        let mut kind = Kind::Dir;
        let mut links = 0;
        // The last symlink followed, to name it when its target climbs out.
        let mut via: Option<String> = None;
        while let Some(step) = queue.pop_front() {
            if kind != Kind::Dir {
                return Ok(None);
            }
            match step {
                Step::Up => {
                    if at.pop().is_none() {
                        return Err(PathError::Outside(match &via {
                            Some(link) => format!("{link}, which leads outside {}", self.what()),
                            None => format!("`..` leads above the top of {}", self.what()),
                        }));
                    }
                }
                Step::Name(name) => {
                    not_git(&name)?;
                    let path = self.path_of(&at).join(&name);
                    let Ok(meta) = fs::symlink_metadata(&path) else {
                        return Ok(None);
                    };
                    kind = Kind::of(meta.file_type());
                    if kind != Kind::Link {
                        at.push(name);
                        continue;
                    }
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(format!("more than {MAX_LINKS} symlinks deep").into());
                    }
                    let target = fs::read_link(&path).map_err(|e| format!("{e}"))?;
                    let link = at
                        .iter()
                        .chain([&name])
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("/");
                    let shown_target = target.to_string_lossy().into_owned();
                    let about = format!("`{link}` is a symlink to `{shown_target}`");
                    let rest = if target.has_root() {
                        let Ok(below) = target.strip_prefix(&self.top) else {
                            return Err(PathError::Outside(format!(
                                "{about}, outside {}",
                                self.what()
                            )));
                        };
                        at.clear();
                        below.to_path_buf()
                    } else {
                        target
                    };
                    let Some(rest) = rest.to_str() else {
                        return Ok(None);
                    };
                    for part in rest.split('/').filter(|c| !c.is_empty() && *c != ".").rev() {
                        queue.push_front(if part == ".." {
                            Step::Up
                        } else {
                            Step::Name(part.to_string())
                        });
                    }
                    via = Some(about);
                    kind = Kind::Dir;
                }
                Step::Glob(_) | Step::Any => unreachable!("resolve takes literal steps"),
            }
        }
        Ok(Some((at, kind)))
    }

    /// Matches `steps` below the physical folder `at` (whose name as the pattern spells it is
    /// `named`), adding every file to `out`. `seen` holds the (folder, steps left) already
    /// expanded: a folder reached again by another way gives the same files.
    fn expand(
        &self,
        at: Vec<String>,
        named: Vec<String>,
        steps: &[Step],
        seen: &mut HashSet<(Vec<String>, usize)>,
        out: &mut Vec<Match>,
    ) -> Result<(), PathError> {
        let literal = steps
            .iter()
            .position(|s| !s.is_literal())
            .unwrap_or(steps.len());
        let (names, rest) = steps.split_at(literal);
        let mut named = named;
        named.extend(names.iter().map(|s| s.spelled().to_string()));
        let Some((at, kind)) = self.resolve(at, names)? else {
            return Ok(());
        };
        if !rest.is_empty() && !seen.insert((at.clone(), rest.len())) {
            return Ok(());
        }
        match rest.split_first() {
            None => {
                if kind == Kind::File {
                    out.push(Match {
                        named: named.join("/"),
                        physical: at.join("/"),
                    });
                }
            }
            Some(_) if kind != Kind::Dir => {}
            Some((Step::Glob(pattern), rest)) => {
                for (name, entry) in self.listing(&at).iter() {
                    if !pattern.matches_with(name, OPTIONS) {
                        continue;
                    }
                    let mut below = named.clone();
                    below.push(name.clone());
                    not_git(name)?;
                    if *entry == Kind::File && rest.is_empty() {
                        let mut file = at.clone();
                        file.push(name.clone());
                        out.push(Match {
                            named: below.join("/"),
                            physical: file.join("/"),
                        });
                        continue;
                    }
                    let mut next = vec![Step::Name(name.clone())];
                    next.extend(rest.iter().cloned());
                    self.expand(at.clone(), named.clone(), &next, seen, out)?;
                }
            }
            Some((_, rest)) => {
                // `**`: this folder and every real folder below it.
                let mut folders = vec![(at.clone(), named.clone())];
                let mut i = 0;
                while i < folders.len() {
                    let (folder, name) = folders[i].clone();
                    for (entry, kind) in self.listing(&folder).iter() {
                        if *kind == Kind::Dir && !entry.starts_with('.') {
                            let mut f = folder.clone();
                            f.push(entry.clone());
                            let mut n = name.clone();
                            n.push(entry.clone());
                            folders.push((f, n));
                        }
                    }
                    i += 1;
                }
                for (folder, name) in folders {
                    self.expand(folder, name, rest, seen, out)?;
                }
            }
        }
        Ok(())
    }

    /// The entries of a physical folder, sorted by name, listed once a run. Names that are not
    /// UTF-8 are left out (no pattern could name them).
    fn listing(&self, at: &[String]) -> Listing {
        let key = at.join("/");
        if let Some(known) = self.listings.lock().ok().and_then(|l| l.get(&key).cloned()) {
            return known;
        }
        let mut entries: Vec<(String, Kind)> = fs::read_dir(self.path_of(at))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().into_string().ok()?;
                        let kind = e.file_type().map_or(Kind::Other, Kind::of);
                        Some((name, kind))
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.sort();
        let entries = Arc::new(entries);
        if let Ok(mut listings) = self.listings.lock() {
            listings.insert(key, entries.clone());
        }
        entries
    }
}
