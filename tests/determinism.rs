//! Byte determinism (SPEC §3) on purpose: the same config built twice, the config with every
//! table and key in another order, and builds under other locales, time zones and thread counts
//! all give identical trees; and every file has the shape GitOps tools expect (header first,
//! `\n` only, exactly one final newline).

mod common;
use common::read_tree;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Configs that between them use every kind of table.
fn configs() -> Vec<PathBuf> {
    let mut configs = vec![root().join("platform.toml")];
    for case in [
        "network",
        "rbac",
        "multi-cluster",
        "environments",
        "quantities",
        "tricky-strings",
    ] {
        configs.push(root().join("tests/golden").join(case).join("platform.toml"));
    }
    configs
}

/// Builds `config` with the binary under `env` into a fresh folder and returns the tree.
fn build(config: &Path, env: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut cmd = Command::cargo_bin("platc").unwrap();
    cmd.current_dir(tmp.path())
        .arg("build")
        .arg("-c")
        .arg(config)
        .arg("-o")
        .arg(&out);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}: {}",
        config.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let tree = read_tree(&out);
    assert!(!tree.is_empty());
    tree
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different files"
    );
    for (path, bytes) in a {
        assert!(bytes == &b[path], "{what}: {path} differs");
    }
}

#[test]
fn the_same_config_twice_gives_the_same_tree() {
    for config in configs() {
        let first = build(&config, &[]);
        let second = build(&config, &[]);
        assert_same(&first, &second, &config.display().to_string());
    }
}

#[test]
fn locale_time_zone_threads_and_timings_do_not_matter() {
    let variants: [&[(&str, &str)]; 5] = [
        &[("LC_ALL", "C"), ("TZ", "UTC"), ("RAYON_NUM_THREADS", "1")],
        &[
            ("LC_ALL", "tr_TR.UTF-8"),
            ("LANG", "tr_TR.UTF-8"),
            ("TZ", "Pacific/Kiritimati"),
            ("RAYON_NUM_THREADS", "2"),
        ],
        &[("LC_ALL", "de_DE.UTF-8"), ("TZ", "America/St_Johns")],
        &[
            ("TZ", "Etc/GMT+12"),
            ("SOURCE_DATE_EPOCH", "0"),
            ("HOME", "/nonexistent"),
        ],
        // Timed runs add probes around the stages; the output must not change.
        &[("PLATC_TIMINGS", "1")],
    ];
    for config in configs() {
        let reference = build(&config, variants[0]);
        for env in &variants[1..] {
            assert_same(
                &reference,
                &build(&config, env),
                &format!("{} under {env:?}", config.display()),
            );
        }
    }
}

/// Writes `table` as TOML with every key and table in reverse order: children before their
/// parent table, plain keys reversed. Quoted keys throughout.
fn reversed(path: &[String], table: &toml::Table, out: &mut String) {
    let quote = |k: &str| serde_json::to_string(k).unwrap();
    for (key, value) in table.iter().rev() {
        if let toml::Value::Table(child) = value {
            let mut p = path.to_vec();
            p.push(key.clone());
            reversed(&p, child, out);
        }
    }
    if !path.is_empty() {
        let header: Vec<String> = path.iter().map(|k| quote(k)).collect();
        out.push_str(&format!("\n[{}]\n", header.join(".")));
    }
    for (key, value) in table.iter().rev() {
        if !value.is_table() {
            out.push_str(&format!("{} = {value}\n", quote(key)));
        }
    }
}

#[test]
fn reordering_the_config_does_not_matter() {
    for config in configs() {
        let text = fs::read_to_string(&config).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        let mut shuffled = String::new();
        reversed(&[], &table, &mut shuffled);
        assert_ne!(shuffled, text);
        // The header names the file, so the copy keeps the name.
        let tmp = tempfile::tempdir().unwrap();
        common::copy_config(&config, tmp.path());
        let copy = tmp.path().join(config.file_name().unwrap());
        fs::write(&copy, &shuffled).unwrap();
        assert_same(
            &build(&config, &[]),
            &build(&copy, &[]),
            &format!("{} reordered:\n{shuffled}", config.display()),
        );
    }
}

#[test]
fn every_file_has_the_header_unix_newlines_and_one_final_newline() {
    for config in configs() {
        let header = format!(
            "# Generated by platc from {}. DO NOT EDIT.\n",
            config.file_name().unwrap().to_string_lossy()
        );
        for (path, bytes) in build(&config, &[]) {
            let text = String::from_utf8(bytes).unwrap_or_else(|_| panic!("{path}: not UTF-8"));
            assert!(
                text.starts_with(&header),
                "{path}: first line is not the header"
            );
            assert!(!text.contains('\r'), "{path}: \\r");
            assert!(
                text.ends_with('\n') && !text.ends_with("\n\n"),
                "{path}: final newline"
            );
            assert!(
                !text.contains("\n---"),
                "{path}: more than one YAML document"
            );
            assert!(!text.contains('\t'), "{path}: tab");
            assert!(
                text.lines().all(|l| l == l.trim_end()),
                "{path}: trailing whitespace"
            );
            assert!(path.ends_with(".yaml"), "{path}");
        }
    }
}
