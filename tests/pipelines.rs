//! Pipelines' silent traps (issue 18), in-process: settings that compiled into manifests
//! Kubernetes reads differently from what the config says. Each test names the trap; each
//! failed on the code before its fix.
//!
//! - `env` was written sorted by name, so `$(HOST)` in `BASE_URL` was never expanded;
//! - every pod mounted an API token, also as `default` and with no role bound;
//! - `/work` and `/tmp` had no size limit, so one run could fill a node's disk;
//! - E0603 for an ephemeral-storage quota suggested cpu and memory.
//!
//! And the generated pods of every pipeline setting still pass Pod Security `restricted`.

use std::fs;
use std::path::Path;

use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::PodSpec;
use platc::app::{Compiled, compile_file, compile_text};
use platc::diag::SourceMap;
use platc::model::PodSecurity;
use platc::model::pod_security;

fn compile(toml: &str) -> Compiled {
    compile_text("p.toml", "p.toml", toml.into(), SourceMap::default())
        .unwrap_or_else(|f| panic!("does not compile: {:?}", f.diagnostics))
}

/// The diagnostics (code, message, help) of a config that does not compile.
fn errors(toml: &str) -> Vec<(String, String, String)> {
    let failed = compile_text("p.toml", "p.toml", toml.into(), SourceMap::default())
        .err()
        .unwrap_or_else(|| panic!("compiles, but should not:\n{toml}"));
    failed
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.to_string(),
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// The pod spec of CronJob `name` of namespace `ns` (cluster `default`).
fn pod(compiled: &Compiled, ns: &str, name: &str) -> PodSpec {
    let bytes = &compiled.tree[&format!("default/{ns}/cronjob-{name}.yaml")];
    let cron: CronJob = serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap();
    cron.spec
        .and_then(|s| s.job_template.spec)
        .and_then(|j| j.template.spec)
        .expect("a pod spec")
}

const HEAD: &str = "[platform]\nname = \"p\"\n";

fn pipeline(ns: &str, name: &str, extra: &str) -> String {
    format!(
        "[namespaces.{ns}.pipelines.{name}]
schedule = \"@daily\"
starting_deadline = \"1h\"
image = \"app:1\"
steps = [{{ name = \"run\" }}]
{extra}
"
    )
}

#[test]
fn env_references_follow_their_definitions() {
    let toml = format!(
        "{HEAD}{}",
        pipeline(
            "a",
            "job",
            "env = { BASE_URL = \"https://$(HOST):$(PORT)/\", HOST = \"api.example.com\", \
             PORT = \"443\", A_FIRST = \"$(Z_LAST)\", Z_LAST = \"z\", LITERAL = \"$$(HOST)\" }"
        )
    );
    let env: Vec<String> = pod(&compile(&toml), "a", "job").containers[0]
        .env
        .iter()
        .flatten()
        .map(|e| e.name.clone())
        .collect();
    // Each reference after its definition; otherwise by name.
    assert_eq!(
        env,
        ["HOST", "LITERAL", "PORT", "BASE_URL", "Z_LAST", "A_FIRST"]
    );
}

#[test]
fn env_references_to_nothing_and_cycles_are_errors() {
    let codes = |extra: &str| -> Vec<String> {
        errors(&format!("{HEAD}{}", pipeline("a", "job", extra)))
            .into_iter()
            .map(|(code, message, _)| format!("{code} {message}"))
            .collect()
    };
    assert_eq!(
        codes("env = { URL = \"https://$(HOTS)/\", HOST = \"x\" }"),
        ["E0113 `URL` refers to `$(HOTS)`, which no variable defines"]
    );
    assert_eq!(
        codes("env = { A = \"$(B)\", B = \"$(A)\" }"),
        [
            "E0113 environment variables `A`, `B` refer to each other in a cycle: `A` uses \
             `$(B)`, `B` uses `$(A)`"
        ]
    );
    // With an envFrom source the name may be one of its keys, which platc cannot see.
    compile(&format!(
        "{HEAD}{}",
        pipeline(
            "a",
            "job",
            "secrets = [\"api\"]\nenv = { URL = \"https://$(API_HOST)/\" }"
        )
    ));
}

const BOUND: &str = "[namespaces.a.service_accounts.etl]
[namespaces.a.service_accounts.lonely]
[namespaces.a.roles.reader]
rules = [{ resources = [\"configmaps\"], verbs = [\"get\"] }]
[namespaces.b.role_bindings.etl-reads-b]
cluster_role = \"view\"
subjects = [\"serviceaccount:a/etl\"]
";

/// `automountServiceAccountToken` of each pipeline's pod: `Some(false)` refuses the token.
fn tokens(toml: &str, pipelines: &[&str]) -> Vec<Option<bool>> {
    let compiled = compile(toml);
    pipelines
        .iter()
        .map(|p| pod(&compiled, "a", p).automount_service_account_token)
        .collect()
}

#[test]
fn the_api_token_is_mounted_only_where_a_role_is_bound() {
    let toml = format!(
        "{HEAD}{BOUND}{}{}{}",
        pipeline("a", "as-default", ""),
        pipeline("a", "unbound", "service_account = \"lonely\""),
        // Bound by a binding of namespace `b`: it counts too.
        pipeline("a", "bound", "service_account = \"etl\""),
    );
    assert_eq!(
        tokens(&toml, &["as-default", "unbound", "bound"]),
        [Some(false), Some(false), None]
    );
    // A group of all service accounts of the namespace binds them all.
    let toml = format!(
        "{HEAD}{BOUND}[namespaces.a.role_bindings.all]
role = \"reader\"
subjects = [\"group:system:serviceaccounts:a\"]
{}{}",
        pipeline("a", "as-default", ""),
        pipeline("a", "unbound", "service_account = \"lonely\""),
    );
    assert_eq!(tokens(&toml, &["as-default", "unbound"]), [None, None]);
    // An account that asks for its token (Vault's Kubernetes auth) gets it without a role.
    let toml = format!(
        "{HEAD}[namespaces.a.service_accounts.vault]
automount_token = true
{}",
        pipeline("a", "vault", "service_account = \"vault\"")
    );
    assert_eq!(tokens(&toml, &["vault"]), [None]);
}

#[test]
fn role_bindings_among_manifests_count_for_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let file = dir.path().join(path);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, text).unwrap();
    };
    write(
        "manifests/a/binding.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: etl-reads
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: etl
",
    );
    write(
        "manifests/cluster/binding.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: loader-reads-all
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: loader
    namespace: a
",
    );
    write(
        "platform.toml",
        &format!(
            "{HEAD}[clusters.default]
manifests = [\"manifests/cluster/*.yaml\"]
[namespaces.a]
manifests = [\"manifests/a/*.yaml\"]
[namespaces.a.service_accounts.etl]
[namespaces.a.service_accounts.loader]
[namespaces.a.service_accounts.lonely]
{}{}{}",
            pipeline("a", "etl", "service_account = \"etl\""),
            pipeline("a", "loader", "service_account = \"loader\""),
            pipeline("a", "lonely", "service_account = \"lonely\""),
        ),
    );
    let compiled = compile_file(&dir.path().join("platform.toml"))
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let token = |p: &str| pod(&compiled, "a", p).automount_service_account_token;
    assert_eq!(
        [token("etl"), token("loader"), token("lonely")],
        [None, None, Some(false)]
    );
}

#[test]
fn scratch_volumes_are_size_limited() {
    let limits = |toml: &str| -> Vec<String> {
        pod(&compile(toml), "a", "job")
            .volumes
            .iter()
            .flatten()
            .map(|v| {
                let size = v.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref());
                format!("{} {}", v.name, size.map_or("none", |q| q.0.as_str()))
            })
            .collect()
    };
    assert_eq!(
        limits(&format!("{HEAD}{}", pipeline("a", "job", ""))),
        ["scratch 1Gi", "tmp 1Gi"]
    );
    assert_eq!(
        limits(&format!(
            "{HEAD}{}",
            pipeline("a", "job", "scratch = \"20Gi\"")
        )),
        ["scratch 20Gi", "tmp 20Gi"]
    );
    // The default never exceeds the pods' ephemeral-storage limit.
    assert_eq!(
        limits(&format!(
            "{HEAD}{}",
            pipeline(
                "a",
                "job",
                "resources = { limits = { ephemeral-storage = \"300Mi\" } }"
            )
        )),
        ["scratch 300Mi", "tmp 300Mi"]
    );
}

#[test]
fn missing_ephemeral_storage_is_named_in_the_help() {
    let toml = format!(
        "{HEAD}[namespaces.a.quota]
requests = {{ ephemeral-storage = \"10Gi\" }}
{}",
        pipeline(
            "a",
            "job",
            "resources = { requests = { cpu = \"1\", memory = \"1Gi\" } }"
        )
    );
    let found = errors(&toml);
    let [(code, message, help)] = &found[..] else {
        panic!("{found:?}")
    };
    assert_eq!(code, "E0603");
    assert!(message.contains("requests.ephemeral-storage"), "{message}");
    assert!(
        help.contains("ephemeral-storage = ") && !help.contains("cpu") && !help.contains("memory"),
        "the help should name what is missing: {help}"
    );
}

#[test]
fn every_pipeline_setting_keeps_pods_restricted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/pipeline-settings");
    let compiled =
        compile_file(&dir.join("platform.toml")).unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let mut pods = 0;
    for name in ["iceberg-load", "report", "vault-sync"] {
        let spec = pod(&compiled, "analytics", name);
        let violations = pod_security::check(PodSecurity::Restricted, &spec);
        assert!(violations.is_empty(), "{name}: {violations:?}");
        pods += 1;
    }
    assert_eq!(pods, 3);
}
