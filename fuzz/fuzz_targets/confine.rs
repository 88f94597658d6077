//! libFuzzer target: path resolution (src/fs/confine). The input builds a small tree in a
//! scratch folder (folders, files, symlinks pointing inside, outside, up, absolute, at `.git`)
//! and spells up to four patterns; whatever they are, every file `Root::matches` gives lies
//! inside the root with no symlink on its path, is the file the kernel reaches by the name the
//! pattern spells, and reading it never gives the content of a file outside. The same check
//! runs in `cargo test` over random trees (`confinement_holds_over_random_trees`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = platc::fs::confine::holds(data) {
        panic!("{broken}");
    }
});
