//! Helpers shared by the integration tests (each `tests/*.rs` that needs one says `mod common;`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Every file under `dir` by its `/`-separated path relative to `dir` (empty when `dir` is
/// missing).
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                let rel: Vec<_> = rel.iter().map(|c| c.to_string_lossy()).collect();
                files.insert(rel.join("/"), fs::read(&path).unwrap());
            }
        }
    }
    files
}
