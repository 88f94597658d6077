//! Which files a build reverts were edited by hand. platc keeps no state between builds, so it
//! asks git: a file of `out/` is edited by hand when its bytes differ from what the config
//! compiles to, while what the config compiles to for it is exactly what HEAD holds. The
//! config then did not change that file since the last commit (whose `out/` CI keeps current),
//! so something else did.
//!
//! A file the config changed since HEAD is never called edited by hand, even if a hand also
//! changed it (the build overwrites both alike); a file written by a build of a config edit
//! that was since undone is (nothing tells the two apart without state).

use crate::render::{DiskTree, OnDisk, Tree};

/// The files of `out/` a build rewrites: on disk, compiled, with other bytes. Sorted by path.
pub fn rewritten<'a>(desired: &Tree, current: &'a DiskTree) -> Vec<&'a str> {
    current
        .iter()
        .filter_map(|(path, held)| match held {
            OnDisk::Bytes(bytes) if desired.get(path).is_some_and(|d| d != bytes) => {
                Some(path.as_str())
            }
            _ => None,
        })
        .collect()
}

/// Of the `rewritten` files, those edited by hand: their compiled bytes are what HEAD holds.
/// `committed` is each one's content at HEAD, in the same order (`None`: not committed).
pub fn edited_by_hand<'a>(
    desired: &Tree,
    rewritten: &[&'a str],
    committed: &[Option<Vec<u8>>],
) -> Vec<&'a str> {
    rewritten
        .iter()
        .zip(committed)
        .filter(|(path, at_head)| {
            at_head
                .as_deref()
                .is_some_and(|c| desired.get(**path).is_some_and(|d| d == c))
        })
        .map(|(path, _)| *path)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edited_by_hand_when_the_config_did_not_change_it() {
        let desired: Tree = [("a", "new"), ("b", "same"), ("c", "x"), ("d", "x")]
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .into();
        let current: DiskTree = [
            ("a", OnDisk::Bytes(b"old".to_vec())),
            ("b", OnDisk::Matches),
            ("c", OnDisk::Bytes(b"hand".to_vec())),
            ("d", OnDisk::Bytes(b"hand".to_vec())),
            ("e", OnDisk::Bytes(b"stale".to_vec())),
        ]
        .map(|(p, c)| (p.to_string(), c))
        .into();
        let rewritten = rewritten(&desired, &current);
        assert_eq!(rewritten, ["a", "c", "d"]);
        // a: the config changed it (HEAD has the old bytes); c: HEAD has what the config
        // compiles to, so a hand changed it; d: never committed.
        let committed = [Some(b"old".to_vec()), Some(b"x".to_vec()), None];
        assert_eq!(edited_by_hand(&desired, &rewritten, &committed), ["c"]);
    }
}
