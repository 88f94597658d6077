//! libFuzzer target: any UTF-8 input as TOML appended to the fixed platform of
//! `tests/fuzz-platform/patches.toml` (a CronJob pipeline and a Deployment manifest), meant to
//! be `[[namespaces.x.patches]]` tables, through the whole in-process pipeline (patch checks,
//! JSON Patch on the compiled objects, the strict re-read, Pod Security). The asserts are
//! `tests/invariant/`, the ones the property tests check.
#![no_main]

#[path = "../../tests/invariant/mod.rs"]
#[allow(dead_code)]
mod invariant;

use invariant::MemoryLoader;
use libfuzzer_sys::fuzz_target;

const PLATFORM: &str = include_str!("../../tests/fuzz-platform/patches.toml");
const DEPLOYMENT: &str = include_str!("../../tests/fuzz-corpus/manifests/seed-deployment.yaml");

fuzz_target!(|data: &[u8]| {
    let Ok(patches) = std::str::from_utf8(data) else {
        return;
    };
    let text = format!("{PLATFORM}\n{patches}");
    let loader = MemoryLoader::default().with("manifests/api.yaml", DEPLOYMENT);
    if let Err(broken) = invariant::compile_and_check("platform.toml", &text, &loader) {
        panic!("{broken}");
    }
});
