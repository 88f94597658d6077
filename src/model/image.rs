//! Container image references as the container runtime parses them (the grammar of
//! distribution/reference, which the kubelet uses): `[registry[:port]/]path[:tag][@digest]`,
//! the path in lower case, a tag of at most 128 of `[A-Za-z0-9_.-]` not starting with `.` or
//! `-`, a digest `algorithm:hex` (64 hex digits for `sha256`).

use std::ops::Range;

/// Why `image` is no image reference, and the bytes of it the problem is about.
pub fn problem(image: &str) -> Option<(&'static str, Range<usize>)> {
    if image.is_empty() {
        return Some(("is empty", 0..0));
    }
    if image.contains(char::is_whitespace) {
        return Some(("contains whitespace", 0..image.len()));
    }
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some((d, n.len() + 1))),
        None => (image, None),
    };
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some((&name_tag[last_slash + i + 1..], last_slash + i + 1)),
        ),
        None => (name_tag, None),
    };
    if let Some((d, at)) = digest
        && let Some(why) = digest_problem(d)
    {
        return Some((why, at..at + d.len()));
    }
    if let Some((t, at)) = tag {
        if t.is_empty() {
            return Some(("has an empty tag", at..at));
        }
        let valid = t.len() <= 128
            && t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !valid {
            return Some((
                "has an invalid tag (at most 128 of `A-Z a-z 0-9 _ . -`, not starting with `.` or `-`)",
                at..at + t.len(),
            ));
        }
    }
    // The first part is a registry when it looks like a host: a `.`, a `:` or `localhost`.
    let (domain, path, path_at) = match name.split_once('/') {
        Some((d, rest)) if d.contains(['.', ':']) || d == "localhost" => {
            (Some(d), rest, d.len() + 1)
        }
        _ => (None, name, 0),
    };
    if path.is_empty() || domain.is_some_and(str::is_empty) {
        return Some(("has no repository", 0..image.len()));
    }
    if let Some(first) = path.find(|c: char| c.is_ascii_uppercase()) {
        let last = path
            .rfind(|c: char| c.is_ascii_uppercase())
            .unwrap_or(first);
        return Some((
            "has upper-case letters in its repository",
            path_at + first..path_at + last + 1,
        ));
    }
    let mut offset = path_at;
    for component in path.split('/') {
        if !component_ok(component) {
            return Some((
                "has an invalid repository part (lower-case letters and digits, separated by `.`, `_`, `__` or dashes)",
                offset..offset + component.len(),
            ));
        }
        offset += component.len() + 1;
    }
    None
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn component_ok(c: &str) -> bool {
    let bytes = c.as_bytes();
    if bytes.is_empty()
        || !bytes[0].is_ascii_alphanumeric()
        || !bytes[bytes.len() - 1].is_ascii_alphanumeric()
    {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__` or any number of `-`.
        let start = i;
        match b {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if bytes.get(i) == Some(&b'_') {
                    i += 1;
                }
            }
            b'-' => {
                while bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == start || !bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            return false;
        }
    }
    true
}

fn digest_problem(d: &str) -> Option<&'static str> {
    let Some((algorithm, hex)) = d.split_once(':') else {
        return Some("has a digest that is not `algorithm:hex` (e.g. `sha256:` and 64 hex digits)");
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    let hex_ok = hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    if !algorithm_ok || !hex_ok || (algorithm == "sha256" && hex.len() != 64) {
        return Some("has a digest that is not `algorithm:hex` (e.g. `sha256:` and 64 hex digits)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn references_are_read_as_the_runtime_reads_them() {
        let sha = "a".repeat(64);
        for ok in [
            "app",
            "app:1",
            "registry.example.com/team/app:1.4.2",
            "registry.example.com:5000/app",
            "localhost/app:latest",
            "Registry.Example.com/app:1",
            "ghcr.io/o/a__b.c-d:v1_2-3",
            &format!("app@sha256:{sha}"),
            &format!("registry.example.com/app:1@sha256:{sha}"),
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("", "is empty"),
            ("registry/x:", "has an empty tag"),
            (
                "registry.example.com/team/App:1",
                "has upper-case letters in its repository",
            ),
            (":1", "has no repository"),
            ("registry.example.com/:1", "has no repository"),
            ("app@sha256:xyz", "has a digest that is not"),
            ("app@0123", "has a digest that is not"),
            ("app:-x", "has an invalid tag"),
            ("team//app", "has an invalid repository part"),
            ("app name", "contains whitespace"),
        ] {
            let got = problem(bad).map(|(w, _)| w).unwrap_or("ok");
            assert!(got.starts_with(why), "{bad}: {got}");
        }
        assert_eq!(problem("registry/x:"), Some(("has an empty tag", 11..11)));
    }
}
