//! libFuzzer target: any UTF-8 input through the whole in-process pipeline (parse, schema,
//! semantic checks, lints, compile, render, diagnostics rendering). Panics are crashes; a
//! rejection without a located error is turned into one by the asserts below.
#![no_main]

use libfuzzer_sys::fuzz_target;
use platc::diag::{Severity, SourceMap, render_all};

fuzz_target!(|data: &[u8]| {
    // `read_config` rejects non-UTF-8 before any parsing, so only text gets further.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match platc::app::compile_text(
        "fuzz.toml",
        "fuzz.toml",
        text.to_string(),
        SourceMap::default(),
    ) {
        Ok(compiled) => {
            for path in compiled.tree.keys() {
                assert!(
                    path.split('/')
                        .all(|p| !p.is_empty() && p != "." && p != ".."),
                    "unsafe path {path:?}"
                );
            }
            let _ = render_all(&compiled.diagnostics, &compiled.sources, false);
        }
        Err(failed) => {
            assert!(
                failed
                    .diagnostics
                    .iter()
                    .any(|d| d.severity == Severity::Error)
            );
            for d in &failed.diagnostics {
                if d.severity == Severity::Error {
                    let s = d.span.expect("every error is located");
                    assert!(s.start <= s.end && s.range().end <= text.len());
                    assert!(text.is_char_boundary(s.range().start) && text.is_char_boundary(s.range().end));
                }
            }
            let _ = render_all(&failed.diagnostics, &failed.sources, false);
        }
    }
});
