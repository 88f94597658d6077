//! libFuzzer target: any UTF-8 input as the one manifest file (`manifests/0.yaml`) of the
//! namespace of the fixed platform of `tests/fuzz-platform/manifests.toml`, through the whole
//! in-process pipeline (YAML parse, strict typed read, CRD schema, Pod Security, quota,
//! compile, render, diagnostics rendering). The asserts are `tests/invariant/`, the ones the property tests
//! check: panics are crashes, and so is a rejection without located errors.
#![no_main]

#[path = "../../tests/invariant/mod.rs"]
#[allow(dead_code)]
mod invariant;

use invariant::MemoryLoader;
use libfuzzer_sys::fuzz_target;

const PLATFORM: &str = include_str!("../../tests/fuzz-platform/manifests.toml");
const WIDGET_SCHEMA: &str = include_str!("../../tests/fuzz-platform/widget.schema.json");
/// What the platform's cluster lists (`cluster/*.yaml`).
const CLUSTER: &str = include_str!("../../tests/fuzz-corpus/manifests/seed-cluster.yaml");

fuzz_target!(|data: &[u8]| {
    // The loader refuses files that are not UTF-8, so only text gets further.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loader = MemoryLoader::default()
        .with("schemas/widget.json", WIDGET_SCHEMA)
        .with("cluster/0.yaml", CLUSTER)
        .with("manifests/0.yaml", text);
    if let Err(broken) = invariant::compile_and_check("platform.toml", PLATFORM, &loader) {
        panic!("{broken}");
    }
});
