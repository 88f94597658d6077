//! libFuzzer target: any UTF-8 input as a YAML file. Whatever platc's fast YAML reader takes
//! (src/yaml/fast.rs), it must read as granit-parser reads it: the same documents, values and
//! spans, or the same errors. Inputs it declines go to granit-parser alone and pass.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(differ) = platc::yaml::fast::agrees(text) {
        panic!("{differ}");
    }
});
