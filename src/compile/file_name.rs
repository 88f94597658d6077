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

/// The longest file name (in bytes) the file systems platc writes to take.
pub const MAX_FILE_NAME: usize = 255;

/// Whether a byte stays as it is in a file name.
fn portable(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
}

/// Appends a part of a file name (a kind, group or name) as it is written: every portable byte
/// as it is (upper-case ASCII letters first made lower-case when `lower`), every other byte as
/// `%XX`. One pass, no allocation of its own: a path is made for every object of every build.
fn push_segment(out: &mut String, part: &str, lower: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Names are nearly always DNS names already: copied whole.
    let rest = if lower {
        part
    } else {
        let portable_up_to = part
            .bytes()
            .position(|b| !portable(b))
            .unwrap_or(part.len());
        out.push_str(&part[..portable_up_to]);
        &part[portable_up_to..]
    };
    for b in rest.bytes() {
        let b = if lower { b.to_ascii_lowercase() } else { b };
        if portable(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// Appends the file of an object of `kind` (in API group `group`) named `name` to `out`:
/// `<kind>-<name>.yaml`, or, `qualified`, `<kind>.<group>-<name>.yaml` (the core group has no
/// name to add).
pub fn push_object_file(out: &mut String, kind: &str, group: &str, name: &str, qualified: bool) {
    push_segment(out, kind, true);
    if qualified && !group.is_empty() {
        out.push('.');
        push_segment(out, group, false);
    }
    out.push('-');
    push_segment(out, name, false);
    out.push_str(".yaml");
}

/// [`push_object_file`] as a string of its own.
pub fn object_file(kind: &str, group: &str, name: &str, qualified: bool) -> String {
    let mut out = String::with_capacity(kind.len() + name.len() + 8);
    push_object_file(&mut out, kind, group, name, qualified);
    out
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
