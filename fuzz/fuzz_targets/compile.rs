//! libFuzzer target: any UTF-8 input through the whole in-process pipeline (parse, schema,
//! semantic checks, lints, compile, render, diagnostics rendering). The asserts are
//! `tests/invariant/`, the ones `tests/fuzz.rs` checks: panics are crashes, and so is a
//! rejection without located errors.
#![no_main]

#[path = "../../tests/invariant/mod.rs"]
#[allow(dead_code)]
mod invariant;

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use platc::diag::SourceMap;

fuzz_target!(|data: &[u8]| {
    // `read_config` rejects non-UTF-8 before any parsing, so only text gets further.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let start = Instant::now();
    let result = platc::app::compile_text(
        "fuzz.toml",
        "fuzz.toml",
        text.to_string(),
        SourceMap::default(),
    );
    if let Err(broken) = invariant::check(result, start.elapsed(), "fuzz.toml") {
        panic!("{broken}");
    }
});
