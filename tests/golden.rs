//! Golden trees: `tests/golden/<case>/platform.toml` compiles to exactly the files under
//! `tests/golden/<case>/out/`, byte for byte, and no others. `PLATC_BLESS=1 cargo test --test
//! golden` rewrites the expected trees.
//!
//! The `tricky-strings` case is also read back with a YAML 1.1 parser (PyYAML, as kubectl and
//! Argo CD read YAML 1.1): every label, env value and argument must come back as the same string.

mod common;
use common::read_tree;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use platc::app::compile_file;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn check_case(case: &str) {
    let dir = golden_dir().join(case);
    let compiled = compile_file(&dir.join("platform.toml"))
        .unwrap_or_else(|f| panic!("{case}: does not compile: {:?}", f.diagnostics));
    assert!(
        compiled.diagnostics.is_empty(),
        "{case}: golden configs must compile without warnings: {:?}",
        compiled.diagnostics
    );
    let out = dir.join("out");
    if std::env::var_os("PLATC_BLESS").is_some() {
        let _ = fs::remove_dir_all(&out);
        for (path, bytes) in &compiled.tree {
            let file = out.join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, bytes).unwrap();
        }
    }
    let want = read_tree(&out);
    assert!(
        !want.is_empty(),
        "{case}: no expected tree (PLATC_BLESS=1 writes it)"
    );
    let got: BTreeMap<String, Vec<u8>> = compiled.tree.clone().into_iter().collect();
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{case}: files not produced: {missing:?}; files not expected: {extra:?}"
    );
    for (path, bytes) in &want {
        let got = String::from_utf8_lossy(&got[path]);
        let want = String::from_utf8_lossy(bytes);
        assert!(
            got == want,
            "{case}: {path} differs (PLATC_BLESS=1 rewrites)\n--- want\n{want}\n+++ got\n{got}"
        );
    }
}

#[test]
fn seed() {
    // The repository's own platform, copied: a change to it must show up here too.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        fs::read_to_string(root.join("platform.toml")).unwrap(),
        fs::read_to_string(golden_dir().join("seed/platform.toml")).unwrap(),
        "tests/golden/seed/platform.toml is not a copy of platform.toml"
    );
    for (path, bytes) in common::read_tree(&root.join("manifests")) {
        assert_eq!(
            Some(&bytes),
            common::read_tree(&golden_dir().join("seed/manifests")).get(&path),
            "tests/golden/seed/manifests/{path} is not a copy of manifests/{path}"
        );
    }
    check_case("seed");
}

#[test]
fn minimal() {
    check_case("minimal");
}

#[test]
fn network() {
    check_case("network");
}

#[test]
fn rbac() {
    check_case("rbac");
}

#[test]
fn multi_cluster() {
    check_case("multi-cluster");
}

#[test]
fn quantities() {
    check_case("quantities");
}

#[test]
fn tricky_strings() {
    check_case("tricky-strings");
}

/// The seed's next day (docs/manifests.md): manifests of built-in kinds and a custom resource
/// checked against its CRD schema, a cluster's own objects, and a patch on a pipeline.
#[test]
fn open_model() {
    check_case("open-model");
}

/// Every pipeline setting beyond the contract's example (docs/pipelines.md), and issue 18's
/// traps closed: env in expansion order, the API token only where a role is bound (or the
/// account asks for it), size-limited scratch volumes.
#[test]
fn pipeline_settings() {
    check_case("pipeline-settings");
}

/// The seed's chain (commodity-prices, then commodity-prices-load) run by DolphinScheduler as
/// one workflow (docs/dolphinscheduler.md): suspended CronJobs, the workflow ConfigMap and the
/// submit Job in DolphinScheduler's namespace, the workers' Role in `production`.
#[test]
fn dolphinscheduler() {
    check_case("dolphinscheduler");
}

/// Namespaces platc writes into but does not own (`managed = false`, directly and through a
/// template): no Namespace object, no Pod Security labels, no default policies; what is
/// written explicitly (a quota, `default_deny`) still is, and Argo CD still deploys there.
#[test]
fn unmanaged() {
    check_case("unmanaged");
}

/// Staging and prod from one config: per-cluster overrides (a smaller quota, a pipeline
/// removed, a patch added, a time zone), cluster variables, images, services and revisions.
/// Walked through in docs/environments.md.
#[test]
fn environments() {
    check_case("environments");
}

#[test]
fn every_case_has_a_test() {
    let mut cases: Vec<String> = fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert_eq!(
        cases,
        [
            "dolphinscheduler",
            "environments",
            "minimal",
            "multi-cluster",
            "network",
            "open-model",
            "pipeline-settings",
            "quantities",
            "rbac",
            "seed",
            "tricky-strings",
            "unmanaged"
        ]
    );
}

#[test]
fn quantities_come_out_canonical() {
    let tree = read_tree(&golden_dir().join("quantities/out"));
    let text = |p: &str| String::from_utf8(tree[p].clone()).unwrap();
    let quota = text("default/batch/resourcequota-batch-quota.yaml");
    for line in [
        "limits.cpu: 2k",
        "limits.ephemeral-storage: 1536Mi",
        "limits.memory: 2Gi",
        "requests.cpu: \"1\"",
        "requests.ephemeral-storage: 2Mi",
        "requests.memory: 1Gi",
        "persistentvolumeclaims: \"0\"",
        "pods: \"200\"",
    ] {
        assert!(quota.contains(line), "quota lacks `{line}`:\n{quota}");
    }
    let limits = text("default/batch/limitrange-batch-limits.yaml");
    for line in [
        "cpu: 500m",
        "memory: 512Mi",
        "cpu: 1500m",
        "memory: 1536Mi",
        "cpu: 10m",
        "cpu: \"4\"",
        "memory: 8Gi",
    ] {
        assert!(
            limits.contains(line),
            "limit range lacks `{line}`:\n{limits}"
        );
    }
    let cronjob = text("default/batch/cronjob-crunch.yaml");
    // A plain number stays decimal and an exponent stays an exponent, as the API server keeps
    // the input's format.
    for line in [
        "cpu: 250m",
        "memory: \"268435456\"",
        "cpu: \"1\"",
        "memory: \"1e9\"",
    ] {
        assert!(cronjob.contains(line), "cronjob lacks `{line}`:\n{cronjob}");
    }
}

/// The strings of the tricky-strings config: default labels, env, and the step's args.
fn tricky_inputs() -> (
    BTreeMap<String, String>,
    BTreeMap<String, String>,
    Vec<String>,
) {
    let text = fs::read_to_string(golden_dir().join("tricky-strings/platform.toml")).unwrap();
    let config: toml::Table = toml::from_str(&text).unwrap();
    let strings = |v: &toml::Value| -> BTreeMap<String, String> {
        v.as_table()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect()
    };
    let labels = strings(&config["defaults"]["labels"]);
    let pipeline = &config["namespaces"]["strings"]["pipelines"]["echo"];
    let env = strings(&pipeline["env"]);
    let args = pipeline["steps"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    (labels, env, args)
}

#[test]
fn tricky_strings_are_quoted() {
    let cronjob = fs::read_to_string(
        golden_dir().join("tricky-strings/out/default/strings/cronjob-echo.yaml"),
    )
    .unwrap();
    for value in [
        "on",
        "yes",
        "no",
        "0644",
        "1_000",
        "12:30",
        "2024-01-01",
        "~",
        "null",
        "true",
        "Off",
    ] {
        assert!(
            cronjob.contains(&format!("value: \"{value}\""))
                || cronjob.contains(&format!("value: '{value}'")),
            "env value `{value}` is not quoted:\n{cronjob}"
        );
    }
    let (_, _, args) = tricky_inputs();
    for arg in args {
        assert!(
            cronjob.contains(&format!("- \"{arg}\"")) || cronjob.contains(&format!("- '{arg}'")),
            "arg `{arg}` is not quoted"
        );
    }
    // A long URL stays on one line: no folding that a reader could join differently.
    assert!(cronjob.contains("value: https://api.commodities.example.com/v1/prices?exchange="));
}

#[test]
fn tricky_strings_round_trip_through_a_yaml_1_1_reader() {
    let Some(python) = common::venv_python("yaml") else {
        return;
    };
    let out = golden_dir().join("tricky-strings/out");
    let script = "import json, pathlib, sys, yaml\n\
        root = pathlib.Path(sys.argv[1])\n\
        docs = {str(p.relative_to(root)): yaml.safe_load(p.read_text('utf-8')) \
                for p in sorted(root.rglob('*.yaml'))}\n\
        print(json.dumps(docs))\n";
    let result = Command::new(python)
        .args(["-c", script])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "PyYAML failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let docs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&result.stdout).unwrap();
    let (labels, env, args) = tricky_inputs();
    let mut labelled = 0;
    for (path, doc) in &docs {
        if path.ends_with("kustomization.yaml") {
            continue;
        }
        for (k, v) in &labels {
            assert_eq!(
                doc["metadata"]["labels"][k],
                serde_json::Value::String(v.clone()),
                "{path}: label {k}"
            );
        }
        labelled += 1;
    }
    assert!(labelled >= 4, "only {labelled} objects read back");
    let cronjob = &docs["default/strings/cronjob-echo.yaml"];
    let container = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let got_env: BTreeMap<String, serde_json::Value> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["value"].clone()))
        .collect();
    let want_env: BTreeMap<String, serde_json::Value> = env
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    assert_eq!(
        got_env, want_env,
        "env values changed on the way through YAML 1.1"
    );
    let got_args: Vec<serde_json::Value> = container["args"].as_array().unwrap().clone();
    let want_args: Vec<serde_json::Value> =
        args.into_iter().map(serde_json::Value::String).collect();
    assert_eq!(
        got_args, want_args,
        "args changed on the way through YAML 1.1"
    );
}
