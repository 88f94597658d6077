//! DolphinScheduler workflows proven with the real tools (docs/dolphinscheduler.md):
//!
//! - every workflow file platc writes is loaded by pydolphinscheduler's own YAML loader
//!   (`apache-dolphinscheduler` 4.1.0 from `.venv`, installed by `scripts/install-tools.sh`),
//!   the Java gateway's code lookup, submit and run stubbed as the SDK's own tests stub them
//!   (`tests/dolphinscheduler/sdk.py`), with the submit Job's environment; the test checks
//!   the task definitions and relations it would send and that no key we wrote was ignored;
//! - each task's script runs under `bash` with a stand-in `kubectl` (and `sleep`) on `PATH`
//!   that records its calls and makes the Job succeed, fail or hang past the deadline.
//!
//! Without the SDK (or bash) a test is skipped with a message, or fails when `CI` is set.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

mod common;

use common::compiled;
use platc::app::{Compiled, compile_file};
use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The object of `kind` named `name` in `folder`, parsed back from its file.
fn object(c: &Compiled, folder: &str, kind: &str, name: &str) -> Value {
    let path = format!("{folder}/{}-{name}.yaml", kind.to_ascii_lowercase());
    let bytes = c
        .tree
        .get(&path)
        .unwrap_or_else(|| panic!("no {path}; have {:?}", c.tree.keys()));
    serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

/// The workflow files of `folder`'s ConfigMap, by key.
fn workflows(c: &Compiled, folder: &str) -> BTreeMap<String, String> {
    let cm = object(c, folder, "ConfigMap", "dolphinscheduler-workflows");
    cm["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// What pydolphinscheduler reads from the workflow files of `folder`, run with the
/// environment of the submit Job there (its gateway address made local: nothing listens, so
/// the SDK's connection attempt at import fails at once instead of resolving a cluster name).
fn sdk_reads(python: &Path, c: &Compiled, folder: &str) -> (BTreeMap<String, Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, text) in workflows(c, folder) {
        let path = dir.path().join(&name);
        std::fs::write(&path, text).unwrap();
        files.push((name, path));
    }
    let job = object(c, folder, "Job", "dolphinscheduler-submit");
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/dolphinscheduler/sdk.py"))
        .args(files.iter().map(|(_, p)| p))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    for e in container["env"].as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        let value = match e["value"].as_str() {
            Some(v) => v.to_string(),
            // The token's secretKeyRef: what the kubelet would put there.
            None => format!(
                "token-from-{}/{}",
                e["valueFrom"]["secretKeyRef"]["name"].as_str().unwrap(),
                e["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap()
            ),
        };
        let value = match name {
            "PYDS_JAVA_GATEWAY_ADDRESS" => "127.0.0.1".to_string(),
            "HOME" | "PYDS_HOME" => dir.path().join("home").display().to_string(),
            _ => value,
        };
        cmd.env(name, value);
    }
    let out = cmd.output().expect("python runs");
    assert!(
        out.status.success(),
        "pydolphinscheduler could not load the workflows:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut read: serde_json::Map<String, Value> = serde_json::from_slice(&out.stdout).unwrap();
    let configuration = read.remove("configuration").unwrap();
    let by_key = files
        .iter()
        .map(|(name, path)| (name.clone(), read[&path.display().to_string()].clone()))
        .collect();
    (by_key, configuration)
}

/// The tasks the SDK read, without their scripts (checked separately), by name.
fn tasks(read: &Value) -> Vec<Value> {
    read["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.as_object_mut().unwrap().remove("raw_script");
            t
        })
        .collect()
}

fn task(name: &str, namespace: &str, pipeline: &str, worker_group: &str) -> Value {
    json!({
        "name": name,
        "task_type": "SHELL",
        "description": format!("A run of CronJob {namespace}/{pipeline}"),
        "worker_group": worker_group,
        "fail_retry_times": 0,
    })
}

#[test]
fn the_sdk_reads_the_seed_chain_as_one_workflow() {
    let Some(python) = common::venv_python("pydolphinscheduler, ruamel.yaml") else {
        return;
    };
    let c = compile_file(&root().join("tests/golden/dolphinscheduler/platform.toml"))
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let (read, configuration) = sdk_reads(&python, &c, "default/dolphinscheduler");
    assert_eq!(
        configuration,
        json!({
            "gateway_address": "127.0.0.1",
            "gateway_port": 25333,
            "gateway_token": "token-from-dolphinscheduler-gateway/token",
        })
    );
    let keys: Vec<&String> = read.keys().collect();
    assert_eq!(keys, ["production.commodity-prices.yaml"]);
    let wf = &read["production.commodity-prices.yaml"];
    assert_eq!(wf["ignored"], json!([]), "keys the SDK dropped");
    assert_eq!(
        wf["workflow"],
        json!({
            "name": "production.commodity-prices",
            "description": "Generated by platc; cron `0 2 * * *`. DO NOT EDIT.",
            "project": "commodities",
            "user": "userPythonGateway",
            "tenant": "etl",
            "worker_group": "default",
            "execution_type": "SERIAL_DISCARD",
            "release_state": 1,
            "online_schedule": true,
            "schedule": "0 0 2 * * ? *",
            "timezone": "Etc/UTC",
            "timeout": 0,
        })
    );
    assert_eq!(
        tasks(wf),
        [
            task(
                "commodity-prices",
                "production",
                "commodity-prices",
                "default"
            ),
            task(
                "commodity-prices-load",
                "production",
                "commodity-prices-load",
                "default"
            ),
        ]
    );
    assert_eq!(
        wf["relations"],
        json!([
            ["", "commodity-prices"],
            ["commodity-prices", "commodity-prices-load"]
        ])
    );
    // The script DolphinScheduler runs is the one platc wrote.
    for t in wf["tasks"].as_array().unwrap() {
        let script = t["raw_script"].as_str().unwrap();
        assert!(script.contains(&format!("cronjob='{}'", t["name"].as_str().unwrap())));
    }
}

/// A chain across two namespaces on two clusters, fanning out and in, with `allow`, a worker
/// group, no time zone (Etc/UTC, not the SDK's Asia/Shanghai) and a weekday schedule.
const CHAINS: &str = r#"
[platform]
name = "chains"

[clusters.east]
[clusters.west]

[dolphinscheduler]
project = "data"
tenant = "batch"
namespace = "scheduler"
worker_service_account = "worker"
gateway = { address = "ds-api", port = 25334, token_secret = "gateway", token_key = "auth" }
submit_image = "registry.example.com/pyds:4.1.0"
worker_group = "k8s"

[namespaces.scheduler]
clusters = ["east", "west"]
[namespaces.scheduler.secrets.gateway]
store = "vault"
data = { auth = "ds/gateway#token" }

[secret_stores.vault]

[namespaces.ingest]
clusters = ["east", "west"]
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
[namespaces.ingest.pipelines.enrich]
scheduler = "dolphinscheduler"
after = ["extract"]
image = "registry.example.com/etl:1"
steps = [{ name = "run" }]

[namespaces.reports]
cluster = "east"
[namespaces.reports.pipelines.publish]
scheduler = "dolphinscheduler"
after = ["ingest/enrich", "ingest/clean"]
image = "registry.example.com/etl:1"
steps = [{ name = "run" }]
[namespaces.reports.pipelines.nightly]
schedule = "0 3 * * *"
image = "registry.example.com/etl:1"
steps = [{ name = "run" }]
"#;

#[test]
fn the_sdk_reads_chains_across_namespaces_and_clusters() {
    let Some(python) = common::venv_python("pydolphinscheduler, ruamel.yaml") else {
        return;
    };
    let c = compiled(CHAINS);
    for (cluster, with_publish) in [("east", true), ("west", false)] {
        let (read, configuration) = sdk_reads(&python, &c, &format!("{cluster}/scheduler"));
        assert_eq!(configuration["gateway_port"], 25334);
        assert_eq!(configuration["gateway_token"], "token-from-gateway/auth");
        let keys: Vec<&String> = read.keys().collect();
        assert_eq!(keys, ["ingest.extract.yaml"], "{cluster}");
        let wf = &read["ingest.extract.yaml"];
        assert_eq!(wf["ignored"], json!([]));
        assert_eq!(wf["workflow"]["tenant"], "batch");
        assert_eq!(wf["workflow"]["project"], "data");
        assert_eq!(wf["workflow"]["worker_group"], "k8s");
        assert_eq!(wf["workflow"]["execution_type"], "PARALLEL");
        assert_eq!(wf["workflow"]["schedule"], "0 15 6 ? * 2-6 *");
        assert_eq!(wf["workflow"]["timezone"], "Etc/UTC");
        let mut want = vec![
            task("clean", "ingest", "clean", "k8s"),
            task("enrich", "ingest", "enrich", "k8s"),
            task("extract", "ingest", "extract", "k8s"),
        ];
        let mut relations = vec![
            json!(["", "extract"]),
            json!(["extract", "clean"]),
            json!(["extract", "enrich"]),
        ];
        if with_publish {
            want.push(task("reports.publish", "reports", "publish", "k8s"));
            relations.push(json!(["clean", "reports.publish"]));
            relations.push(json!(["enrich", "reports.publish"]));
        }
        relations.sort_by_key(|r| r.to_string());
        assert_eq!(tasks(wf), want, "{cluster}");
        assert_eq!(wf["relations"], json!(relations), "{cluster}");
    }
    // The workers may run Jobs in both namespaces, of exactly these CronJobs.
    let role = object(&c, "east/reports", "Role", "dolphinscheduler-runs");
    assert_eq!(role["rules"][0]["resourceNames"], json!(["publish"]));
    let binding = object(&c, "east/ingest", "RoleBinding", "dolphinscheduler-runs");
    assert_eq!(
        binding["subjects"],
        json!([{ "kind": "ServiceAccount", "name": "worker", "namespace": "scheduler" }])
    );
    assert!(
        !c.tree
            .contains_key("east/scheduler/role-dolphinscheduler-runs.yaml")
    );
    // A pipeline its CronJob schedules gets no Role and stays as it was.
    let nightly = object(&c, "east/reports", "CronJob", "nightly");
    assert_eq!(nightly["spec"].get("suspend"), None);
    let publish = object(&c, "east/reports", "CronJob", "publish");
    assert_eq!(publish["spec"]["suspend"], true);
    assert_eq!(publish["spec"]["schedule"], "15 6 * * MON-FRI");
}

/// How the stand-in `kubectl` lets the Job end.
#[derive(Clone, Copy, Debug)]
enum Ending {
    Succeed,
    Fail,
    Hang,
}

/// Runs `script` under bash with a stand-in `kubectl` and `sleep` on `PATH`: `kubectl` logs
/// its arguments, reports the Job running for two looks and then `ending`; `sleep` returns at
/// once and logs how long it was asked to sleep. Returns the exit code and the log.
#[allow(clippy::print_stderr)]
fn run_script(script: &str, ending: Ending) -> Option<(i32, Vec<String>, String)> {
    if Command::new("bash").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "bash not found");
        eprintln!("skipped: bash not found");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("calls");
    let looks = dir.path().join("looks");
    let condition = match ending {
        Ending::Succeed => "Complete ",
        Ending::Fail => "Failed ",
        Ending::Hang => "",
    };
    let kubectl = format!(
        r#"#!/bin/bash
echo "kubectl $*" >> '{log}'
case " $* " in
  *" create job "*) echo "job.batch/$4 created" ;;
  *" get job "*)
    n=$(( $(cat '{looks}' 2>/dev/null || echo 0) + 1 )); echo "$n" > '{looks}'
    if [ "$n" -gt 2 ]; then printf '%s' '{condition}'; fi ;;
  *" logs "*) echo "[pod/$5/run] hello from the job" ;;
  *) echo "unexpected kubectl call" >&2; exit 3 ;;
esac
"#,
        log = log.display(),
        looks = looks.display(),
    );
    let sleep = format!("#!/bin/sh\necho \"sleep $*\" >> '{}'\n", log.display());
    for (name, text) in [("kubectl", kubectl), ("sleep", sleep)] {
        let path = bin.join(name);
        std::fs::write(&path, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("PATH", path)
        .output()
        .unwrap();
    let calls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    Some((
        out.status.code().unwrap_or(-1),
        calls,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// The script of task `name` in workflow `file` of `folder`.
fn script(c: &Compiled, folder: &str, file: &str, name: &str) -> String {
    let text = &workflows(c, folder)[file];
    let wf: Value = serde_saphyr::from_str(text).unwrap();
    wf["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["command"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_task_script_runs_the_job_and_exits_with_its_end() {
    let c = compiled(CHAINS);
    // `extract` has `deadline = "5m"`: the task gives up a minute after it.
    let script = script(&c, "east/scheduler", "ingest.extract.yaml", "extract");
    for (ending, code) in [(Ending::Succeed, 0), (Ending::Fail, 1), (Ending::Hang, 1)] {
        let Some((got, calls, stdout)) = run_script(&script, ending) else {
            return;
        };
        assert_eq!(got, code, "{ending:?}: {calls:#?}\n{stdout}");
        let create = &calls[0];
        let run = create
            .strip_prefix("kubectl -n ingest create job ")
            .and_then(|r| r.strip_suffix(" --from=cronjob/extract"))
            .unwrap_or_else(|| panic!("first call: {create}"));
        let digits = run.strip_prefix("extract-").unwrap();
        assert!(
            digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()),
            "run name {run}: the CronJob controller's NAME-<digits>, unique to the run"
        );
        let get = format!(
            "kubectl -n ingest get job {run} -o jsonpath={{range .status.conditions[?(@.status==\"True\")]}}{{.type}} {{end}}"
        );
        let logs = format!(
            "kubectl -n ingest logs -l job-name={run} --all-containers=true --prefix=true \
             --tail=-1 --ignore-errors=true"
        );
        let looks = calls.iter().filter(|c| **c == get).count();
        let sleeps: Vec<&String> = calls.iter().filter(|c| c.starts_with("sleep")).collect();
        match ending {
            Ending::Succeed | Ending::Fail => {
                assert_eq!(looks, 3, "{calls:#?}");
                assert_eq!(sleeps, ["sleep 10", "sleep 10"]);
            }
            Ending::Hang => {
                // 5 minutes and the minute of grace, in looks 10 seconds apart.
                assert_eq!(sleeps.len(), 36, "{calls:#?}");
                assert_eq!(looks, 37);
                assert!(stdout.contains("still running after the pipeline's deadline"));
            }
        }
        assert_eq!(calls.last(), Some(&logs), "the logs are printed last");
        assert!(stdout.contains("hello from the job"), "{stdout}");
        assert_eq!(
            calls.len(),
            1 + looks + sleeps.len() + 1,
            "nothing else: {calls:#?}"
        );
    }
}

#[test]
fn a_follower_without_deadline_waits_until_the_job_ends() {
    let c = compiled(CHAINS);
    let script = script(
        &c,
        "east/scheduler",
        "ingest.extract.yaml",
        "reports.publish",
    );
    assert!(script.contains("cronjob='publish'") && script.contains("namespace='reports'"));
    let Some((code, calls, _)) = run_script(&script, Ending::Succeed) else {
        return;
    };
    assert_eq!(code, 0, "{calls:#?}");
    assert!(calls[0].starts_with("kubectl -n reports create job publish-"));
}

/// The submit Job's pod passes Pod Security `restricted`, as every pod platc writes, reads its
/// token from the Secret the config declares, and runs as an Argo CD PostSync hook recreated at
/// each sync.
#[test]
fn the_submit_job_is_a_restricted_post_sync_hook() {
    use k8s_openapi::api::batch::v1::Job;
    let c = compile_file(&root().join("tests/golden/dolphinscheduler/platform.toml"))
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let value = object(
        &c,
        "default/dolphinscheduler",
        "Job",
        "dolphinscheduler-submit",
    );
    let job: Job = serde_json::from_value(value.clone()).unwrap();
    let pod = job.spec.unwrap().template.spec.unwrap();
    let violations = platc::model::pod_security::check(platc::model::PodSecurity::Restricted, &pod);
    assert!(violations.is_empty(), "{violations:?}");
    assert_eq!(pod.automount_service_account_token, Some(false));
    let annotations = &value["metadata"]["annotations"];
    assert_eq!(annotations["argocd.argoproj.io/hook"], "PostSync");
    assert_eq!(
        annotations["argocd.argoproj.io/hook-delete-policy"],
        "BeforeHookCreation"
    );
    let token = &value["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "PYDS_JAVA_GATEWAY_AUTH_TOKEN")
        .unwrap()["valueFrom"]["secretKeyRef"];
    assert_eq!(
        token,
        &json!({ "name": "dolphinscheduler-gateway", "key": "token" })
    );
    // The ExternalSecret that makes it lands beside the Job.
    assert!(
        c.tree
            .contains_key("default/dolphinscheduler/externalsecret-dolphinscheduler-gateway.yaml")
    );
}

/// A chain is per cluster: an override that removes a follower on one cluster takes its task
/// out of that cluster's workflow only, and its CronJob out of that cluster's tree.
#[test]
fn a_follower_removed_on_one_cluster_leaves_that_clusters_workflow_only() {
    let text = format!("{CHAINS}\n[namespaces.ingest.on.west]\npipelines = {{ enrich = false }}\n");
    let c = compiled(&text);
    let east = workflows(&c, "east/scheduler");
    let west = workflows(&c, "west/scheduler");
    let east = &east["ingest.extract.yaml"];
    let west = &west["ingest.extract.yaml"];
    assert!(east.contains("name: enrich"), "{east}");
    assert!(!west.contains("enrich"), "{west}");
    assert!(west.contains("name: clean"), "{west}");
    assert!(c.tree.contains_key("east/ingest/cronjob-enrich.yaml"));
    assert!(!c.tree.contains_key("west/ingest/cronjob-enrich.yaml"));
    // Without the override both clusters have the same workflow.
    let both = compiled(CHAINS);
    let (e, w) = (
        workflows(&both, "east/scheduler"),
        workflows(&both, "west/scheduler"),
    );
    assert!(w["ingest.extract.yaml"].contains("name: enrich"));
    assert_eq!(
        e["ingest.extract.yaml"].contains("reports.publish"),
        !w["ingest.extract.yaml"].contains("reports.publish")
    );
}
