//! The repository's own platform.toml, out/ and schemas/ agree: what CI's dogfood step checks,
//! as a test (crate-ci/typos style). `PLATC_BLESS=1 cargo test` rewrites them.

use std::path::Path;

use platc::app::compile_file;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn schema_file_is_current() {
    let want = platc::validate::schema::schema_text();
    let path = root().join("schemas/platform.schema.json");
    if std::env::var_os("PLATC_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "schemas/platform.schema.json is stale: run `cargo run -- schema > schemas/platform.schema.json`"
    );
}

#[test]
fn out_tree_is_current() {
    let compiled = compile_file(&root().join("platform.toml"))
        .unwrap_or_else(|_| panic!("platform.toml does not compile"));
    let out = root().join("out");
    if std::env::var_os("PLATC_BLESS").is_some() {
        let current = platc::fs::read_out(&out).unwrap();
        platc::fs::write(&out, &compiled.tree, &current).unwrap();
    }
    let current = platc::fs::read_out(&out).unwrap_or_else(|e| panic!("cannot read out/: {e:?}"));
    let stale: Vec<_> = platc::diff::changes(&compiled.tree, &current)
        .iter()
        .map(|c| format!("{:?} {}", c.status, c.path))
        .collect();
    assert!(
        stale.is_empty(),
        "out/ is stale (run `cargo run -- build`): {stale:#?}"
    );
}
