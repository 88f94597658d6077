//! The same confinement for a git tree (`diff --base REV`), where paths are text: a pattern is
//! resolved lexically from the config's folder, `..` above the top and `.git` are refused, and
//! the target says which committed symlinks lie on its way (the caller refuses those, since
//! git history holds a link's target as text and following it would be a second way out).

use super::PathError;
use super::resolve::{Step, steps};

/// Where a pattern points in a tree: a path relative to the top.
#[derive(Debug)]
pub struct TreeTarget {
    /// The whole path, relative to the top, with `/` (with its wildcards, if any).
    pub path: String,
    /// The folder of its literal part (before the first wildcard, or its last component).
    pub folder: String,
    /// Its components.
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Name(String),
    Glob(glob::Pattern),
    Any,
}

const OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// `pattern` (relative to the folder `folder`, itself relative to the top) in a tree.
pub fn in_tree(folder: &[String], pattern: &str) -> Result<TreeTarget, PathError> {
    let mut parts: Vec<Part> = folder.iter().map(|f| Part::Name(f.clone())).collect();
    for step in steps(pattern)? {
        match step {
            Step::Up => {
                if parts.pop().is_none() {
                    return Err(PathError::Outside(
                        "`..` leads above the top of the repository".into(),
                    ));
                }
            }
            Step::Name(name) => {
                super::resolve::not_git(&name)?;
                parts.push(Part::Name(name));
            }
            Step::Glob(p) => parts.push(Part::Glob(p)),
            Step::Any => parts.push(Part::Any),
        }
    }
    let spelled: Vec<&str> = parts.iter().map(Part::spelled).collect();
    let literal = parts
        .iter()
        .position(|p| !matches!(p, Part::Name(_)))
        .unwrap_or(parts.len().saturating_sub(1));
    Ok(TreeTarget {
        path: spelled.join("/"),
        folder: spelled[..literal].join("/"),
        parts,
    })
}

impl Part {
    fn spelled(&self) -> &str {
        match self {
            Self::Name(n) => n,
            Self::Glob(p) => p.as_str(),
            Self::Any => "**",
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Self::Name(n) => n == name,
            Self::Glob(p) => p.matches_with(name, OPTIONS),
            Self::Any => true,
        }
    }
}

impl TreeTarget {
    /// Whether it names one path (no wildcard).
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Name(_)))
    }

    /// Whether a committed path (relative to the top) is one it names.
    pub fn matches(&self, path: &str) -> bool {
        let names: Vec<&str> = path.split('/').collect();
        if names.iter().any(|n| n.eq_ignore_ascii_case(".git")) {
            return false;
        }
        matches_parts(&self.parts, &names)
    }

    /// Whether a path it names would pass through (or be) `link`: the link is what the first
    /// components of the pattern match, its own name matched by a name or a wildcard (a `**`
    /// does not go into a linked folder, on disk neither).
    pub fn meets(&self, link: &str) -> bool {
        let names: Vec<&str> = link.split('/').collect();
        (1..=self.parts.len()).any(|k| {
            !matches!(self.parts[k - 1], Part::Any) && matches_parts(&self.parts[..k], &names)
        })
    }
}

/// Whether `names` are exactly what `parts` match (`**`: any number of folders, none
/// starting with `.`).
fn matches_parts(parts: &[Part], names: &[&str]) -> bool {
    match parts.split_first() {
        None => names.is_empty(),
        Some((Part::Any, rest)) => (0..=names.len()).any(|skip| {
            names[..skip].iter().all(|n| !n.starts_with('.')) && matches_parts(rest, &names[skip..])
        }),
        Some((part, rest)) => names
            .split_first()
            .is_some_and(|(n, more)| part.matches(n) && matches_parts(rest, more)),
    }
}

/// `path` (relative to the top) relative to `folder` (relative to the top, by component): the
/// name a pattern in the config's folder gives it, with `..` where it lies above.
pub fn relative_to(folder: &[String], path: &str) -> String {
    let names: Vec<&str> = path.split('/').collect();
    let common = folder
        .iter()
        .zip(&names)
        .take_while(|(a, b)| a.as_str() == **b)
        .count();
    let mut out: Vec<&str> = vec![".."; folder.len() - common];
    out.extend(&names[common..]);
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(f: &str) -> Vec<String> {
        f.split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn patterns_resolve_lexically_and_stay_below_the_top() {
        let t = in_tree(&folder("platform"), "../shared/*.yaml").unwrap();
        assert_eq!(t.path, "shared/*.yaml");
        assert_eq!(t.folder, "shared");
        assert!(t.matches("shared/a.yaml"));
        assert!(!t.matches("shared/sub/a.yaml"));
        assert!(!t.matches("shared/.a.yaml"));
        assert!(matches!(
            in_tree(&folder("platform"), "../../x.yaml"),
            Err(PathError::Outside(_))
        ));
        assert!(matches!(
            in_tree(&folder(""), "m/../.git/config"),
            Err(PathError::Outside(_))
        ));
        assert!(matches!(
            in_tree(&folder(""), "/etc/passwd"),
            Err(PathError::Outside(_))
        ));
        let literal = in_tree(&folder("p"), "m/a.yaml").unwrap();
        assert!(literal.is_literal());
        assert_eq!(
            (literal.path.as_str(), literal.folder.as_str()),
            ("p/m/a.yaml", "p/m")
        );
    }

    #[test]
    fn symlinks_on_the_way_are_met() {
        let t = in_tree(&folder(""), "m/*/x.yaml").unwrap();
        assert!(t.meets("m"));
        assert!(t.meets("m/link"));
        assert!(t.meets("m/link/x.yaml"));
        assert!(!t.meets("n/link"));
        assert!(!t.meets("m/a/x.yaml/deeper"));
        let any = in_tree(&folder(""), "m/**/*.yaml").unwrap();
        assert!(any.meets("m/a/b/c/link.yaml"));
        assert!(
            !any.meets("m/a/b/c/link"),
            "`**` does not go into a linked folder"
        );
        assert!(any.matches("m/a/b/c.yaml") && any.matches("m/c.yaml"));
        assert!(!any.matches("m/.hidden/c.yaml"));
    }

    #[test]
    fn names_relative_to_the_config_folder() {
        assert_eq!(
            relative_to(&folder("platform"), "shared/x.yaml"),
            "../shared/x.yaml"
        );
        assert_eq!(
            relative_to(&folder("platform"), "platform/m/x.yaml"),
            "m/x.yaml"
        );
        assert_eq!(relative_to(&folder(""), "m/x.yaml"), "m/x.yaml");
        assert_eq!(relative_to(&folder("a/b"), "a/c/x"), "../c/x");
    }
}
