//! Kubernetes name and label syntax.

/// Why a string is not a DNS-1123 label, or `None` when it is one.
pub fn dns_label_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 63 {
        return Some(format!("is {} characters long; the limit is 63", s.len()));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "contains `{c}`; only lower-case letters, digits and `-` are allowed"
        ));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must start and end with a letter or digit".into());
    }
    None
}

/// The closest DNS-1123 label to `s` (lower-cased, `_`/`.`/spaces to `-`), for hints.
pub fn suggest_dns_label(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    trimmed
        .chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Whether `s` is a DNS-1123 subdomain (dot-separated labels, at most 253 characters).
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(|l| dns_label_problem(l).is_none())
}

fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Why `s` is not a label/annotation key (`[prefix/]name`), or `None`.
pub fn label_key_problem(s: &str) -> Option<String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix
        && !is_dns_subdomain(p)
    {
        return Some(format!(
            "prefix `{p}` is not a DNS subdomain (lower-case, dots, at most 253)"
        ));
    }
    if name.is_empty() {
        return Some("nothing follows the `/`; a key is `[prefix/]name`".into());
    }
    if !is_label_name(name) {
        return Some(format!(
            "name `{name}` must be 1-63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"
        ));
    }
    None
}

/// Why `s` is not a label value, or `None`.
pub fn label_value_problem(s: &str) -> Option<String> {
    if s.is_empty() || is_label_name(s) {
        None
    } else {
        Some(
            "a label value is empty or 1-63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"
                .into(),
        )
    }
}

/// Whether `s` is a valid environment variable name for a container (C identifier style).
pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why `s` is not a key of a Secret or ConfigMap (`data` key, `secretKeyRef.key`): at most 253
/// of `[-._a-zA-Z0-9]`, and not `.`, `..` or starting with `..`.
pub fn config_key_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("it is empty")
    } else if s.len() > 253 {
        Some("it is longer than 253 characters")
    } else if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    {
        Some("keys are letters, digits, `-`, `_` and `.`")
    } else if s == "." || s.starts_with("..") {
        Some("keys may not be `.` or start with `..`")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(dns_label_problem("production").is_none());
        assert!(dns_label_problem("a").is_none());
        assert!(dns_label_problem(&"a".repeat(63)).is_none());
        for bad in ["", "Prod", "prod_1", "-a", "a-", "a.b", &"a".repeat(64)] {
            assert!(dns_label_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(suggest_dns_label("Commodity_Prices"), "commodity-prices");
    }

    #[test]
    fn label_keys_and_values() {
        assert!(label_key_problem("app.kubernetes.io/name").is_none());
        assert!(label_key_problem("team").is_none());
        assert!(label_key_problem("Bad Key").is_some());
        assert!(label_key_problem("UPPER.example/x").is_some());
        assert_eq!(
            label_key_problem("team/").as_deref(),
            Some("nothing follows the `/`; a key is `[prefix/]name`")
        );
        assert!(label_value_problem("").is_none());
        assert!(label_value_problem("data-platform").is_none());
        assert!(label_value_problem("has space").is_some());
        assert!(label_value_problem(&"a".repeat(64)).is_some());
    }

    #[test]
    fn config_keys() {
        for good in ["API_KEY", "catalog.properties", "a-b_c.d", ".hidden"] {
            assert_eq!(config_key_problem(good), None, "{good}");
        }
        for bad in ["", ".", "..", "..x", "a/b", "a b", &"a".repeat(254)] {
            assert!(config_key_problem(bad).is_some(), "{bad}");
        }
    }
}
