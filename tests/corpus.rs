//! Issue 25: real public YAML nobody here wrote (tests/corpus/, each set's origin and licence
//! in its PROVENANCE.md), in two ways:
//!
//! - imported, built, and the `out/` tree held to the input with `common::same`: every input
//!   object comes back equal as data but for what docs/import.md lists, and nothing else is
//!   built; or the import refuses, with the reason listed here;
//! - each file used as `manifests` (its cluster-scoped documents in `[clusters.default]`, the
//!   others in their namespace's), with every refusal listed here with why it is right.
//!
//! Kustomize sets are rendered with the real `kubectl kustomize` (skipped without kubectl,
//! failing when `CI` is set).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

use assert_cmd::Command;
use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn platc(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::cargo_bin("platc").unwrap();
    c.current_dir(dir).env("NO_COLOR", "1").args(args);
    if let Some(s) = stdin {
        c.write_stdin(s.to_string());
    }
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Imports `input` (files or folders under tests/corpus, or YAML text on standard input),
/// builds, and holds `out/` to the input; the import's report.
fn round_trip(inputs: &[&str], stdin: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = inputs.iter().map(|i| corpus().join(i)).collect();
    let mut args = vec!["import".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    if stdin.is_some() {
        args.push("-".into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = platc(dir.path(), &args, stdin);
    assert_eq!(
        o.status.code(),
        Some(0),
        "import {inputs:?}: {}",
        text(&o.stderr)
    );
    let b = platc(dir.path(), &["build"], None);
    assert_eq!(
        b.status.code(),
        Some(0),
        "build of {inputs:?}: {}",
        text(&b.stderr)
    );
    let mut objects: Vec<common::same::Input> =
        paths.iter().flat_map(|p| common::same::inputs(p)).collect();
    if let Some(s) = stdin {
        objects.extend(common::same::parse("<stdin>", s));
    }
    assert!(!objects.is_empty(), "{inputs:?}: no objects");
    let broken = common::same::broken_promises(&objects, &dir.path().join("out"));
    assert!(
        broken.is_empty(),
        "{inputs:?}:\n{}\nreport:\n{}",
        broken.join("\n"),
        text(&o.stdout)
    );
    text(&o.stdout)
}

/// Imports `input` and expects a refusal: the codes of its errors.
fn refused(input: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = corpus().join(input);
    let o = platc(dir.path(), &["import", path.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "{input}: {}", text(&o.stdout));
    assert!(!dir.path().join("platform.toml").exists());
    codes(&text(&o.stderr))
}

fn codes(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error["))
        .filter_map(|l| l.split(']').next())
        .map(str::to_string)
        .collect()
}

/// `kubectl kustomize DIR`, or `None` (skip) without kubectl outside CI.
#[allow(clippy::print_stdout)] // a test says why it skipped
fn kustomize(dir: &Path) -> Option<String> {
    match Process::new("kubectl").arg("kustomize").arg(dir).output() {
        Ok(o) if o.status.success() => Some(text(&o.stdout)),
        Ok(o) => panic!("kubectl kustomize {}: {}", dir.display(), text(&o.stderr)),
        Err(e) => {
            assert!(std::env::var_os("CI").is_none(), "kubectl is needed: {e}");
            println!("skipped: no kubectl ({e})");
            None
        }
    }
}

#[test]
fn kube_prometheus_manifests_import_exactly() {
    let report = round_trip(&["kube-prometheus/manifests"], None);
    // Its Namespace has no Pod Security labels: kept as it is, and the namespace not platc's.
    assert!(
        report.contains("Namespace monitoring: kept as manifest: it has no Pod Security labels"),
        "{report}"
    );
    // The dashboards' ConfigMapList is unpacked: one line per dashboard.
    assert!(
        report
            .matches("ConfigMap monitoring/grafana-dashboard-")
            .count()
            > 20,
        "{report}"
    );
    // The grafana Secrets with values are never copied.
    assert!(
        report.contains("Secret monitoring/grafana-config: not copied"),
        "{report}"
    );
}

#[test]
fn the_strimzi_install_bundle_and_examples_import_exactly() {
    let report = round_trip(
        &["strimzi/install/cluster-operator", "strimzi/examples"],
        None,
    );
    // The examples' custom resources are checked against the bundle's CRDs.
    assert!(
        report.contains("KafkaConnect default/my-connect-cluster: kept as manifest"),
        "{report}"
    );
}

#[test]
fn external_secrets_snippets_import_exactly() {
    // Each snippet is an example of its own (several name their objects alike).
    let dir = corpus().join("external-secrets/snippets");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    for file in files {
        let input = format!("external-secrets/snippets/{file}");
        match file.as_str() {
            // The documentation elides parts of it with `...`: not YAML, as kubectl says too.
            "1password-connect-server-deployment.yaml" => {
                assert_eq!(refused(&input), ["E0701"], "{file}");
            }
            _ => {
                round_trip(&[&input], None);
            }
        }
    }
}

#[test]
fn microservices_demo_plain_and_rendered_import_exactly() {
    round_trip(&["microservices-demo/kubernetes-manifests"], None);
    for kustomization in ["microservices-demo/kustomize", "microservices-demo/overlay"] {
        let Some(rendered) = kustomize(&corpus().join(kustomization)) else {
            return;
        };
        let report = round_trip(&[], Some(&rendered));
        assert!(report.contains("<stdin>:"), "{report}");
    }
}

#[test]
fn kubernetes_website_examples_import_exactly() {
    let root = corpus().join("kubernetes-website");
    let files: Vec<String> = common::read_tree(&root)
        .into_keys()
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    assert!(files.len() >= 20, "{files:?}");
    for file in files {
        let input = format!("kubernetes-website/{file}");
        match file.as_str() {
            // The stored version still says `batch/v1beta1`, which Kubernetes 1.25 removed.
            "examples/application/job/cronjob.yaml" => {
                assert_eq!(refused(&input), ["E0704"], "{file}");
            }
            _ => {
                round_trip(&[&input], None);
            }
        }
    }
}

#[test]
fn descheduler_plain_and_rendered_import_exactly() {
    round_trip(&["descheduler/kubernetes/base"], None);
    for variant in ["cronjob", "deployment", "job"] {
        round_trip(
            &[
                "descheduler/kubernetes/base",
                &format!("descheduler/kubernetes/{variant}"),
            ],
            None,
        );
        let Some(rendered) = kustomize(&corpus().join(format!("descheduler/kubernetes/{variant}")))
        else {
            return;
        };
        round_trip(&[], Some(&rendered));
    }
}

// --- as manifests -----------------------------------------------------------------------

/// Each document of a YAML text, as written.
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push(String::new());
        } else {
            docs.last_mut().unwrap().push_str(line);
        }
    }
    docs.retain(|d| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.starts_with('#'))
    });
    docs
}

/// Whether an object (or a List's first item) is cluster-scoped: a built-in kind's scope,
/// a CRD's among `crds`, or the kinds platc knows.
fn cluster_scoped(o: &Value, crds: &BTreeMap<(String, String), bool>) -> bool {
    let o = match o["items"].as_array() {
        Some(items) if o["kind"].as_str().is_some_and(|k| k.ends_with("List")) => {
            items.first().unwrap_or(o)
        }
        _ => o,
    };
    let v = o["apiVersion"].as_str().unwrap_or_default();
    let k = o["kind"].as_str().unwrap_or_default();
    let group = v.rsplit_once('/').map_or("", |(g, _)| g);
    platc::yaml::kinds::find(v, k)
        .map(|k| k.cluster_scoped)
        .or_else(|| crds.get(&(group.to_string(), k.to_string())).copied())
        .or_else(|| platc::yaml::crd::known_scope(group, k))
        .unwrap_or(false)
}

/// The refusals of one corpus file used as manifests: its documents placed by scope and
/// namespace (each place a file of those documents as written), the CRDs of its set as
/// `[platform] crds`; the codes of the errors `platc check` gives.
fn as_manifests(file: &Path, crd_files: &[PathBuf]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut crds = BTreeMap::new();
    let mut crd_patterns = Vec::new();
    for (i, f) in crd_files.iter().enumerate() {
        let name = format!("crds/{i}.yaml");
        fs::create_dir_all(dir.path().join("crds")).unwrap();
        fs::copy(f, dir.path().join(&name)).unwrap();
        crd_patterns.push(format!("\"{name}\""));
        for input in common::same::inputs(f) {
            let spec = &input.object["spec"];
            crds.insert(
                (
                    spec["group"].as_str().unwrap_or_default().to_string(),
                    spec["names"]["kind"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
                spec["scope"] == "Cluster",
            );
        }
    }
    let written = fs::read_to_string(file).unwrap();
    let mut places: BTreeMap<String, String> = BTreeMap::new();
    for doc in documents(&written) {
        let options = serde_saphyr::options! { legacy_octal_numbers: true };
        // A document that does not parse goes where the first one went: platc reports it.
        let object: Value =
            serde_saphyr::from_str_with_options(&doc, options).unwrap_or(Value::Null);
        let place = if cluster_scoped(&object, &crds) {
            "_cluster".to_string()
        } else {
            let item = object["items"].get(0).unwrap_or(&object);
            item["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string()
        };
        let body = places.entry(place).or_default();
        body.push_str("---\n");
        body.push_str(&doc);
    }
    let mut config = format!(
        "[platform]\nname = \"corpus\"\ncrds = [{}]\n",
        crd_patterns.join(", ")
    );
    for (place, body) in &places {
        fs::write(dir.path().join(format!("{place}.yaml")), body).unwrap();
        if place == "_cluster" {
            config.push_str("\n[clusters.default]\nmanifests = [\"_cluster.yaml\"]\n");
        } else {
            config.push_str(&format!(
                "\n[namespaces.{place}]\nmanaged = false\nmanifests = [\"{place}.yaml\"]\n"
            ));
        }
    }
    fs::write(dir.path().join("platform.toml"), config).unwrap();
    let o = platc(dir.path(), &["check"], None);
    let err = text(&o.stderr);
    let found = codes(&err);
    assert_eq!(
        o.status.code(),
        Some(if found.is_empty() { 0 } else { 2 }),
        "{}: {err}",
        file.display()
    );
    found
}

/// Every YAML file of `set` (kustomizations aside) as manifests; the refusals by file.
fn refusals(set: &str, crd_files: &[&str]) -> BTreeMap<String, Vec<String>> {
    let crd_files: Vec<PathBuf> = crd_files
        .iter()
        .map(|f| corpus().join(set).join(f))
        .collect();
    let mut out = BTreeMap::new();
    for (file, _) in common::read_tree(&corpus().join(set)) {
        let name = file.rsplit('/').next().unwrap_or(&file);
        if !file.ends_with(".yaml") || name == "kustomization.yaml" {
            continue;
        }
        let mut codes = as_manifests(&corpus().join(set).join(&file), &crd_files);
        codes.sort();
        codes.dedup();
        if !codes.is_empty() {
            out.insert(file, codes);
        }
    }
    out
}

fn expect(got: BTreeMap<String, Vec<String>>, want: &[(&str, &[&str])]) {
    let want: BTreeMap<String, Vec<String>> = want
        .iter()
        .map(|(f, c)| (f.to_string(), c.iter().map(|c| c.to_string()).collect()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn kube_prometheus_files_as_manifests() {
    let crds = [
        "manifests/setup/0prometheusruleCustomResourceDefinition.yaml",
        "manifests/setup/0servicemonitorCustomResourceDefinition.yaml",
        "manifests/setup/0podmonitorCustomResourceDefinition.yaml",
        "manifests/setup/0probeCustomResourceDefinition.yaml",
    ];
    expect(
        refusals("kube-prometheus", &crds),
        &[
            // Secrets with values: never in git (E0708).
            ("manifests/alertmanager-secret.yaml", &["E0708"]),
            ("manifests/grafana-config.yaml", &["E0708"]),
            ("manifests/grafana-dashboardDatasources.yaml", &["E0708"]),
            // Pods the `restricted` level refuses (no seccomp profile; the node exporter's
            // host network, PID namespace, hostPath volumes, host port and SYS_TIME).
            ("manifests/blackboxExporter-deployment.yaml", &["E0712"]),
            ("manifests/nodeExporter-daemonset.yaml", &["E0712"]),
            // A RoleList (and RoleBindingList) whose items are in three namespaces: a
            // namespace's manifests hold its own objects (import puts each item in its own).
            (
                "manifests/prometheus-roleBindingSpecificNamespaces.yaml",
                &["E0703"],
            ),
            (
                "manifests/prometheus-roleSpecificNamespaces.yaml",
                &["E0703"],
            ),
        ],
    );
}

#[test]
fn strimzi_files_as_manifests() {
    let crds: Vec<String> = common::read_tree(&corpus().join("strimzi"))
        .into_keys()
        .filter(|f| f.contains("-Crd-"))
        .collect();
    let crds: Vec<&str> = crds.iter().map(String::as_str).collect();
    expect(refusals("strimzi", &crds), &[]);
}

#[test]
fn external_secrets_snippets_as_manifests() {
    expect(
        refusals("external-secrets", &[]),
        &[
            // The documentation elides parts with `...`: not YAML (E0701).
            (
                "snippets/1password-connect-server-deployment.yaml",
                &["E0701"],
            ),
            // Secrets with values: never in git (E0708).
            ("snippets/fake-provider-secret.yaml", &["E0708"]),
            ("snippets/gcpsm-sa-credentials-secret.yaml", &["E0708"]),
        ],
    );
}

#[test]
fn microservices_demo_files_as_manifests() {
    // Every service runs as non-root with all capabilities dropped and a read-only root file
    // system, but sets no seccomp profile, which `restricted` requires (E0712): the
    // namespace needs `pod_security = "baseline"`, or the pods `seccompProfile:
    // {type: RuntimeDefault}`. Nothing else is refused.
    let services = [
        "adservice",
        "cartservice",
        "checkoutservice",
        "currencyservice",
        "emailservice",
        "frontend",
        "loadgenerator",
        "paymentservice",
        "productcatalogservice",
        "recommendationservice",
        "shippingservice",
    ];
    let files: Vec<String> = ["kubernetes-manifests", "kustomize/base"]
        .iter()
        .flat_map(|d| services.iter().map(move |s| format!("{d}/{s}.yaml")))
        .collect();
    let want: Vec<(&str, &[&str])> = files.iter().map(|f| (f.as_str(), &["E0712"][..])).collect();
    expect(refusals("microservices-demo", &[]), &want);
}

#[test]
fn kubernetes_website_examples_as_manifests() {
    expect(
        refusals("kubernetes-website", &[]),
        &[
            // `batch/v1beta1`, which Kubernetes 1.25 removed (E0704 names batch/v1).
            ("examples/application/job/cronjob.yaml", &["E0704"]),
            // Pods the `restricted` level refuses: examples that set no security context at
            // all (runs as root, privilege escalation, capabilities, no seccomp profile),
            // Cassandra's added IPC_LOCK, fluentd's hostPath volumes.
            (
                "examples/application/cassandra/cassandra-statefulset.yaml",
                &["E0712"],
            ),
            ("examples/application/deployment.yaml", &["E0712"]),
            ("examples/application/nginx-app.yaml", &["E0712"]),
            (
                "examples/application/wordpress/mysql-deployment.yaml",
                &["E0712"],
            ),
            ("examples/controllers/daemonset.yaml", &["E0712"]),
        ],
    );
}

#[test]
fn descheduler_files_as_manifests() {
    // The descheduler runs hardened (non-root, no privilege escalation, all capabilities
    // dropped, read-only root file system) but sets no seccomp profile, which `restricted`
    // requires (E0712).
    expect(
        refusals("descheduler", &[]),
        &[
            ("kubernetes/cronjob/cronjob.yaml", &["E0712"]),
            ("kubernetes/deployment/deployment.yaml", &["E0712"]),
            ("kubernetes/job/job.yaml", &["E0712"]),
        ],
    );
}
