//! GitOps output: Argo CD objects (checked against the upstream CRD schemas in
//! schemas/crds/) and placement of namespaces on several clusters.

use std::path::Path;

use serde_json::{Value, json};

mod common;

use common::{compile, compiled};
use platc::app::Compiled;

fn codes(text: &str) -> Vec<String> {
    match compile(text) {
        Ok(_) => Vec::new(),
        Err(f) => f
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect(),
    }
}

fn files(c: &Compiled, folder: &str) -> Vec<String> {
    c.tree
        .keys()
        .filter(|k| k.starts_with(&format!("{folder}/")))
        .cloned()
        .collect()
}

fn doc(c: &Compiled, path: &str) -> Value {
    let bytes = c
        .tree
        .get(path)
        .unwrap_or_else(|| panic!("{path} not generated"));
    serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

fn validator(file: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas/crds")
        .join(file);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

const MULTI: &str = r#"
[platform]
name = "shop"

[clusters.eu]
server = "https://eu.k8s.example.com"

[clusters.us]
server = "https://us.k8s.example.com"

[argocd]
repo_url = "https://git.example.com/shop/gitops.git"
revision = "main"
path = "deploy/out"
namespace = "gitops"

[namespaces.payments]
clusters = ["us", "eu"]

[namespaces.payments.service_accounts.api]

[namespaces.search]
cluster = "eu"
quota = { pods = 10 }
"#;

#[test]
fn every_argocd_object_matches_the_upstream_schema() {
    let app_schema = validator("argoproj.io_application_v1alpha1.json");
    let project_schema = validator("argoproj.io_appproject_v1alpha1.json");
    let seed =
        platc::app::compile_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("platform.toml"))
            .unwrap_or_else(|_| panic!("the seed compiles"));
    let mut checked = 0;
    for c in [compiled(MULTI), seed] {
        for path in files(&c, "argocd") {
            let value = doc(&c, &path);
            let schema = match value["kind"].as_str() {
                Some("Application") => &app_schema,
                Some("AppProject") => &project_schema,
                Some("Kustomization") => continue,
                other => panic!("{path}: unexpected kind {other:?}"),
            };
            let errs = errors(schema, &value);
            assert!(errs.is_empty(), "{path}: {errs:#?}");
            checked += 1;
        }
    }
    assert_eq!(
        checked, 9,
        "two projects, seven Applications (the seed has production and kafka on staging and prod)"
    );
}

#[test]
fn the_schemas_reject_what_argo_cd_would() {
    let c = compiled(MULTI);
    let app = doc(&c, "argocd/application-eu-payments.yaml");
    let v = validator("argoproj.io_application_v1alpha1.json");
    assert!(errors(&v, &app).is_empty());

    let mut misspelled = app.clone();
    misspelled["spec"]["syncPolicy"]["automated"]["selfheal"] = json!(true);
    assert!(
        !errors(&v, &misspelled).is_empty(),
        "unknown field accepted"
    );

    let mut wrong_type = app.clone();
    wrong_type["spec"]["syncPolicy"]["retry"]["limit"] = json!("5");
    assert!(!errors(&v, &wrong_type).is_empty(), "string limit accepted");

    let mut no_destination = app;
    no_destination["spec"]
        .as_object_mut()
        .unwrap()
        .remove("destination");
    assert!(!errors(&v, &no_destination).is_empty());

    let project = doc(&c, "argocd/appproject-shop.yaml");
    let v = validator("argoproj.io_appproject_v1alpha1.json");
    let mut no_kind = project;
    no_kind["spec"]["namespaceResourceWhitelist"][0]
        .as_object_mut()
        .unwrap()
        .remove("kind");
    assert!(!errors(&v, &no_kind).is_empty());
}

#[test]
fn one_application_per_cluster_and_namespace() {
    let c = compiled(MULTI);
    assert_eq!(
        files(&c, "argocd"),
        [
            "argocd/application-eu-payments.yaml",
            "argocd/application-eu-search.yaml",
            "argocd/application-us-payments.yaml",
            "argocd/appproject-shop.yaml",
            "argocd/kustomization.yaml",
        ]
    );
    let app = doc(&c, "argocd/application-us-payments.yaml");
    assert_eq!(app["metadata"]["namespace"], "gitops");
    assert_eq!(
        app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"],
        "0"
    );
    assert_eq!(
        app["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "shop"
    );
    let spec = &app["spec"];
    assert_eq!(spec["project"], "shop");
    assert_eq!(
        spec["source"],
        json!({"repoURL": "https://git.example.com/shop/gitops.git", "targetRevision": "main",
               "path": "deploy/out/us/payments"})
    );
    assert_eq!(
        spec["destination"],
        json!({"server": "https://us.k8s.example.com", "namespace": "payments"})
    );
    assert_eq!(
        spec["syncPolicy"]["automated"],
        json!({"prune": true, "selfHeal": true})
    );
    let options = spec["syncPolicy"]["syncOptions"].as_array().unwrap();
    assert!(options.contains(&json!("ServerSideApply=true")));
    assert!(spec["syncPolicy"]["retry"]["limit"].as_i64().unwrap() > 0);
    // The folder an Application points at is exactly what platc wrote.
    assert!(c.tree.contains_key("us/payments/kustomization.yaml"));
    assert!(c.tree.contains_key("eu/payments/kustomization.yaml"));
    assert!(!c.tree.contains_key("us/search/kustomization.yaml"));
}

#[test]
fn the_project_allows_exactly_what_platc_writes() {
    let c = compiled(MULTI);
    let project = doc(&c, "argocd/appproject-shop.yaml");
    assert_eq!(project["metadata"]["namespace"], "gitops");
    assert_eq!(
        project["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"], "-1",
        "the project exists before its Applications"
    );
    let spec = &project["spec"];
    assert_eq!(
        spec["sourceRepos"],
        json!(["https://git.example.com/shop/gitops.git"])
    );
    assert_eq!(
        spec["destinations"],
        json!([
            {"server": "https://eu.k8s.example.com", "namespace": "payments"},
            {"server": "https://eu.k8s.example.com", "namespace": "search"},
            {"server": "https://us.k8s.example.com", "namespace": "payments"},
        ])
    );
    assert_eq!(
        spec["clusterResourceWhitelist"],
        json!([{"group": "", "kind": "Namespace"}])
    );
    // Every namespaced kind in the tree, no more.
    let mut emitted: Vec<(String, String)> = c
        .tree
        .iter()
        .filter(|(k, _)| !k.starts_with("argocd/") && !k.ends_with("kustomization.yaml"))
        .map(|(k, _)| doc(&c, k))
        .filter(|d| d["kind"] != "Namespace")
        .map(|d| {
            let api = d["apiVersion"].as_str().unwrap();
            let group = api.rsplit_once('/').map_or("", |(g, _)| g);
            (group.to_string(), d["kind"].as_str().unwrap().to_string())
        })
        .collect();
    emitted.sort();
    emitted.dedup();
    let allowed: Vec<(String, String)> = spec["namespaceResourceWhitelist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gk| {
            (
                gk["group"].as_str().unwrap().to_string(),
                gk["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(allowed, emitted);
    assert!(allowed.contains(&("".into(), "ResourceQuota".into())));
}

#[test]
fn without_argocd_table_no_argocd_folder() {
    let start = MULTI.find("[argocd]").unwrap();
    let end = MULTI.find("[namespaces.payments]").unwrap();
    let text = format!("{}{}", &MULTI[..start], &MULTI[end..]);
    let c = compiled(&text);
    assert!(files(&c, "argocd").is_empty());
    assert!(c.tree.contains_key("eu/search/namespace-search.yaml"));
}

#[test]
fn defaults_one_cluster_and_argocd_settings() {
    let c = compiled(
        r#"
[platform]
name = "p"
[argocd]
repo_url = "https://git.example.com/r.git"
[namespaces.team]
"#,
    );
    assert!(c.tree.contains_key("default/team/namespace-team.yaml"));
    let app = doc(&c, "argocd/application-default-team.yaml");
    assert_eq!(app["metadata"]["namespace"], "argocd");
    assert_eq!(app["spec"]["source"]["targetRevision"], "HEAD");
    assert_eq!(app["spec"]["source"]["path"], "out/default/team");
    assert_eq!(
        app["spec"]["destination"]["server"],
        "https://kubernetes.default.svc"
    );
}

#[test]
fn the_only_cluster_needs_no_name() {
    let c = compiled(
        r#"
[platform]
name = "p"
[clusters.prod]
server = "https://prod.example.com"
[namespaces.team]
"#,
    );
    assert!(c.tree.contains_key("prod/team/namespace-team.yaml"));
    assert!(!c.tree.keys().any(|k| k.starts_with("default/")));
}

#[test]
fn placement_errors_point_at_the_namespace() {
    let two = r#"
[platform]
name = "p"
[clusters.a]
server = "https://a.example.com"
[clusters.b]
server = "https://b.example.com"
"#;
    assert_eq!(codes(&format!("{two}[namespaces.team]\n")), ["E0203"]);
    assert_eq!(
        codes(&format!("{two}[namespaces.team]\ncluster = \"c\"\n")),
        ["E0201"]
    );
    assert_eq!(
        codes(&format!(
            "{two}[namespaces.team]\nclusters = [\"a\", \"x\"]\n"
        )),
        ["E0201"]
    );
    assert_eq!(
        codes(&format!(
            "{two}[namespaces.team]\ncluster = \"a\"\nclusters = [\"b\"]\n"
        )),
        ["E0204"]
    );
    assert!(!codes(&format!("{two}[namespaces.team]\nclusters = []\n")).is_empty());
    let f = compile(&format!("{two}[namespaces.team]\n")).err().unwrap();
    let text = platc::diag::render_all(&f.diagnostics, &f.sources, false);
    assert!(text.contains("platform.toml:8:"), "{text}");
    assert!(text.contains("defined clusters: a, b"), "{text}");
}

#[test]
fn clashing_application_names_are_an_error() {
    // `a-b` + `c` and `a` + `b-c` would both be Application `a-b-c`.
    let text = r#"
[platform]
name = "p"
[clusters.a]
server = "https://a.example.com"
[clusters.a-b]
server = "https://ab.example.com"
[argocd]
repo_url = "https://git.example.com/r.git"
[namespaces.c]
cluster = "a-b"
[namespaces.b-c]
cluster = "a"
"#;
    let f = compile(text).err().expect("clash accepted");
    let text = platc::diag::render_all(&f.diagnostics, &f.sources, false);
    assert!(
        text.contains("Application `a-b-c` is defined twice"),
        "{text}"
    );
}

#[test]
fn long_application_names_stay_dns_labels() {
    let ns = "n".repeat(50);
    let cluster = "c".repeat(30);
    let c = compiled(&format!(
        r#"
[platform]
name = "p"
[clusters.{cluster}]
server = "https://a.example.com"
[argocd]
repo_url = "https://git.example.com/r.git"
[namespaces.{ns}]
"#
    ));
    let apps: Vec<_> = files(&c, "argocd")
        .into_iter()
        .filter(|f| f.contains("/application-"))
        .collect();
    assert_eq!(apps.len(), 1);
    let app = doc(&c, &apps[0]);
    let name = app["metadata"]["name"].as_str().unwrap();
    assert!(name.len() <= 63, "{name}");
    assert!(name.starts_with(&format!("{cluster}-n")), "{name}");
    assert_eq!(
        app["spec"]["source"]["path"],
        format!("out/{cluster}/{ns}").as_str()
    );
}

/// A platform with `n` namespaces, each with a quota and limits.
fn big_platform(n: usize) -> String {
    let mut text = String::from("[platform]\nname = \"big\"\n");
    for i in 0..n {
        text.push_str(&format!(
            "[namespaces.team-{i:05}]\nquota = {{ pods = 10 }}\nlimits = {{ default = {{ cpu = \"1\" }} }}\n"
        ));
    }
    text
}

#[test]
fn a_huge_drift_fits_in_one_github_comment() {
    let c = compiled(&big_platform(1500));
    let empty = platc::render::Tree::new();
    let nothing_on_disk = platc::render::DiskTree::new();
    let changes = platc::diff::changes(&c.tree, &nothing_on_disk);
    assert!(changes.len() > 7_500);
    let md = platc::diff::markdown::markdown(&changes, "out", "out", "platform.toml");
    assert!(
        md.chars().count() <= 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(md.contains("| added | `default` | `team-00000` | `Namespace` | `team-00000` |"));
    assert!(
        md.contains("more objects, left out to fit a comment"),
        "table not cut"
    );
    assert!(md.contains("left out to stay under GitHub's comment size limit"));
    assert!(md.contains("<details>"));
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    // Both ways round: everything removed.
    let everything_on_disk = platc::render::on_disk(c.tree.clone());
    let removed = platc::diff::changes(&empty, &everything_on_disk);
    let md = platc::diff::markdown::markdown(&removed, "out", "out", "platform.toml");
    assert!(md.len() <= 65_536);
    assert!(
        md.contains("0 added, 0 changed, 7500 removed"),
        "{}",
        &md[..200]
    );
}

mod base {
    //! `platc diff --base REV` in a scratch git repository.

    use std::path::Path;
    use std::process::Command;

    use assert_cmd::cargo::CommandCargoExt;
    use serde_json::Value;

    use crate::common::git;

    const V1: &str = "[platform]\nname = \"p\"\n[namespaces.team]\nquota = { pods = 200 }\n";

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        std::fs::write(dir.path().join("README"), "x\n").unwrap();
        git(dir.path(), &["add", "README"]);
        git(dir.path(), &["commit", "-q", "-m", "empty"]);
        std::fs::write(dir.path().join("platform.toml"), V1).unwrap();
        git(dir.path(), &["add", "platform.toml"]);
        git(dir.path(), &["commit", "-q", "-m", "v1"]);
        dir
    }

    /// Runs platc from elsewhere, naming the config by path: git must run where the config is.
    fn platc(config: &Path, args: &[&str]) -> (i32, String, String) {
        let out = Command::cargo_bin("platc")
            .unwrap()
            .current_dir(std::env::temp_dir())
            .arg("diff")
            .arg("-c")
            .arg(config)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    #[test]
    fn compares_two_revisions_not_the_disk() {
        let dir = repo();
        let config = dir.path().join("platform.toml");
        let (code, _, stderr) = platc(&config, &["--base", "HEAD"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("no change"), "{stderr}");

        std::fs::write(&config, V1.replace("200", "250")).unwrap();
        let (code, stdout, stderr) = platc(&config, &["--base", "HEAD", "--format", "json"]);
        assert_eq!(code, 1, "{stderr}");
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["summary"]["changed"], 1, "{stdout}");
        let change = &v["changes"][0];
        assert_eq!(change["kind"], "ResourceQuota");
        assert_eq!(change["name"], "team-quota");
        assert_eq!(
            change["fields"],
            serde_json::json!([{"path": "spec.hard.pods", "old": "200", "new": "250"}])
        );

        let (code, stdout, _) = platc(&config, &["--base", "HEAD", "--format", "markdown"]);
        assert_eq!(code, 1);
        assert!(
            stdout.contains("| changed | `default` | `team` | `ResourceQuota` | `team-quota` |"),
            "{stdout}"
        );
        assert!(stdout.contains("spec.hard.pods: 200 → 250"), "{stdout}");

        // Before the config existed, everything is new.
        let (code, stdout, stderr) = platc(&config, &["--base", "HEAD~1", "--format", "stat"]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("does not exist at `HEAD~1`"), "{stderr}");
        assert!(
            stdout.contains("out/default/team/namespace-team.yaml"),
            "{stdout}"
        );
    }

    #[test]
    fn bad_revisions_and_broken_bases_are_errors() {
        let dir = repo();
        let config = dir.path().join("platform.toml");
        let (code, _, stderr) = platc(&config, &["--base", "no-such-branch"]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains("`no-such-branch` is not a commit"),
            "{stderr}"
        );
        let (code, _, stderr) = platc(&config, &["--base", "--all"]);
        assert_eq!(code, 2, "{stderr}");

        // The config at HEAD is broken, and so is the one being compared: an error.
        std::fs::write(&config, "[platform]\nname = \"BAD\"\n").unwrap();
        git(dir.path(), &["commit", "-qam", "broken"]);
        let (code, _, stderr) = platc(&config, &["--base", "HEAD"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("platform.toml:2:8"), "{stderr}");

        let outside = tempfile::tempdir().unwrap();
        let lone = outside.path().join("platform.toml");
        std::fs::write(&lone, V1).unwrap();
        let (code, _, stderr) = platc(&lone, &["--base", "HEAD"]);
        assert_eq!(code, 2);
        assert!(stderr.contains("not in a git repository"), "{stderr}");
    }

    /// `platc build -c CONFIG -o OUT`, from elsewhere.
    fn build(config: &Path, out: &Path) {
        let o = Command::cargo_bin("platc")
            .unwrap()
            .current_dir(std::env::temp_dir())
            .arg("build")
            .arg("-c")
            .arg(config)
            .arg("-o")
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
    }

    const BROKEN: &str = "[platform]\nname = \"BAD\"\n[namespaces.team]\n";

    /// A pull request that fixes a broken main still gets its diff: against the `out/`
    /// committed at the base, with a note that the base did not compile.
    #[test]
    fn a_base_that_does_not_compile_is_compared_as_committed() {
        let dir = repo();
        let config = dir.path().join("platform.toml");
        let out = dir.path().join("out");
        build(&config, &out);
        git(dir.path(), &["add", "out"]);
        git(dir.path(), &["commit", "-qm", "built"]);
        std::fs::write(&config, BROKEN).unwrap();
        git(dir.path(), &["commit", "-qam", "broken main"]);
        // The fix, and a change besides.
        std::fs::write(&config, V1.replace("200", "250")).unwrap();
        let out_arg = out.to_str().unwrap();

        let (code, stdout, stderr) = platc(
            &config,
            &["-o", out_arg, "--base", "HEAD", "--format", "json"],
        );
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("platc: the config at `HEAD` does not compile (1 error); compared with out/ as committed at `HEAD`\n"),
            "{stderr}"
        );
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["from"], "HEAD:out", "{stdout}");
        assert!(
            v["note"].as_str().unwrap().contains("does not compile"),
            "{stdout}"
        );
        assert_eq!(
            v["summary"],
            serde_json::json!({"added": 0, "changed": 1, "removed": 0, "moved": 0, "kustomizations": 0})
        );
        assert_eq!(
            v["changes"][0]["fields"],
            serde_json::json!([{"path": "spec.hard.pods", "old": "200", "new": "250"}])
        );
        let (code, stdout, _) = platc(
            &config,
            &["-o", out_arg, "--base", "HEAD", "--format", "markdown"],
        );
        assert_eq!(code, 1);
        assert!(stdout.contains("does not compile"), "{stdout}");
        assert!(
            stdout.contains("| changed | `default` | `team` | `ResourceQuota` | `team-quota` |"),
            "{stdout}"
        );

        // The fix alone: the same objects as committed, exit 0.
        std::fs::write(&config, V1).unwrap();
        let (code, _, stderr) = platc(&config, &["-o", out_arg, "--base", "HEAD"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("does not compile"), "{stderr}");
        assert!(stderr.contains("no change"), "{stderr}");

        // Read from git, not from the disk: a missing out/ changes nothing.
        std::fs::remove_dir_all(&out).unwrap();
        let (code, _, stderr) = platc(&config, &["-o", out_arg, "--base", "HEAD"]);
        assert_eq!(code, 0, "{stderr}");
    }

    #[test]
    fn a_base_that_does_not_compile_and_has_no_out_makes_everything_new() {
        let dir = repo();
        let config = dir.path().join("platform.toml");
        std::fs::write(&config, BROKEN).unwrap();
        git(dir.path(), &["commit", "-qam", "broken main"]);
        std::fs::write(&config, V1).unwrap();
        let out = dir.path().join("out");
        let (code, stdout, stderr) = platc(
            &config,
            &[
                "-o",
                out.to_str().unwrap(),
                "--base",
                "HEAD",
                "--format",
                "stat",
            ],
        );
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("does not compile"), "{stderr}");
        assert!(stderr.contains("every object is new"), "{stderr}");
        assert!(
            stdout
                .lines()
                .any(|l| l.contains("/default/team/namespace-team.yaml ") && l.ends_with("(new)")),
            "{stdout}"
        );
    }
}
