//! What a cluster sets apart for everything stamped on it: the git revision its Applications
//! sync, and the tag or digest of images by repository (the Kustomize `images` transformer).

use std::ops::Range;

/// Why `name` is not a name git accepts for a branch, tag or commit (`git check-ref-format
/// --allow-onelevel`, or a full commit hash), with the bytes at fault; `None` when it is one.
pub fn revision_problem(name: &str) -> Option<(&'static str, Range<usize>)> {
    let whole = 0..name.len();
    if name.is_empty() {
        return Some(("is empty", whole));
    }
    if name == "@" {
        return Some(("is `@`, which git reads as HEAD", whole));
    }
    if let Some((i, c)) = name.char_indices().find(|(_, c)| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        let what = if c.is_ascii_control() || c == ' ' {
            "contains a space or control character"
        } else {
            "contains one of `~ ^ : ? * [ \\`"
        };
        return Some((what, i..i + c.len_utf8()));
    }
    for (pattern, what) in [
        ("..", "contains `..`"),
        ("@{", "contains `@{`"),
        ("//", "contains `//`"),
    ] {
        if let Some(i) = name.find(pattern) {
            return Some((what, i..i + pattern.len()));
        }
    }
    if name.starts_with('/') || name.ends_with('/') {
        return Some(("starts or ends with `/`", whole));
    }
    if name.ends_with('.') {
        return Some(("ends with `.`", whole));
    }
    let mut at = 0;
    for part in name.split('/') {
        if part.starts_with('.') {
            return Some(("has a part that starts with `.`", at..at + part.len()));
        }
        if part.ends_with(".lock") {
            return Some(("has a part that ends with `.lock`", at..at + part.len()));
        }
        at += part.len() + 1;
    }
    None
}

/// One `images` entry of a cluster: every container image of `repository` gets `tag` or
/// `digest` there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageOverride {
    /// `registry.example.com/data/commodity-etl`.
    pub repository: String,
    /// What replaces the tag and digest: `:1.5.0-rc1` or `@sha256:...`.
    pub suffix: String,
}

/// The repository of an image reference: without its digest and tag.
pub fn repository(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => without_digest,
    }
}

/// `image` with the tag or digest the first override of its repository sets, if any.
pub fn retagged(image: &str, overrides: &[ImageOverride]) -> Option<String> {
    let repo = repository(image);
    overrides
        .iter()
        .find(|o| o.repository == repo)
        .map(|o| format!("{repo}{}", o.suffix))
}

/// Why `key` is not an image repository (`registry.example.com/team/app`), or `None`.
pub fn repository_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("is empty")
    } else if key.contains('@') || repository(key) != key {
        Some("has a tag or digest; the key is the repository alone, the value its tag")
    } else if key.contains(char::is_whitespace) {
        Some("contains whitespace")
    } else if key.contains(|c: char| c.is_ascii_uppercase()) {
        Some("has upper-case letters")
    } else if key.starts_with('/') || key.ends_with('/') || key.contains("//") {
        Some("has an empty path component")
    } else {
        None
    }
}

/// The override an `images` value means: a tag (`1.5.0-rc1`) or a digest (`sha256:...`); `Err`
/// says why it is neither.
pub fn image_suffix(value: &str) -> Result<String, &'static str> {
    if let Some(hex) = value.strip_prefix("sha256:") {
        return if hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(format!("@{value}"))
        } else {
            Err("is not a digest: `sha256:` takes 64 lower-case hex digits")
        };
    }
    let valid = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if valid {
        Ok(format!(":{value}"))
    } else {
        Err(
            "is not a tag: at most 128 of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
        )
    }
}

/// Calls `f` with the image of every container of an object: any `containers`,
/// `initContainers` or `ephemeralContainers` list below it, as the Kustomize `images`
/// transformer finds them.
pub fn containers(body: &serde_json::Value, f: &mut dyn FnMut(&str)) {
    match body {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match value.as_array() {
                    Some(list) if is_container_list(key) => list
                        .iter()
                        .filter_map(|c| c.get("image").and_then(serde_json::Value::as_str))
                        .for_each(&mut *f),
                    _ => containers(value, f),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| containers(i, f)),
        _ => {}
    }
}

/// Gives every container image of `body` (found as [`containers`] finds them) the tag or digest
/// its repository's override sets; whether any changed.
pub fn retag_containers(body: &mut serde_json::Value, overrides: &[ImageOverride]) -> bool {
    let mut changed = false;
    match body {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    serde_json::Value::Array(list) if is_container_list(key) => {
                        for c in list {
                            let image = c.get_mut("image");
                            if let Some(serde_json::Value::String(image)) = image
                                && let Some(new) = retagged(image, overrides)
                                && new != *image
                            {
                                *image = new;
                                changed = true;
                            }
                        }
                    }
                    _ => changed |= retag_containers(value, overrides),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for i in items {
                changed |= retag_containers(i, overrides);
            }
        }
        _ => {}
    }
    changed
}

/// Whether `key` names a list of containers.
fn is_container_list(key: &str) -> bool {
    matches!(key, "containers" | "initContainers" | "ephemeralContainers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_as_git_reads_them() {
        for ok in [
            "main",
            "staging",
            "v1.5.0-rc1",
            "release/2026-12",
            "HEAD",
            "0123abcd",
        ] {
            assert_eq!(revision_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "@",
            "main branch",
            "a..b",
            "x~1",
            "v1^",
            "a:b",
            "wh?",
            "a*",
            "[x",
            "a\\b",
            "/main",
            "main/",
            "a//b",
            "main.",
            "a/.hidden",
            "x.lock",
            "a@{1}",
        ] {
            assert!(revision_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn images_get_the_tag_of_their_repository() {
        let o = [ImageOverride {
            repository: "r.example.com/data/etl".into(),
            suffix: ":1.5.0-rc1".into(),
        }];
        assert_eq!(
            retagged("r.example.com/data/etl:1.4.2", &o).as_deref(),
            Some("r.example.com/data/etl:1.5.0-rc1")
        );
        assert_eq!(
            retagged("r.example.com/data/etl@sha256:aa", &o).as_deref(),
            Some("r.example.com/data/etl:1.5.0-rc1")
        );
        assert_eq!(retagged("r.example.com/data/etl2:1", &o), None);
        assert_eq!(repository("localhost:5000/app:1"), "localhost:5000/app");
        assert_eq!(repository("localhost:5000/app"), "localhost:5000/app");
        assert!(repository_problem("r.example.com/app:1").is_some());
        assert!(repository_problem("R/app").is_some());
        assert_eq!(repository_problem("localhost:5000/app"), None);
        assert_eq!(image_suffix("1.5.0-rc1").as_deref(), Ok(":1.5.0-rc1"));
        assert!(image_suffix("-x").is_err() && image_suffix("a b").is_err());
        assert!(image_suffix(&format!("sha256:{}", "a".repeat(64))).is_ok());
        assert!(image_suffix("sha256:xyz").is_err());
    }
}
