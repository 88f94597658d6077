//! Environments through the binary: one platform.toml for staging and prod (per-cluster vars,
//! revision, images, services, `on.CLUSTER` overrides), `platc show --cluster`, `platc
//! compare`, moved objects in `platc diff`, promotion by revision in `diff --base`, the `-o`
//! against `[argocd] path` warning, the unused-image warning, and `platc import --cluster` of
//! two Kustomize overlays of one base (real `kubectl kustomize` output).

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn platc(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("platc")
        .unwrap()
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .args(["--color", "never"])
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// SPEC §7's example, whole: staging and prod from one config.
const PLATFORM: &str = r#"[platform]
name = "commodities"

[argocd]
repo_url = "https://git.example.com/platform/gitops.git"
revision = "main"

[vars]
severity = "critical"

[clusters.staging]
server = "https://staging.example.com"
revision = "staging"
vars = { severity = "warning" }
images = { "registry.example.com/data/commodity-etl" = "1.5.0-rc1" }

[clusters.staging.services.kafka]
selector = { "strimzi.io/cluster" = "events-staging" }
strimzi_cluster = "events-staging"

[clusters.prod]
server = "https://prod.example.com"

[services.kafka]
namespace = "kafka"
selector = { "strimzi.io/cluster" = "events" }
ports = [9092]
strimzi_cluster = "events"

[namespaces.production]
clusters = ["staging", "prod"]
labels = { stage = "{{ cluster }}" }

[namespaces.production.quota]
requests = { cpu = "200", memory = "400Gi" }
limits = { cpu = "300", memory = "600Gi" }
pods = 200

[namespaces.production.network_policies.production-egress]
egress = [{ to = "service:kafka" }]

[namespaces.production.pipelines.commodity-prices]
schedule = "0 2 * * *"
starting_deadline = "1h"
image = "registry.example.com/data/commodity-etl:1.4.2"
resources = { requests = { cpu = "500m", memory = "512Mi" }, limits = { cpu = "1", memory = "1Gi" } }
steps = [{ name = "extract" }]
topic = { service = "kafka", partitions = 6, replicas = 3 }
alerts = { on_failure = "{{ vars.severity }}" }

[namespaces.production.pipelines.commodity-prices-load]
schedule = "30 2 * * *"
starting_deadline = "1h"
image = "registry.example.com/data/commodity-etl:1.4.2"
resources = { requests = { cpu = "1", memory = "2Gi" }, limits = { cpu = "2", memory = "4Gi" } }
steps = [{ name = "load" }]

[namespaces.production.on.staging]
quota = { requests = { cpu = "20", memory = "40Gi" }, limits = { cpu = "30", memory = "60Gi" }, pods = 20 }
pipelines = { commodity-prices-load = false }

[[namespaces.production.on.staging.patches]]
target = "cronjob/commodity-prices"
patch = [{ op = "add", path = "/spec/suspend", value = true }]
"#;

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("platform.toml"), config).unwrap();
    dir
}

/// Staging's CronJob runs the release candidate of the image, prod's the tag written.
fn release_candidate_on_staging(cron: &dyn Fn(&str) -> Value) {
    let image = |c: &str| {
        cron(c)["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"].clone()
    };
    assert_eq!(
        image("staging"),
        "registry.example.com/data/commodity-etl:1.5.0-rc1"
    );
    assert_eq!(
        image("prod"),
        "registry.example.com/data/commodity-etl:1.4.2"
    );
}

fn yaml(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap()
}

#[test]
fn each_cluster_gets_the_namespace_with_its_own_overrides() {
    let dir = project(PLATFORM);
    let o = platc(dir.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = dir.path().join("out");
    let quota = |c: &str| {
        yaml(&out.join(format!(
            "{c}/production/resourcequota-production-quota.yaml"
        )))
    };
    assert_eq!(quota("staging")["spec"]["hard"]["pods"], "20");
    // Tables merge key by key: what staging does not set is production's.
    assert_eq!(quota("staging")["spec"]["hard"]["requests.cpu"], "20");
    assert_eq!(quota("prod")["spec"]["hard"]["pods"], "200");
    // `false` removes the pipeline on staging only.
    assert!(
        !out.join("staging/production/cronjob-commodity-prices-load.yaml")
            .exists()
    );
    assert!(
        out.join("prod/production/cronjob-commodity-prices-load.yaml")
            .exists()
    );
    // The override's patch applies there only.
    let cron = |c: &str| yaml(&out.join(format!("{c}/production/cronjob-commodity-prices.yaml")));
    assert_eq!(cron("staging")["spec"]["suspend"], true);
    assert_eq!(cron("prod")["spec"].get("suspend"), None);
    // `images`: the release candidate on staging.
    release_candidate_on_staging(&|c| cron(c));
    // Cluster vars over [vars]; `{{ cluster }}` for every copy.
    let rule = |c: &str| {
        yaml(&out.join(format!(
            "{c}/production/prometheusrule-commodity-prices-alerts.yaml"
        )))
    };
    let severity = |c: &str| rule(c)["spec"]["groups"][0]["rules"][0]["labels"]["severity"].clone();
    assert_eq!(severity("staging"), "warning");
    assert_eq!(severity("prod"), "critical");
    let ns = |c: &str| yaml(&out.join(format!("{c}/production/namespace-production.yaml")));
    assert_eq!(ns("staging")["metadata"]["labels"]["stage"], "staging");
    assert_eq!(ns("prod")["metadata"]["labels"]["stage"], "prod");
    // The cluster's services: staging's Kafka elsewhere, for the policy and the topic.
    let policy = |c: &str| {
        yaml(&out.join(format!(
            "{c}/production/networkpolicy-production-egress.yaml"
        )))
    };
    let selector = |c: &str| {
        policy(c)["spec"]["egress"][0]["to"][0]["podSelector"]["matchLabels"]["strimzi.io/cluster"]
            .clone()
    };
    assert_eq!(selector("staging"), "events-staging");
    assert_eq!(selector("prod"), "events");
    let topic = yaml(&out.join("staging/kafka/kafkatopic-commodity-prices.yaml"));
    assert_eq!(
        topic["metadata"]["labels"]["strimzi.io/cluster"],
        "events-staging"
    );
    // `revision`: the targetRevision of the cluster's Applications.
    let app = |name: &str| yaml(&out.join(format!("argocd/application-{name}.yaml")));
    assert_eq!(
        app("staging-production")["spec"]["source"]["targetRevision"],
        "staging"
    );
    assert_eq!(
        app("staging-kafka")["spec"]["source"]["targetRevision"],
        "staging"
    );
    assert_eq!(
        app("prod-production")["spec"]["source"]["targetRevision"],
        "main"
    );
}

#[test]
fn show_prints_a_clusters_copy_with_where_each_value_comes_from() {
    let dir = project(PLATFORM);
    let o = platc(dir.path(), &["show", "production", "--cluster", "staging"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("# Effective configuration of namespace `production` on cluster `staging`"),
        "{out}"
    );
    assert!(
        out.contains("pods = 20  # platform.toml:59:104 (`on.staging`)"),
        "{out}"
    );
    assert!(out.contains("(`on.staging`)"), "{out}");
    assert!(out.contains("stage = \"staging\""), "{out}");
    assert!(out.contains("on_failure = \"warning\"  # platform.toml:49:25 (`vars.severity` set at platform.toml:14:21)"), "{out}");
    assert!(
        !out.contains("commodity-prices-load"),
        "removed on staging: {out}"
    );
    // Without --cluster: each copy in turn.
    let o = platc(dir.path(), &["show", "production"]);
    assert_eq!(stdout(&o).matches("# Effective configuration").count(), 2);
    // A cluster it is not on: exit 2, with the one meant.
    let o = platc(dir.path(), &["show", "production", "--cluster", "prd"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(
            "is not stamped on cluster `prd`: it is on `prod`, `staging`; did you mean `prod`?"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn compare_shows_what_one_cluster_has_and_the_other_not_yet() {
    let dir = project(PLATFORM);
    let o = platc(
        dir.path(),
        &["compare", "prod", "staging", "--format", "stat"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    // The cluster is left out of every path.
    assert!(
        out.contains(" production/cronjob-commodity-prices-load.yaml"),
        "{out}"
    );
    assert!(
        !out.contains("staging/production") && !out.contains("prod/production"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("platc: from cluster `prod` to `staging`: 7 objects (0 added, 6 changed, 1 removed) and 1 kustomization.yaml; `prod` syncs revision `main`, `staging` syncs `staging`"),
        "{}",
        stderr(&o)
    );
    let o = platc(dir.path(), &["compare", "prod", "staging"]);
    assert!(stdout(&o).contains("--- a/prod/production/resourcequota-production-quota.yaml\n+++ b/staging/production/resourcequota-production-quota.yaml\n"), "{}", stdout(&o));
    let o = platc(
        dir.path(),
        &[
            "compare",
            "prod",
            "staging",
            "--format",
            "json",
            "--namespace",
            "kafka",
        ],
    );
    assert_eq!(code(&o), 1);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["from"], "prod");
    assert_eq!(v["to"], "staging");
    assert_eq!(v["summary"]["changed"], 1);
    assert_eq!(
        v["changes"][0]["path"],
        "kafka/kafkatopic-commodity-prices.yaml"
    );
    assert_eq!(v["changes"][0]["fields"][0]["new"], "events-staging");
    let o = platc(
        dir.path(),
        &["compare", "prod", "staging", "--format", "markdown"],
    );
    assert!(
        stdout(&o).contains("### platc: 0 added, 6 changed, 1 removed"),
        "{}",
        stdout(&o)
    );
    // Paths leave the cluster out: the table has no cluster column.
    assert!(
        stdout(&o).contains("| change | namespace | kind | name |\n|---|---|---|---|\n"),
        "{}",
        stdout(&o)
    );
    // The same cluster twice: nothing differs.
    let o = platc(dir.path(), &["compare", "prod", "prod"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("clusters `prod` and `prod` get the same objects"));
    // Errors: exit 2, with the name meant.
    let o = platc(dir.path(), &["compare", "prod", "stagin"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no cluster `stagin` in platform.toml; did you mean `staging`?"),
        "{}",
        stderr(&o)
    );
    let o = platc(
        dir.path(),
        &["compare", "prod", "staging", "--namespace", "prodution"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `production`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_renamed_cluster_moves_its_objects() {
    // Objects that do not name their cluster (no `{{ cluster }}`), built and committed.
    let before = PLATFORM.replace(
        "labels = { stage = \"{{ cluster }}\" }",
        "labels = { stage = \"x\" }",
    );
    let dir = project(&before);
    assert_eq!(code(&platc(dir.path(), &["build"])), 0);
    common::git(dir.path(), &["init", "-q", "-b", "main"]);
    common::git(dir.path(), &["add", "-A"]);
    common::git(dir.path(), &["commit", "-q", "-m", "staging"]);
    let renamed = before
        .replace("staging", "stg")
        .replace("stg.example.com", "staging.example.com");
    fs::write(dir.path().join("platform.toml"), &renamed).unwrap();
    for format in ["unified", "stat", "markdown", "json"] {
        let o = platc(dir.path(), &["diff", "--format", format]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        let err = stderr(&o);
        // The topic and the egress policy name staging's Kafka (`events-staging`, now
        // `events-stg`), the Applications their cluster: the rest moved.
        assert!(
            err.contains("(4 added, 0 changed, 4 removed, 6 moved)"),
            "{format}: {err}"
        );
        let out = stdout(&o);
        match format {
            "unified" => assert!(out.contains("rename from out/staging/production/namespace-production.yaml\nrename to out/stg/production/namespace-production.yaml\n"), "{out}"),
            "stat" => assert!(out.contains("out/staging/production/namespace-production.yaml => out/stg/production/namespace-production.yaml"), "{out}"),
            "markdown" => assert!(out.contains("| moved | `staging → stg` | `production` | `Namespace` | `production` |"), "{out}"),
            _ => {
                let v: Value = serde_json::from_str(&out).unwrap();
                let moved = v["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["path"] == "out/stg/production/namespace-production.yaml")
                    .unwrap();
                assert_eq!(moved["status"], "moved");
                assert_eq!(moved["from"], "out/staging/production/namespace-production.yaml");
                assert_eq!(v["summary"]["moved"], 6, "{out}");
            }
        }
    }
    // --base compares the config at a revision, compiled: the same count.
    let o = platc(dir.path(), &["diff", "--base", "HEAD", "--format", "stat"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains(", 6 moved)"), "{}", stderr(&o));
}

/// A repository where staging follows the `staging` branch and prod a tag: what a change does
/// there waits for promotion, and moving prod's tag is reviewed as what prod will run.
#[test]
fn promotion_is_reviewed_by_what_the_cluster_will_run() {
    let dir = project(&PLATFORM.replace(
        "server = \"https://prod.example.com\"",
        "server = \"https://prod.example.com\"\nrevision = \"v1\"",
    ));
    let git = |args: &[&str]| common::git(dir.path(), args);
    let build = || assert_eq!(code(&platc(dir.path(), &["build"])), 0);
    build();
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "v1"]);
    git(&["tag", "v1"]);
    git(&["branch", "staging"]);
    let config = dir.path().join("platform.toml");
    let v1 = fs::read_to_string(&config).unwrap();
    fs::write(&config, v1.replace("pods = 200", "pods = 250")).unwrap();
    build();
    git(&["commit", "-q", "-am", "more pods"]);
    git(&["tag", "v2"]);
    // A change to main: prod syncs `v1` and staging `staging`, neither `main`.
    fs::write(
        &config,
        fs::read_to_string(&config)
            .unwrap()
            .replace("pods = 250", "pods = 300"),
    )
    .unwrap();
    build();
    let o = platc(dir.path(), &["diff", "--base", "main", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["branch"], "main");
    assert_eq!(
        v["waiting"],
        serde_json::json!({"prod": "v1", "staging": "staging"})
    );
    assert_eq!(v["changes"][0]["waiting_for_promotion"], true);
    assert!(
        stderr(&o)
            .contains("platc: 1 of them on `prod`, `staging` waits for promotion (not on `main`)"),
        "{}",
        stderr(&o)
    );
    let o = platc(dir.path(), &["diff", "--base", "main"]);
    assert!(
        stdout(&o).starts_with("# cluster `prod` syncs `v1`: these changes wait for promotion\n"),
        "{}",
        stdout(&o)
    );
    let o = platc(
        dir.path(),
        &["diff", "--base", "main", "--format", "markdown"],
    );
    assert!(stdout(&o).contains("| changed, waits for promotion | `prod` | `production` | `ResourceQuota` | `production-quota` |"), "{}", stdout(&o));
    // The note's names and revisions are code spans, the sentence plain text.
    assert!(
        stdout(&o).contains("> **Note:** cluster `prod` syncs `v1`, cluster `staging` syncs `staging`, not `main`: their changes wait for promotion (a change of their `revision`) instead of deploying when this merges."),
        "{}",
        stdout(&o)
    );
    // The promotion: prod from v1 to v2, reviewed as out/prod at v1 against out/prod at v2.
    git(&["checkout", "-q", "--", "."]);
    fs::write(
        &config,
        fs::read_to_string(&config)
            .unwrap()
            .replace("revision = \"v1\"", "revision = \"v2\""),
    )
    .unwrap();
    build();
    for format in ["unified", "stat", "markdown", "json"] {
        let o = platc(dir.path(), &["diff", "--base", "main", "--format", format]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("platc: cluster `prod`: revision `v1` → `v2`: what it runs changes by 1 object (0 added, 1 changed, 0 removed)"),
            "{format}: {}",
            stderr(&o)
        );
        let out = stdout(&o);
        match format {
            "unified" => assert!(out.contains("# cluster `prod`: revision `v1` → `v2`: what it runs changes by 1 object (0 added, 1 changed, 0 removed)\n--- a/out/prod/production/resourcequota-production-quota.yaml\n"), "{out}"),
            "stat" => assert!(out.contains("# cluster `prod`: revision `v1` → `v2`"), "{out}"),
            "markdown" => assert!(out.contains("### Cluster `prod`: revision `v1` → `v2`"), "{out}"),
            _ => {
                let v: Value = serde_json::from_str(&out).unwrap();
                let p = &v["promotions"][0];
                assert_eq!((p["cluster"].as_str(), p["from"].as_str(), p["to"].as_str()), (Some("prod"), Some("v1"), Some("v2")));
                assert_eq!(p["changes"][0]["fields"][0], serde_json::json!({"path": "spec.hard.pods", "old": "200", "new": "250"}));
            }
        }
    }
}

#[test]
fn out_elsewhere_than_argocd_path_is_a_warning() {
    let dir = project(PLATFORM);
    let o = platc(dir.path(), &["build", "-o", "out/staging"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("warning[W0901]: `-o out/staging` is `out/staging` in the config's folder, but `[argocd] path` says the tree is at `out`"), "{err}");
    assert!(err.contains(" --> platform.toml:4:1"), "{err}");
    // Denied, nothing is written.
    let o = platc(dir.path(), &["build", "-o", "elsewhere", "--deny-warnings"]);
    assert_eq!(code(&o), 2);
    assert!(!dir.path().join("elsewhere").exists());
    // Where `path` says: no warning.
    let o = platc(dir.path(), &["build"]);
    assert!(!stderr(&o).contains("W0901"), "{}", stderr(&o));
    // In a git repository, the path is the one in the repository.
    let repo = tempfile::tempdir().unwrap();
    fs::create_dir(repo.path().join("platform")).unwrap();
    fs::write(
        repo.path().join("platform/platform.toml"),
        PLATFORM.replace(
            "revision = \"main\"",
            "revision = \"main\"\npath = \"platform/out\"",
        ),
    )
    .unwrap();
    common::git(repo.path(), &["init", "-q"]);
    let o = platc(
        repo.path(),
        &[
            "build",
            "-c",
            "platform/platform.toml",
            "-o",
            "platform/out",
        ],
    );
    assert!(!stderr(&o).contains("W0901"), "{}", stderr(&o));
    let o = platc(
        repo.path(),
        &["build", "-c", "platform/platform.toml", "-o", "out"],
    );
    assert!(stderr(&o).contains("`-o out` is `out` in the repository, but `[argocd] path` says the tree is at `platform/out`"), "{}", stderr(&o));
}

#[test]
fn an_image_no_container_uses_is_a_warning() {
    let dir = project(&PLATFORM.replace(
        "images = { \"registry.example.com/data/commodity-etl\" = \"1.5.0-rc1\" }",
        "images = { \"registry.example.com/data/comodity-etl\" = \"1.5.0-rc1\" }",
    ));
    let o = platc(dir.path(), &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("warning[W0900]: no container on cluster `staging` uses `registry.example.com/data/comodity-etl`"), "{err}");
    assert!(
        err.contains("help: did you mean `registry.example.com/data/commodity-etl`?"),
        "{err}"
    );
}

/// Whether a real `kubectl` is here (tests that need it skip without, or fail under CI).
#[allow(clippy::print_stdout)] // a test says why it skipped
fn kubectl() -> bool {
    let found = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "kubectl is needed under CI"
    );
    if !found {
        println!("skipped: no kubectl");
    }
    found
}

#[test]
fn two_kustomize_overlays_of_one_base_import_as_one_platform() {
    if !kubectl() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/import/kustomize-overlays");
    let dir = tempfile::tempdir().unwrap();
    for env in ["prod", "staging"] {
        let o = std::process::Command::new("kubectl")
            .args(["kustomize"])
            .arg(root.join(env))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        fs::write(dir.path().join(format!("{env}.yaml")), &o.stdout).unwrap();
    }
    let o = platc(
        dir.path(),
        &[
            "import",
            "--cluster",
            "prod=prod.yaml",
            "--cluster",
            "staging=staging.yaml",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let config = fs::read_to_string(dir.path().join("platform.toml")).unwrap();
    // Each namespace once, on both clusters; what differs on staging as its overrides.
    assert_eq!(config.matches("[namespaces.tenant]").count(), 1, "{config}");
    assert!(
        config.contains("clusters = [\"prod\", \"staging\"]"),
        "{config}"
    );
    // The release candidate, the one tag of that image on staging, is staging's `images`.
    let staging = &config[config.find("[clusters.staging]").unwrap()..];
    let staging = &staging[..staging.find("\n\n").unwrap_or(staging.len())];
    assert!(
        staging
            .contains("images = { \"registry.example.com/data/commodity-etl\" = \"1.5.0-rc1\" }"),
        "{config}"
    );
    assert!(
        config.contains("[namespaces.tenant.on.staging]\n"),
        "{config}"
    );
    assert!(
        config.contains("role_bindings = { production-etl-binding = false }"),
        "{config}"
    );
    assert!(
        config.contains(
            "[namespaces.tenant.on.staging.quota]\nrequests = { cpu = \"20\" }\npods = 20\n"
        ),
        "{config}"
    );
    // The import proved it by building it back; the build gives each overlay's objects.
    let o = platc(dir.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = dir.path().join("out");
    let cron = |c: &str| yaml(&out.join(format!("{c}/tenant/cronjob-commodity-prices.yaml")));
    release_candidate_on_staging(&|c| cron(c));
    assert!(
        !out.join("staging/tenant/rolebinding-production-etl-binding.yaml")
            .exists()
    );
    assert!(
        out.join("prod/tenant/rolebinding-production-etl-binding.yaml")
            .exists()
    );
    // `platc compare` says what staging has that prod has not.
    let o = platc(
        dir.path(),
        &["compare", "prod", "staging", "--format", "stat"],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("tenant/rolebinding-production-etl-binding.yaml"),
        "{}",
        stdout(&o)
    );
    // Bad arguments: exit 2, nothing written.
    let empty = tempfile::tempdir().unwrap();
    let o = platc(empty.path(), &["import", "--cluster", "staging"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("write NAME=PATH"), "{}", stderr(&o));
    let o = platc(empty.path(), &["import", "--cluster", "Staging=x.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(fs::read_dir(empty.path()).unwrap().next().is_none());
}
