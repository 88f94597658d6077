//! The file an object is written to, and the rule that keeps those files apart on every file
//! system (docs/security.md, "File names"):
//!
//! - A file is `<kind>-<name>.yaml`: the kind in lower case, then the name.
//! - Each part keeps lower-case ASCII letters, digits, `.`, `-` and `_` as they are and writes
//!   every other byte as `%` and two lower-case hex digits (`system:auth` →
//!   `system%3aauth`, `Admin` → `%41dmin`, `é` → `%c3%a9`). Kubernetes refuses `%` in every
//!   name, so two names never give one file name, and the file names are ASCII without
//!   capitals: a file system that folds case (macOS, Windows) or normalises Unicode (macOS)
//!   cannot merge two of them, and none holds a character Windows refuses (`:*?<>|`) or a
//!   bidirectional control that shows it under another name. DNS names, which nearly every
//!   object has, are written as they are.
//! - When two objects of one folder would get one file name (their kinds differ only in their
//!   API group, `Certificate` of `cert-manager.io` and of another group), each of them gets
//!   `<kind>.<group>-<name>.yaml` instead; every other file keeps its name.
//! - A file name is at most [`MAX_FILE_NAME`] bytes, what Linux, macOS and Windows file systems
//!   take; a longer one is an error at the object's name (`platc check` finds it).

use std::borrow::Cow;

/// The longest file name (in bytes) the file systems platc writes to take.
pub const MAX_FILE_NAME: usize = 255;

/// Whether a byte stays as it is in a file name.
fn portable(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
}

/// A part of a file name (a kind, group or name) as it is written: itself when every byte is
/// portable, else with every other byte written `%XX`.
pub fn segment(part: &str) -> Cow<'_, str> {
    if part.bytes().all(portable) {
        return Cow::Borrowed(part);
    }
    let mut out = String::with_capacity(part.len() * 3);
    for b in part.bytes() {
        if portable(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    Cow::Owned(out)
}

/// The file of an object of `kind` (in API group `group`) named `name`: `<kind>-<name>.yaml`,
/// or, `qualified`, `<kind>.<group>-<name>.yaml` (the core group has no name to add).
pub fn object_file(kind: &str, group: &str, name: &str, qualified: bool) -> String {
    let kind = kind.to_ascii_lowercase();
    let kind = segment(&kind);
    let name = segment(name);
    if qualified && !group.is_empty() {
        format!("{kind}.{}-{name}.yaml", segment(group))
    } else {
        format!("{kind}-{name}.yaml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_stay_as_they_are() {
        assert_eq!(
            object_file("CronJob", "batch", "prices-1.2", false),
            "cronjob-prices-1.2.yaml"
        );
        assert_eq!(
            object_file("Certificate", "cert-manager.io", "a", true),
            "certificate.cert-manager.io-a.yaml"
        );
        assert_eq!(object_file("Service", "", "a", true), "service-a.yaml");
    }

    #[test]
    fn other_bytes_are_written_as_percent_escapes() {
        for (name, file) in [
            (
                "system:auth-delegator",
                "clusterrole-system%3aauth-delegator.yaml",
            ),
            ("Admin", "clusterrole-%41dmin.yaml"),
            ("caf\u{e9}", "clusterrole-caf%c3%a9.yaml"),
            ("cafe\u{301}", "clusterrole-cafe%cc%81.yaml"),
            ("a\u{202e}b", "clusterrole-a%e2%80%aeb.yaml"),
            ("a b*?<>|", "clusterrole-a%20b%2a%3f%3c%3e%7c.yaml"),
        ] {
            assert_eq!(
                object_file("ClusterRole", "rbac.authorization.k8s.io", name, false),
                file
            );
        }
    }

    /// Names Kubernetes accepts (no `%`) give distinct file names, which no file system folds
    /// together: lower-case ASCII only.
    #[test]
    fn distinct_names_give_distinct_portable_file_names() {
        let names = ["a", "A", "\u{c5}", "A\u{30a}", "\u{212b}", "a:b", "a%3ab"];
        let files: Vec<String> = names
            .iter()
            .filter(|n| !n.contains('%'))
            .map(|n| object_file("Role", "", n, false))
            .collect();
        let mut folded: Vec<String> = files.iter().map(|f| f.to_lowercase()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), files.len(), "{files:?}");
        assert!(
            files
                .iter()
                .all(|f| f.bytes().all(|b| portable(b) || b == b'%'))
        );
    }
}
