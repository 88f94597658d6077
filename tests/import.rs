//! `platc import`, the inverse of `build`, through the binary:
//! - the round trip: `build` then `import` then `build` gives the same objects, for the
//!   repository's own `out/`, every golden fixture's `out/` and the 100-tenant example;
//! - hand-written input (`tests/import/*`): every field of every input object is in the
//!   built object with the same value (what the build adds is reported as changed);
//! - the command's contract: never overwrite, located errors with nothing written, standard
//!   input, `kind: List`, `kustomization.yaml` skipped, Secrets with values never copied.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn platc(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("platc")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every object of an `out/` tree, parsed, by path (kustomizations left out).
fn objects(out: &Path) -> BTreeMap<String, Value> {
    common::read_tree(out)
        .into_iter()
        .filter(|(p, _)| !p.ends_with("kustomization.yaml"))
        .map(|(p, bytes)| {
            let v: Value =
                serde_saphyr::from_str(&text(&bytes)).unwrap_or_else(|e| panic!("{p}: {e}"));
            (p, v)
        })
        .collect()
}

/// Imports `input` into a fresh folder, builds what it wrote, and returns the folder.
fn import_and_build(input: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = platc(dir.path(), &["import", input.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "import {}: {}",
        input.display(),
        text(&o.stderr)
    );
    let b = platc(dir.path(), &["build", "--color", "never"]);
    assert_eq!(
        b.status.code(),
        Some(0),
        "build of the import of {}: {}",
        input.display(),
        text(&b.stderr)
    );
    dir
}

fn assert_round_trip(out: &Path) {
    let dir = import_and_build(out);
    let (want, got) = (objects(out), objects(&dir.path().join("out")));
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "{}: other objects after the round trip",
        out.display()
    );
    for (path, object) in &want {
        assert_eq!(
            object,
            &got[path],
            "{}: {path} differs after the round trip",
            out.display()
        );
    }
}

#[test]
fn the_repositorys_out_round_trips() {
    assert_round_trip(&root().join("out"));
}

#[test]
fn every_golden_fixture_round_trips() {
    let mut cases = 0;
    for entry in fs::read_dir(root().join("tests/golden")).unwrap() {
        let out = entry.unwrap().path().join("out");
        assert_round_trip(&out);
        cases += 1;
    }
    assert!(cases >= 8, "only {cases} golden cases");
}

#[test]
fn the_hundred_tenant_example_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let config = root().join("examples/hundred-tenants/platform.toml");
    let o = platc(
        dir.path(),
        &[
            "build",
            "-c",
            config.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_round_trip(&out);
}

/// Quantities equal as the API server reads them (`1000m` and `1`).
fn same(a: &Value, b: &Value) -> bool {
    let q = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    a == b
        || matches!((q(a), q(b)), (Some(x), Some(y)) if platc::model::Quantity::parse(&x).ok() == platc::model::Quantity::parse(&y).ok() && platc::model::Quantity::parse(&x).is_ok())
}

/// Whether every field of `input` is in `built` with the same value; the first that is not.
fn missing(input: &Value, built: &Value, path: &str) -> Option<String> {
    match (input, built) {
        (Value::Object(i), Value::Object(b)) => i.iter().find_map(|(k, v)| match b.get(k) {
            Some(bv) => missing(v, bv, &format!("{path}/{k}")),
            None => Some(format!("{path}/{k}")),
        }),
        (Value::Array(i), Value::Array(b)) => i.iter().enumerate().find_map(|(n, v)| {
            // Named items (containers, env) may be written in another order.
            let name = v.get("name");
            let bv = match name {
                Some(_) => b.iter().find(|x| x.get("name") == name),
                None => b.get(n),
            };
            match bv {
                Some(bv) => missing(v, bv, &format!("{path}/{n}")),
                None => Some(format!("{path}/{n}")),
            }
        }),
        _ if same(input, built) => None,
        _ => Some(path.to_string()),
    }
}

#[test]
fn hand_written_input_keeps_every_field() {
    for (case, objects_at_least) in [
        ("seed-rbac", 6),
        ("kustomize-base", 6),
        ("cronjob-settings", 2),
    ] {
        let input = root().join("tests/import").join(case);
        let dir = import_and_build(&input);
        let built = objects(&dir.path().join("out"));
        let mut checked = 0;
        for (file, bytes) in common::read_tree(&input) {
            if !file.ends_with(".yaml") || file == "kustomization.yaml" {
                continue;
            }
            for doc in text(&bytes).split("\n---\n") {
                let Ok(object) = serde_saphyr::from_str::<Value>(doc) else {
                    continue;
                };
                let Some(kind) = object["kind"].as_str() else {
                    continue;
                };
                let name = object["metadata"]["name"].as_str().unwrap();
                let file_name = format!("{}-{name}.yaml", kind.to_ascii_lowercase());
                let (_, b) = built
                    .iter()
                    .find(|(p, _)| p.ends_with(&format!("/{file_name}")))
                    .unwrap_or_else(|| panic!("{case}: {kind} {name} is not built"));
                if let Some(field) = missing(&object, b, "") {
                    panic!("{case}: {kind} {name} lost `{field}`");
                }
                checked += 1;
            }
        }
        assert!(
            checked >= objects_at_least,
            "{case}: only {checked} objects"
        );
    }
}

#[test]
fn the_report_says_what_became_of_each_object() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("tests/import/kustomize-base");
    let o = platc(dir.path(), &["import", input.to_str().unwrap(), "--harden"]);
    let report = text(&o.stdout);
    assert_eq!(report.lines().count(), 7, "one line per object:\n{report}");
    assert!(
        report.contains("ResourceQuota tenant/tenant-quota: mapped\n"),
        "{report}"
    );
    assert!(
        report.contains("CronJob tenant/commodity-prices: mapped, changed: ")
            && report.contains("securityContext (platc runs every pipeline pod under the restricted Pod Security profile)"),
        "{report}"
    );
    assert!(
        report.contains("NetworkPolicy tenant/production-egress: kept as manifest: ports other than TCP port numbers -> manifests/tenant/networkpolicy-production-egress.yaml"),
        "{report}"
    );
    let config = fs::read_to_string(dir.path().join("platform.toml")).unwrap();
    assert!(
        config.starts_with("#:schema ./schemas/platform.schema.json\n"),
        "{config}"
    );
    assert!(
        config.contains("[namespaces.tenant.pipelines.commodity-prices]"),
        "{config}"
    );
    // Defaults are not spelled out: forbid is platc's default concurrency.
    assert!(!config.contains("concurrency"), "{config}");
}

#[test]
fn import_never_overwrites_and_writes_nothing_then() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("platform.toml"), "# mine\n").unwrap();
    let input = root().join("tests/import/kustomize-base");
    let o = platc(dir.path(), &["import", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("platform.toml exists; platc import never overwrites a file"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("platform.toml")).unwrap(),
        "# mine\n"
    );
    assert!(!dir.path().join("manifests").exists());
    // A manifest file in the way stops it too, before the config is written.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("manifests/tenant")).unwrap();
    fs::write(
        dir.path()
            .join("manifests/tenant/networkpolicy-production-egress.yaml"),
        "x",
    )
    .unwrap();
    let o = platc(dir.path(), &["import", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("platform.toml").exists());
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_input_is_located_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: {}\n",
    );
    write(
        dir.path(),
        "anonymous.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n",
    );
    let o = platc(
        dir.path(),
        &[
            "import",
            "broken.yaml",
            "anonymous.yaml",
            "--color",
            "never",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("--> broken.yaml:5:2"), "{err}");
    assert!(
        err.contains("the object has no `metadata.name`") && err.contains("--> anonymous.yaml:3:1"),
        "{err}"
    );
    assert!(!dir.path().join("platform.toml").exists());
}

#[test]
fn standard_input_lists_kustomizations_and_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let list = "apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ServiceAccount
    metadata: {name: api, namespace: web}
  - apiVersion: v1
    kind: Secret
    metadata: {name: api-token, namespace: web}
    stringData: {TOKEN: hunter2}
";
    let o = Command::cargo_bin("platc")
        .unwrap()
        .current_dir(dir.path())
        .args(["import", "-"])
        .write_stdin(list)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let report = text(&o.stdout);
    assert!(
        report.contains("<stdin>:6:22  ServiceAccount web/api: mapped"),
        "{report}"
    );
    assert!(
        report.contains("Secret web/api-token: not copied: a Secret with values is never copied")
            && report.contains("`[namespaces.web.secrets.api-token]`"),
        "{report}"
    );
    let config = fs::read_to_string(dir.path().join("platform.toml")).unwrap();
    assert!(
        !config.contains("hunter2") && !config.contains("api-token"),
        "{config}"
    );
    // A folder: kustomization.yaml is not an object.
    let dir = tempfile::tempdir().unwrap();
    let o = platc(
        dir.path(),
        &[
            "import",
            root().join("tests/import/kustomize-base").to_str().unwrap(),
        ],
    );
    assert!(
        !text(&o.stdout).contains("Kustomization"),
        "{}",
        text(&o.stdout)
    );
}

/// Imports `input` into a fresh folder, CronJobs mapped even where their pipeline would run
/// hardened (`--harden`): the report and the config, parsed.
fn import_report_and_config(input: &Path) -> (String, toml::Table) {
    let dir = tempfile::tempdir().unwrap();
    let o = platc(dir.path(), &["import", input.to_str().unwrap(), "--harden"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let config = fs::read_to_string(dir.path().join("platform.toml")).unwrap();
    let table: toml::Table = config.parse().unwrap_or_else(|e| panic!("{e}\n{config}"));
    (text(&o.stdout), table)
}

/// `[namespaces.NS.pipelines.NAME]` of an imported config.
fn pipeline<'a>(config: &'a toml::Table, ns: &str, name: &str) -> &'a toml::Table {
    config["namespaces"][ns]["pipelines"][name]
        .as_table()
        .unwrap_or_else(|| panic!("no pipeline {ns}/{name}: {config:#?}"))
}

fn parse(value: &str) -> toml::Value {
    format!("v = {value}").parse::<toml::Table>().unwrap()["v"].clone()
}

#[test]
fn the_pipeline_settings_golden_imports_into_settings_not_patches() {
    let (report, config) =
        import_report_and_config(&root().join("tests/golden/pipeline-settings/out"));
    for name in ["iceberg-load", "report", "vault-sync"] {
        assert!(
            report.contains(&format!("CronJob analytics/{name}: mapped\n")),
            "{name} is mapped with nothing changed or patched:\n{report}"
        );
    }
    assert!(!report.contains("patched"), "{report}");
    assert!(
        config["namespaces"]["analytics"].get("patches").is_none(),
        "{config:#?}"
    );
    let pl = pipeline(&config, "analytics", "iceberg-load");
    for (key, want) in [
        ("image_pull_secrets", r#"["regcred"]"#),
        ("scratch", r#""4Gi""#),
        ("ttl_after_finished", r#""1d""#),
        ("node_selector", r#"{ node-pool = "batch" }"#),
        (
            "tolerations",
            r#"[{ key = "dedicated", operator = "Equal", value = "batch", effect = "NoSchedule" },
                { key = "spot", operator = "Exists", effect = "NoExecute", toleration_seconds = 300 }]"#,
        ),
        (
            "labels",
            r#"{ cost-center = "analytics", team = "ingest" }"#,
        ),
        (
            "annotations",
            r#"{ "example.com/runbook" = "https://runbooks.example.com/iceberg-load" }"#,
        ),
        (
            "files",
            r#"[{ secret = "iceberg-catalog", path = "/etc/iceberg" },
                { config_map = "loader-settings", path = "/etc/loader" }]"#,
        ),
        (
            "resources",
            r#"{ requests = { cpu = "500m", memory = "1Gi", ephemeral-storage = "2Gi" },
                 limits = { cpu = "1", memory = "2Gi", ephemeral-storage = "8Gi" } }"#,
        ),
    ] {
        assert_eq!(pl.get(key), Some(&parse(want)), "iceberg-load.{key}");
    }
    let env = pl["env"].as_table().unwrap();
    assert_eq!(
        env["API_KEY"],
        parse(r#"{ secret = "commodity-api", key = "API_KEY" }"#)
    );
    assert_eq!(
        env["REGION"],
        parse(r#"{ config_map = "cluster-info", key = "region" }"#)
    );
    // The step that differs has its own resources; the others take the pipeline's.
    let steps = pl["steps"].as_array().unwrap();
    assert_eq!(
        steps[1],
        parse(
            r#"{ name = "transform", args = ["transform"], resources = { requests = { cpu = "2", memory = "4Gi" }, limits = { cpu = "4", memory = "8Gi" } } }"#
        )
    );
    assert!(steps[0].get("resources").is_none() && steps[2].get("resources").is_none());
    // Defaults are not spelled out: scratch as large as the ephemeral-storage limit, or 1Gi.
    for name in ["report", "vault-sync"] {
        let pl = pipeline(&config, "analytics", name);
        for key in [
            "scratch",
            "labels",
            "annotations",
            "ttl_after_finished",
            "files",
        ] {
            assert!(pl.get(key).is_none(), "{name}.{key}: {pl:#?}");
        }
    }
}

#[test]
fn a_hand_written_cronjob_with_every_pod_setting_is_mapped_without_patches() {
    let (report, config) = import_report_and_config(&root().join("tests/import/cronjob-settings"));
    assert!(
        report.contains("CronJob lakehouse/iceberg-compaction: mapped, changed: "),
        "{report}"
    );
    assert!(!report.contains("patched"), "{report}");
    // Its Namespace has no Pod Security labels, which platc would add: it stays as it is.
    assert!(
        report.contains("Namespace lakehouse: kept as manifest: it has no Pod Security labels, and platc would add them"),
        "{report}"
    );
    let pl = pipeline(&config, "lakehouse", "iceberg-compaction");
    for (key, want) in [
        ("image_pull_secrets", r#"["regcred"]"#),
        ("ttl_after_finished", r#""2d""#),
        (
            "node_selector",
            r#"{ node-pool = "batch", "kubernetes.io/arch" = "amd64" }"#,
        ),
        ("labels", r#"{ cost-center = "lakehouse-maintenance" }"#),
        (
            "files",
            r#"[{ secret = "iceberg-catalog", path = "/etc/iceberg" }]"#,
        ),
        (
            "resources",
            r#"{ requests = { cpu = "250m", memory = "512Mi" }, limits = { cpu = "500m", memory = "1Gi" } }"#,
        ),
    ] {
        assert_eq!(pl.get(key), Some(&parse(want)), "{key}");
    }
    assert!(
        pl.get("scratch").is_none(),
        "no scratch volumes in the input"
    );
    assert_eq!(
        pl["env"]["CATALOG_TOKEN"],
        parse(r#"{ secret = "iceberg-catalog", key = "token" }"#)
    );
    let own: Vec<Option<&toml::Value>> = pl["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.get("resources"))
        .collect();
    assert_eq!(
        own,
        [
            None,
            Some(&parse(
                r#"{ requests = { cpu = "2", memory = "6Gi" }, limits = { cpu = "4", memory = "8Gi" } }"#
            )),
            None
        ]
    );
}

/// platc's DolphinScheduler objects come back as `[dolphinscheduler]` and the pipelines'
/// `scheduler` and `after` (docs/dolphinscheduler.md): the suspended CronJobs are not
/// `suspend = true` pipelines, the workflow ConfigMap, submit Job and the workers' Role are
/// recognised, not kept as manifests, and nothing needs a patch.
#[test]
fn the_dolphinscheduler_golden_imports_into_its_config() {
    let golden = root().join("tests/golden/dolphinscheduler");
    assert_round_trip(&golden.join("out"));
    let (report, config) = import_report_and_config(&golden.join("out"));
    assert!(
        !report.contains("kept") && !report.contains("patched"),
        "{report}"
    );
    for object in [
        "Job dolphinscheduler/dolphinscheduler-submit",
        "ConfigMap dolphinscheduler/dolphinscheduler-workflows",
        "Role production/dolphinscheduler-runs",
        "RoleBinding production/dolphinscheduler-runs",
    ] {
        assert!(report.contains(&format!("{object}: mapped\n")), "{report}");
    }
    let written: toml::Table = fs::read_to_string(golden.join("platform.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(config["dolphinscheduler"], written["dolphinscheduler"]);
    assert_eq!(
        config["namespaces"]["dolphinscheduler"].get("managed"),
        Some(&toml::Value::Boolean(false))
    );
    let head = pipeline(&config, "production", "commodity-prices");
    assert_eq!(head["scheduler"], parse(r#""dolphinscheduler""#));
    assert_eq!(head["schedule"], parse(r#""0 2 * * *""#));
    assert!(head.get("suspend").is_none() && head.get("after").is_none());
    let load = pipeline(&config, "production", "commodity-prices-load");
    assert_eq!(load["after"], parse(r#"["commodity-prices"]"#));
    for key in ["schedule", "time_zone", "suspend"] {
        assert!(load.get(key).is_none(), "{key}: {load:#?}");
    }
    assert!(
        config["namespaces"]["production"]
            .get("roles")
            .and_then(|r| r.get("dolphinscheduler-runs"))
            .is_none(),
        "the workers' Role is platc's, not a role of the config"
    );
}

/// Chains across namespaces round-trip; a submit Job edited by hand makes the
/// DolphinScheduler objects manifests (all of them) and the round trip still holds. (On
/// several clusters the import of the gateway token's ExternalSecret fails as every
/// ExternalSecret of a namespace on two clusters does today, so this case has one.)
#[test]
fn dolphinscheduler_chains_round_trip_and_an_edited_job_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("platform.toml"),
        r#"[platform]
name = "chains"

[dolphinscheduler]
project = "data"
tenant = "batch"
namespace = "scheduler"
worker_service_account = "worker"
gateway = { address = "ds-api", port = 25334, token_secret = "gateway", token_key = "auth" }
submit_image = "registry.example.com/pyds:4.1.0"
worker_group = "k8s"

[secret_stores.vault]

[namespaces.scheduler]
managed = false
[namespaces.scheduler.secrets.gateway]
store = "vault"
data = { auth = "ds/gateway#token" }

[namespaces.ingest.pipelines.extract]
scheduler = "dolphinscheduler"
schedule = "15 6 * * MON-FRI"
concurrency = "allow"
image = "registry.example.com/etl:1"
deadline = "5m"
steps = [{ name = "run" }]
[namespaces.ingest.pipelines.clean]
scheduler = "dolphinscheduler"
after = ["extract"]
image = "registry.example.com/etl:1"
steps = [{ name = "run" }]

[namespaces.reports.pipelines.publish]
scheduler = "dolphinscheduler"
after = ["ingest/clean", "ingest/extract"]
image = "registry.example.com/etl:1"
steps = [{ name = "run" }]
"#,
    )
    .unwrap();
    let b = platc(dir.path(), &["build", "--color", "never"]);
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    let out = dir.path().join("out");
    assert_round_trip(&out);
    let (report, config) = import_report_and_config(&out);
    assert!(!report.contains("kept"), "{report}");
    assert_eq!(
        pipeline(&config, "reports", "publish")["after"],
        parse(r#"["ingest/clean", "ingest/extract"]"#)
    );
    assert_eq!(
        config["dolphinscheduler"]["gateway"],
        parse(
            r#"{ address = "ds-api", port = 25334, token_secret = "gateway", token_key = "auth" }"#
        )
    );

    let job = out.join("default/scheduler/job-dolphinscheduler-submit.yaml");
    let edited = fs::read_to_string(&job)
        .unwrap()
        .replace("backoffLimit: 2", "backoffLimit: 5");
    fs::write(&job, edited).unwrap();
    assert_round_trip(&out);
    let (report, config) = import_report_and_config(&out);
    assert!(config.get("dolphinscheduler").is_none(), "{config:#?}");
    for object in [
        "Job scheduler/dolphinscheduler-submit",
        "ConfigMap scheduler/dolphinscheduler-workflows",
    ] {
        assert!(
            report.contains(&format!("{object}: kept as manifest")),
            "{object}:\n{report}"
        );
    }
}

/// The DolphinScheduler golden platform on `staging` and `prod`, with `staging` appended.
fn dolphinscheduler_on_two_clusters(staging: &str) -> String {
    let golden = fs::read_to_string(root().join("tests/golden/dolphinscheduler/platform.toml"))
        .unwrap()
        .replace("#:schema ../../../schemas/platform.schema.json\n", "");
    let mut config = golden;
    for (from, to) in [
        (
            "[services.kafka]\n",
            "[clusters.staging]\nserver = \"https://staging.example.com\"\n\n[clusters.prod]\nserver = \"https://prod.example.com\"\n\n[services.kafka]\n",
        ),
        (
            "[namespaces.production]\n",
            "[namespaces.production]\nclusters = [\"staging\", \"prod\"]\n",
        ),
        (
            "[namespaces.dolphinscheduler]\nmanaged = false\n",
            "[namespaces.dolphinscheduler]\nmanaged = false\nclusters = [\"staging\", \"prod\"]\n",
        ),
    ] {
        assert!(config.contains(from), "{from}");
        config = config.replacen(from, to, 1);
    }
    config.push_str(staging);
    config
}

/// Builds `config` in a fresh folder, then proves its `out/` imports back; returns what the
/// import wrote.
fn built_and_imported(config: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("platform.toml"), config).unwrap();
    let o = platc(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = dir.path().join("out");
    assert!(out.join("staging/dolphinscheduler").is_dir());
    assert!(out.join("prod/dolphinscheduler").is_dir());
    assert_round_trip(&out);
    let again = import_and_build(&out);
    fs::read_to_string(again.path().join("platform.toml")).unwrap()
}

/// DolphinScheduler on two clusters, whose workflows differ (staging does not run the load):
/// the `out/` tree imports as one platform with `[dolphinscheduler]` once and the difference
/// as an override, and builds back the same objects.
#[test]
fn dolphinscheduler_on_two_clusters_round_trips() {
    let imported = built_and_imported(&dolphinscheduler_on_two_clusters(
        "\n[namespaces.production.on.staging]\npipelines = { commodity-prices-load = false }\n",
    ));
    assert_eq!(
        imported.matches("\n[dolphinscheduler]\n").count(),
        1,
        "{imported}"
    );
    assert!(
        imported.contains("commodity-prices-load = false"),
        "{imported}"
    );
}

/// A cluster that runs no pipeline has no workflows, PrometheusRules or KafkaTopics: what
/// import reads from those (`[dolphinscheduler]`, `[monitoring]`, a service's
/// `strimzi_cluster`) comes from the other cluster instead of making the fold fail.
#[test]
fn a_cluster_without_pipelines_folds_with_one_that_has_them() {
    let config = dolphinscheduler_on_two_clusters(
        "\n[namespaces.production.on.staging]\npipelines = { commodity-prices = false, commodity-prices-load = false }\n",
    )
    .replace(
        "[[namespaces.production.patches]]",
        "[[namespaces.production.on.prod.patches]]",
    );
    let imported = built_and_imported(&config);
    assert!(imported.contains("\n[monitoring]\n"), "{imported}");
    assert!(
        imported.contains("strimzi_cluster = \"events\""),
        "{imported}"
    );
}

/// A folder layout that looks like `out/CLUSTER/NAMESPACE/` by chance (the Kubernetes
/// examples' `_archived/openshift-origin/openshift-origin-namespace.yaml`): a folder no cluster
/// can be named is not a cluster, and the import goes on as for any other file.
#[test]
fn a_folder_no_cluster_can_be_named_is_not_a_cluster() {
    let input = tempfile::tempdir().unwrap();
    let file = input
        .path()
        .join("_archived/openshift-origin/openshift-origin-namespace.yaml");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(
        &file,
        "kind: Namespace\napiVersion: v1\nmetadata:\n  name: \"openshift-origin\"\n  labels:\n    name: \"openshift-origin\"\n",
    )
    .unwrap();
    let dir = import_and_build(&input.path().join("_archived"));
    let config = fs::read_to_string(dir.path().join("platform.toml")).unwrap();
    assert!(!config.contains("_archived"), "{config}");
}
