//! Hardening: lints tripped on purpose, unreadable configs, symlinks and unheaded files in
//! `out/`, paths that cannot escape, builds killed with SIGKILL mid-write, and concurrent builds.
//! The kill and concurrency tests run the real binary on a platform of 2,000 namespaces.
#![cfg(unix)]
// Tests report what they skipped and how the kills landed.
#![allow(clippy::print_stderr)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use platc::app::{compile_file, compile_text};
use platc::diag::{Severity, SourceMap};
use platc::render::Tree;

fn platc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_platc"));
    c.arg("--color")
        .arg("never")
        .env_remove("PLATC_LOCK_WAIT_SECS");
    c
}

fn run(args: &[&str], dir: &Path) -> Output {
    platc().args(args).current_dir(dir).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every regular file and symlink under `dir` (not following links), by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, rel: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.map(Result::unwrap) {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let ft = e.file_type().unwrap();
            if ft.is_symlink() {
                let target = fs::read_link(e.path()).unwrap();
                out.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if ft.is_dir() {
                walk(&e.path(), &rel, out);
            } else {
                out.insert(rel, fs::read(e.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

// --- lints ---------------------------------------------------------------------------------

/// (code, line, the exact text the warning points at) of every warning.
fn warnings(text: &str) -> Vec<(String, usize, String)> {
    let compiled = compile_text("t.toml", "t.toml", text.into(), SourceMap::default())
        .unwrap_or_else(|f| panic!("does not compile: {:#?}", f.diagnostics));
    compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| {
            let s = d.span.expect("lints are located");
            let line = text[..s.range().start].matches('\n').count() + 1;
            (d.code.to_string(), line, text[s.range()].to_string())
        })
        .collect()
}

fn expect(text: &str, want: &[(&str, usize, &str)]) {
    let got = warnings(text);
    let want: Vec<_> = want
        .iter()
        .map(|(c, l, s)| (c.to_string(), *l, s.to_string()))
        .collect();
    assert_eq!(got, want, "in\n{text}");
}

const HEAD: &str = "[platform]\nname = \"p\"\n\n"; // 3 lines

/// The secrets config of the lints of issue 16: a store, two declared secrets, a role bound
/// to the pipeline's account, and a pipeline mounting a misspelt one and one made elsewhere.
const SECRETS: &str = r#"[platform]
name = "p"

[secret_stores.vault]
name = "vault-backend"

[namespaces.team.secrets.commodity-api]
store = "vault"
data = { API_KEY = "commodities/api#key" }

[namespaces.team.secrets.unused-one]
store = "vault"
data_from = "x/y"

[namespaces.team.service_accounts.etl]

[namespaces.team.roles.r]
rules = [
  { resources = ["secrets"], verbs = ["get"] },
  { resources = ["secrets"], verbs = ["get"], resource_names = ["commodity-api", "other"] },
]

[namespaces.team.role_bindings.b]
role = "r"
subjects = ["serviceaccount:etl"]

[namespaces.team.pipelines.etl]
schedule = "0 2 * * *"
starting_deadline = "1h"
image = "registry.example.com/etl:1.0.0"
service_account = "etl"
secrets = ["commodity-apu", "made-elsewhere"]
steps = [{ name = "run" }]
"#;

#[test]
fn lint_secrets_declared_mounted_and_granted() {
    // W0406 at the rule that reads every secret and at each named secret no pipeline of the
    // account mounts; W0407 at each mounted secret the namespace does not declare.
    expect(
        SECRETS,
        &[
            ("W0406", 19, "\"secrets\""),
            ("W0406", 20, "\"commodity-api\""),
            ("W0406", 20, "\"other\""),
            ("W0407", 32, "\"commodity-apu\""),
            ("W0407", 32, "\"made-elsewhere\""),
        ],
    );
    let compiled = compile_text("t.toml", "t.toml", SECRETS.into(), SourceMap::default())
        .unwrap_or_else(|f| panic!("does not compile: {:#?}", f.diagnostics));
    let helps: Vec<&str> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.code.to_string() == "W0407")
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert_eq!(helps[0], "did you mean `commodity-api`?");
    assert!(helps[1].starts_with("declare it as `[namespaces.team.secrets.made-elsewhere]`"));
    // N0408, a note, for each declared secret nothing mounts.
    let notes: Vec<String> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Note && d.code.to_string() == "N0408")
        .map(|d| SECRETS[d.span.expect("located").range()].to_string())
        .collect();
    assert_eq!(notes, ["commodity-api", "unused-one"]);
    // Mounting what is declared, and granting exactly that, is clean.
    let clean = SECRETS
        .replace(
            "[\"commodity-apu\", \"made-elsewhere\"]",
            "[\"commodity-api\", \"unused-one\"]",
        )
        .replace("  { resources = [\"secrets\"], verbs = [\"get\"] },\n", "")
        .replace(
            "[\"commodity-api\", \"other\"]",
            "[\"commodity-api\", \"unused-one\"]",
        );
    expect(&clean, &[]);
    let compiled = compile_text("t.toml", "t.toml", clean, SourceMap::default())
        .unwrap_or_else(|f| panic!("does not compile: {:#?}", f.diagnostics));
    assert!(
        !compiled
            .diagnostics
            .iter()
            .any(|d| d.code.to_string() == "N0408")
    );
}

#[test]
fn lint_rbac_secrets_read() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.roles.r]\nrules = [\n  {{ resources = [\"secrets\"], verbs = [\"get\", \"watch\"] }},\n  {{ resources = [\"configmaps\", \"secrets\"], verbs = [\"list\"] }},\n]\n"
        ),
        &[("W0401", 6, "\"watch\""), ("W0401", 7, "\"list\"")],
    );
    // Named secrets with `get`, and `list` outside the core group, are fine.
    expect(
        &format!(
            "{HEAD}[namespaces.team.roles.r]\nrules = [\n  {{ resources = [\"secrets\"], verbs = [\"get\"], resource_names = [\"a\"] }},\n  {{ api_groups = [\"example.com\"], resources = [\"secrets\"], verbs = [\"list\"] }},\n]\n"
        ),
        &[],
    );
}

#[test]
fn lint_rbac_wildcard() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.roles.r]\nrules = [{{\n  api_groups = [\"*\"],\n  resources = [\"pods\", \"*\"],\n  verbs = [\"*\"],\n}}]\n"
        ),
        &[
            ("W0402", 6, "\"*\""),
            ("W0402", 7, "\"*\""),
            ("W0402", 8, "\"*\""),
        ],
    );
}

#[test]
fn lint_rbac_escalation() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.roles.r]\nrules = [\n  {{ api_groups = [\"rbac.authorization.k8s.io\"], resources = [\"roles\"], verbs = [\"bind\", \"escalate\"] }},\n  {{ resources = [\"serviceaccounts\"], verbs = [\"impersonate\"] }},\n]\n"
        ),
        &[
            ("W0403", 6, "\"bind\""),
            ("W0403", 6, "\"escalate\""),
            ("W0403", 7, "\"impersonate\""),
        ],
    );
}

#[test]
fn lint_rbac_pod_exec() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.roles.r]\nrules = [\n  {{ resources = [\"pods\", \"pods/exec\"], verbs = [\"create\"] }},\n  {{ resources = [\"pods/attach\", \"pods/log\"], verbs = [\"get\"] }},\n]\n"
        ),
        &[
            ("W0404", 6, "\"pods/exec\""),
            ("W0404", 7, "\"pods/attach\""),
        ],
    );
}

#[test]
fn lint_rbac_token_create() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.roles.r]\nrules = [\n  {{ resources = [\"serviceaccounts/token\"], verbs = [\"create\"] }},\n  {{ resources = [\"serviceaccounts\"], verbs = [\"get\"] }},\n]\n"
        ),
        &[("W0405", 6, "\"serviceaccounts/token\"")],
    );
}

#[test]
fn lint_network_open_egress() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.network_policies.out]\negress = [\n  {{ to = \"0.0.0.0/0\" }},\n  {{ to = \"::/0\", ports = [] }},\n  {{ to = \"0.0.0.0/0\", ports = [443] }},\n  {{ to = \"10.0.0.0/8\" }},\n]\n"
        ),
        &[("W0501", 6, "\"0.0.0.0/0\""), ("W0501", 7, "\"::/0\"")],
    );
}

#[test]
fn lint_network_dns_blocked() {
    expect(
        &format!("{HEAD}[namespaces.team]\nallow_dns = false\n"),
        &[("W0502", 5, "false")],
    );
    // DNS allowed by a policy of its own.
    expect(
        &format!(
            "{HEAD}[namespaces.team]\nallow_dns = false\n[namespaces.team.network_policies.dns]\negress = [{{ to = \"namespace:kube-system\", ports = [53] }}]\n"
        ),
        &[],
    );
    // Egress allowed: DNS is not blocked.
    expect(
        &format!("{HEAD}[namespaces.team]\ndefault_deny = [\"ingress\"]\nallow_dns = false\n"),
        &[],
    );
    // A namespace platc does not own denies nothing unless told to.
    expect(
        &format!("{HEAD}[namespaces.team]\nmanaged = false\nallow_dns = false\n"),
        &[],
    );
    expect(
        &format!(
            "{HEAD}[namespaces.team]\nmanaged = false\ndefault_deny = [\"egress\"]\nallow_dns = false\n"
        ),
        &[("W0502", 7, "false")],
    );
}

#[test]
fn lint_network_open_ingress() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.network_policies.in]\ningress = [\n  {{ from = \"namespace:web\" }},\n  {{ from = \"0.0.0.0/0\", ports = [443] }},\n]\n"
        ),
        &[
            ("W0820", 6, "\"namespace:web\""),
            ("W0503", 7, "\"0.0.0.0/0\""),
        ],
    );
}

#[test]
fn lint_limits_inconsistent() {
    expect(
        &format!(
            "{HEAD}[namespaces.team.limits]\ndefault_request = {{ cpu = \"500m\", memory = \"64Mi\" }}\ndefault = {{ cpu = \"250m\", memory = \"2Gi\" }}\nmin = {{ memory = \"128Mi\" }}\nmax = {{ memory = \"1Gi\" }}\n"
        ),
        &[
            ("W0601", 5, "\"64Mi\""),
            ("W0601", 6, "\"250m\""),
            ("W0601", 6, "\"2Gi\""),
        ],
    );
}

#[test]
fn clean_configs_trip_no_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = [
        "platform.toml",
        "src/starter.toml",
        "tests/fuzz-corpus/everything.toml",
        "examples/hundred-tenants/platform.toml",
        "tests/whole/api/platform.toml",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    // Every golden case too (issue 26: the whole-platform checks find nothing there).
    for entry in fs::read_dir(root.join("tests/golden")).unwrap() {
        let config = entry.unwrap().path().join("platform.toml");
        if config.is_file() {
            paths.push(config);
        }
    }
    for path in paths {
        let compiled = compile_file(&path).unwrap_or_else(|_| panic!("{}", path.display()));
        assert!(
            compiled.diagnostics.is_empty(),
            "{}: {:#?}",
            path.display(),
            compiled.diagnostics
        );
    }
}

#[test]
fn deny_warnings_turns_lints_into_failures() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus/lints.toml"),
        dir.path().join("platform.toml"),
    )
    .unwrap();
    let o = run(&["check"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning[W0401]"));
    let o = run(&["check", "--deny-warnings"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(&["build", "--deny-warnings"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("out").exists(), "denied build wrote out/");
}

// --- unreadable configs --------------------------------------------------------------------

/// The one diagnostic a config that cannot be read gives.
fn unreadable(path: &Path) -> String {
    let failed = match compile_file(path) {
        Ok(_) => panic!("{} compiled", path.display()),
        Err(f) => f,
    };
    assert_eq!(failed.diagnostics.len(), 1, "{:#?}", failed.diagnostics);
    let d = &failed.diagnostics[0];
    assert_eq!(d.code.as_str(), "E0301");
    assert!(d.span.is_none());
    assert!(
        d.message.contains(&path.display().to_string()),
        "{}",
        d.message
    );
    d.message.clone()
}

#[test]
fn unreadable_configs_get_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);

    assert!(unreadable(&p("missing.toml")).contains("no such file"));

    fs::write(p("empty.toml"), "").unwrap();
    assert!(unreadable(&p("empty.toml")).contains("is empty"));
    fs::write(p("blank.toml"), " \n\t\n").unwrap();
    assert!(unreadable(&p("blank.toml")).contains("is empty"));

    fs::write(p("binary.toml"), b"[platform]\0\x01\x02name").unwrap();
    assert!(unreadable(&p("binary.toml")).contains("binary"));

    fs::write(p("latin1.toml"), b"[platform]\nname = \"caf\xe9\"\n").unwrap();
    let m = unreadable(&p("latin1.toml"));
    assert!(
        m.contains("not UTF-8") && m.contains("line 2, column 12"),
        "{m}"
    );

    fs::create_dir(p("dir.toml")).unwrap();
    assert!(unreadable(&p("dir.toml")).contains("is a directory"));

    assert!(unreadable(Path::new("/dev/null")).contains("not a regular file"));

    fs::write(p("locked.toml"), "[platform]\nname = \"x\"\n").unwrap();
    fs::set_permissions(p("locked.toml"), fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(p("locked.toml")).is_ok() {
        eprintln!("skipped the chmod 000 case: running as root, permissions are not enforced");
    } else {
        assert!(unreadable(&p("locked.toml")).contains("permission denied"));
    }

    // Through the binary: exit 2, the message on stderr, nothing on stdout.
    let o = run(&["check", "-c", "empty.toml"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("error[E0301]") && stderr(&o).contains("empty.toml: is empty"));
    assert!(o.stdout.is_empty());
}

// --- out/: symlinks, unheaded files, no escape ---------------------------------------------

/// A directory with the repository's platform.toml, built once into out/.
fn built_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_config(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("platform.toml"),
        dir.path(),
    );
    let o = run(&["build"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    dir
}

/// Builds after a change that makes every file differ; asserts it is refused, names `names`,
/// and leaves both `out/` and `outside` exactly as they were.
fn assert_refused(dir: &Path, outside: &Path, names: &[&str]) {
    let config = dir.join("platform.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replace("data-platform", "data-platform-2")).unwrap();
    let before = (snapshot(&dir.join("out")), snapshot(outside));
    let o = run(&["build"], dir);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("error[E0302]"), "{err}");
    for n in names {
        assert!(err.contains(n), "`{n}` not named in {err}");
    }
    let after = (snapshot(&dir.join("out")), snapshot(outside));
    assert!(before == after, "a refused build changed files");
    fs::write(&config, text).unwrap();
}

#[test]
fn out_itself_a_symlink_is_refused() {
    let dir = built_project();
    let real = dir.path().join("real-out");
    fs::rename(dir.path().join("out"), &real).unwrap();
    symlink(&real, dir.path().join("out")).unwrap();
    assert_refused(dir.path(), &real, &["out is a symlink"]);
}

#[test]
fn symlinks_leading_outside_are_refused() {
    let dir = built_project();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("precious.yaml"), "keep me\n").unwrap();
    let ns = dir.path().join("out/prod/production");

    // A file symlink, replacing a generated file.
    let file = ns.join("namespace-production.yaml");
    fs::remove_file(&file).unwrap();
    symlink(outside.path().join("precious.yaml"), &file).unwrap();
    assert_refused(
        dir.path(),
        outside.path(),
        &[
            "namespace-production.yaml is a symlink",
            "outside the output folder",
        ],
    );
    fs::remove_file(&file).unwrap();

    // A folder symlink.
    fs::create_dir(dir.path().join("out/elsewhere-link-parent")).unwrap();
    symlink(
        outside.path(),
        dir.path().join("out/elsewhere-link-parent/link"),
    )
    .unwrap();
    assert_refused(
        dir.path(),
        outside.path(),
        &["elsewhere-link-parent/link is a symlink"],
    );
    fs::remove_dir_all(dir.path().join("out/elsewhere-link-parent")).unwrap();

    // A relative link climbing out.
    symlink("../../..", ns.join("up")).unwrap();
    assert_refused(dir.path(), outside.path(), &["production/up is a symlink"]);
    fs::remove_file(ns.join("up")).unwrap();

    // A dangling link.
    symlink("/nonexistent/platc-target", ns.join("dangling.yaml")).unwrap();
    assert_refused(
        dir.path(),
        outside.path(),
        &["dangling.yaml is a dangling symlink"],
    );
    fs::remove_file(ns.join("dangling.yaml")).unwrap();

    // After cleaning up, the build goes through.
    let o = run(&["build"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn symlinks_inside_out_are_fine() {
    let dir = built_project();
    let out = dir.path().join("out");
    symlink("prod/production", out.join("production-alias")).unwrap();
    symlink(
        "kustomization.yaml",
        out.join("prod/production/kustomization-link.yaml"),
    )
    .unwrap();
    let o = run(&["build"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["diff"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn unheaded_files_are_never_touched() {
    let dir = built_project();
    let outside = tempfile::tempdir().unwrap();
    let ns = dir.path().join("out/prod/production");
    // A hand-written file where platc writes one, and one it would never produce.
    fs::write(
        ns.join("namespace-production.yaml"),
        "kind: Namespace # by hand\n",
    )
    .unwrap();
    fs::write(ns.join("notes.md"), "my notes\n").unwrap();
    assert_refused(
        dir.path(),
        outside.path(),
        &[
            "namespace-production.yaml was not generated by platc",
            "notes.md was not generated by platc",
        ],
    );
    // Pruning (the config drops the namespace) leaves them alone too.
    let cfg = dir.path().join("platform.toml");
    fs::write(&cfg, "[platform]\nname = \"commodities\"\n").unwrap();
    let o = run(&["build"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(ns.join("notes.md")).unwrap(),
        "my notes\n"
    );
    assert!(ns.join("cronjob-commodity-prices.yaml").exists());
}

/// A generated file whose header line was deleted is refused like any file platc did not
/// write, but the help says what happened and how to recover, not "move it out".
#[test]
fn a_generated_file_that_lost_its_header_gets_a_recovery_help() {
    let dir = built_project();
    let ns = dir.path().join("out/prod/production");
    let cronjob = ns.join("cronjob-commodity-prices.yaml");
    let text = fs::read_to_string(&cronjob).unwrap();
    let (_, body) = text.split_once('\n').unwrap();
    fs::write(&cronjob, body).unwrap();
    // A file platc no longer generates (the config dropped it), header deleted too.
    let stale = ns.join("configmap-old.yaml");
    fs::write(
        &stale,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n  labels:\n    app.kubernetes.io/managed-by: platc\n",
    )
    .unwrap();
    // And a foreign file, for contrast.
    fs::write(ns.join("notes.md"), "my notes\n").unwrap();
    let before = snapshot(&dir.path().join("out"));
    for command in ["build", "diff"] {
        let o = run(&[command], dir.path());
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        let about = |name: &str| {
            let start = err
                .find(&format!("{name} "))
                .unwrap_or_else(|| panic!("{name} not named: {err}"));
            let end = err[start..].find("\n\n").map_or(err.len(), |e| start + e);
            err[start..end].to_string()
        };
        let cron = about("cronjob-commodity-prices.yaml");
        assert!(
            cron.contains("looks like a file platc wrote whose header line was deleted"),
            "{cron}"
        );
        assert!(
            cron.contains(
                "restore its first line `# Generated by platc from platform.toml. DO NOT EDIT.`"
            ),
            "{cron}"
        );
        assert!(
            cron.contains("or delete it and run `platc build`"),
            "{cron}"
        );
        assert!(!cron.contains("move it out"), "{cron}");
        let old = about("configmap-old.yaml");
        assert!(old.contains("header line was deleted"), "{old}");
        assert!(old.contains("platc no longer generates it"), "{old}");
        let notes = about("notes.md");
        assert!(notes.contains("was not generated by platc"), "{notes}");
        assert!(
            notes.contains("move it out of the output folder"),
            "{notes}"
        );
        assert!(!notes.contains("header line was deleted"), "{notes}");
    }
    assert!(
        snapshot(&dir.path().join("out")) == before,
        "a refused build changed files"
    );
    // Recovering as the help says: restore the header; delete the rest.
    fs::write(&cronjob, &text).unwrap();
    fs::remove_file(&stale).unwrap();
    fs::remove_file(ns.join("notes.md")).unwrap();
    let o = run(&["build"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn writes_cannot_escape_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    for evil in [
        "../escape.yaml",
        "a/../../escape.yaml",
        "/tmp/escape.yaml",
        "a//b.yaml",
        "./a.yaml",
        "a\\..\\b.yaml",
    ] {
        let mut tree = Tree::new();
        tree.insert(
            evil.to_string(),
            b"# Generated by platc from x. DO NOT EDIT.\n".to_vec(),
        );
        let err = platc::fs::write(&out, &tree, &platc::render::DiskTree::new()).unwrap_err();
        assert!(
            err.to_string().contains("outside the output folder"),
            "{evil}: {err}"
        );
    }
    assert!(!dir.path().join("escape.yaml").exists());
    assert!(snapshot(&out).is_empty());

    // Every path a real config produces is made of plain names.
    for seed in ["platform.toml", "tests/fuzz-corpus/everything.toml"] {
        let compiled = compile_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join(seed))
            .ok()
            .unwrap();
        for path in compiled.tree.keys() {
            assert!(
                path.split('/').all(|part| !part.is_empty()
                    && part != ".."
                    && part.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b"-.".contains(&b))),
                "{path}"
            );
        }
    }
}

// --- never tear: SIGKILL and concurrent builds ---------------------------------------------

/// platc's temporary names: `.NAME.platc-tmp`, a file or a new folder being written.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".platc-tmp")
}

/// A platform of 2,000 namespaces. `shift` moves the range (some namespaces appear, some go),
/// `generation` changes a label on every Namespace.
fn big_config(shift: usize, generation: &str) -> String {
    let mut s = String::from("[platform]\nname = \"big\"\n\n");
    for i in shift..shift + 2000 {
        s.push_str(&format!(
            "[namespaces.ns-{i:04}]\nlabels = {{ generation = \"{generation}\" }}\ndefault_deny = []\n\n"
        ));
    }
    s
}

struct Big {
    dir: tempfile::TempDir,
    old: Tree,
    new: Tree,
}

impl Big {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut trees = Vec::new();
        for (name, shift, generation) in [("old", 0, "old"), ("new", 250, "new")] {
            let d = dir.path().join(name);
            fs::create_dir(&d).unwrap();
            fs::write(d.join("platform.toml"), big_config(shift, generation)).unwrap();
            trees.push(compile_file(&d.join("platform.toml")).ok().unwrap().tree);
        }
        let new = trees.pop().unwrap();
        let old = trees.pop().unwrap();
        Self { dir, old, new }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn config(&self, which: &str) -> PathBuf {
        self.dir.path().join(which).join("platform.toml")
    }

    /// Puts out/ in exactly the old state.
    fn reset(&self) {
        let current = platc::fs::read_out(&self.out()).unwrap();
        platc::fs::write(&self.out(), &self.old, &current).unwrap();
        assert_eq!(
            platc::fs::read_out(&self.out()).unwrap(),
            platc::render::on_disk(self.old.clone())
        );
    }

    fn build(&self, which: &str) -> Command {
        let mut c = platc();
        c.arg("build")
            .arg("-c")
            .arg(self.config(which))
            .arg("-o")
            .arg(self.out())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }

    /// Every file is old-complete or new-complete (or absent where one side lacks it); only
    /// platc's own temporaries may be extra: `.NAME.platc-tmp` files, and new folders being
    /// written under such a name. Returns (files still old, files already new).
    fn assert_untorn(&self, context: &str) -> (usize, usize) {
        let (mut old, mut new) = (0, 0);
        for (path, bytes) in snapshot(&self.out()) {
            if path.split('/').any(is_temporary) {
                continue;
            }
            let (o, n) = (self.old.get(&path), self.new.get(&path));
            assert!(
                o.is_some() || n.is_some(),
                "{context}: unexpected file {path}"
            );
            let is_old = o == Some(&bytes);
            let is_new = n == Some(&bytes);
            assert!(is_old || is_new, "{context}: {path} is torn");
            old += usize::from(is_old && !is_new);
            new += usize::from(is_new && !is_old);
        }
        for path in self.old.keys().filter(|p| self.new.contains_key(*p)) {
            assert!(
                self.out().join(path).exists(),
                "{context}: {path} vanished mid-build"
            );
        }
        // A folder the build adds appears whole or not at all.
        let folder = |p: &String| {
            p.rsplit_once('/')
                .map_or(String::new(), |(f, _)| f.to_string())
        };
        let old_folders: BTreeSet<String> = self.old.keys().map(folder).collect();
        for path in self.new.keys() {
            let f = folder(path);
            if !old_folders.contains(&f) && self.out().join(&f).exists() {
                assert!(
                    self.out().join(path).exists(),
                    "{context}: new folder {f} is there without {path}"
                );
            }
        }
        (old, new)
    }

    fn assert_converges(&self, context: &str) {
        let o = self.build("new").output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{context}: {}", stderr(&o));
        assert_eq!(
            platc::fs::read_out(&self.out()).unwrap(),
            platc::render::on_disk(self.new.clone()),
            "{context}: did not converge"
        );
        let leftovers: Vec<_> = snapshot(&self.out())
            .into_keys()
            .filter(|p| p.contains(".platc-tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{context}: {leftovers:?}");
        for entry in fs::read_dir(self.out().join("default")).unwrap() {
            let path = entry.unwrap().path();
            assert!(
                fs::read_dir(&path).unwrap().next().is_some(),
                "{context}: empty folder {} left behind",
                path.display()
            );
        }
    }
}

#[test]
fn killed_builds_never_tear_files_and_the_next_build_converges() {
    let big = Big::new();
    assert!(big.old.len() >= 4000 && big.new.len() >= 4000);
    fs::create_dir(big.out()).unwrap();

    // How long an uninterrupted build takes on this machine, so kills can land inside it.
    big.reset();
    let start = Instant::now();
    assert!(big.build("new").status().unwrap().success());
    let full = start.elapsed();

    let mut kills_mid_run = 0;
    let mut mixed = 0;
    let probe = big.out().join("default/ns-0250/namespace-ns-0250.yaml");
    let probe_new = big.new["default/ns-0250/namespace-ns-0250.yaml"].clone();
    // `Some(d)`: kill `d` after the start; `None(extra)`: kill `extra` after the first changed
    // file was renamed into place, i.e. certainly while writing.
    let mut plan: Vec<(String, Result<Duration, Duration>)> = [5, 20, 50, 100]
        .into_iter()
        .map(|ms| (format!("after {ms} ms"), Ok(Duration::from_millis(ms))))
        .collect();
    for frac in [0.3, 0.6, 0.9] {
        plan.push((format!("at {frac} of {full:?}"), Ok(full.mul_f64(frac))));
    }
    for ms in [0, 15, 60] {
        plan.push((
            format!("{ms} ms into writing"),
            Err(Duration::from_millis(ms)),
        ));
    }
    for (context, when) in &plan {
        big.reset();
        let mut child = big.build("new").spawn().unwrap();
        match when {
            Ok(d) => std::thread::sleep(*d),
            Err(extra) => {
                let deadline = Instant::now() + Duration::from_secs(120);
                while fs::read(&probe).ok().as_ref() != Some(&probe_new)
                    && Instant::now() < deadline
                    && child.try_wait().unwrap().is_none()
                {
                    std::thread::sleep(Duration::from_micros(200));
                }
                std::thread::sleep(*extra);
            }
        }
        if child.try_wait().unwrap().is_none() {
            kills_mid_run += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (old, new) = big.assert_untorn(context);
        if old > 0 && new > 0 {
            mixed += 1;
        }
        eprintln!("killed {context}: {old} files old, {new} new");
        big.assert_converges(context);
    }
    eprintln!(
        "{} kills, {kills_mid_run} while platc ran, {mixed} mid-write (full build {full:?})",
        plan.len()
    );
    assert!(kills_mid_run >= plan.len() / 2, "most kills came too late");
    assert!(mixed >= 1, "no kill landed while files were being written");
}

#[test]
fn concurrent_builds_do_not_interleave() {
    let big = Big::new();
    for round in 0..3 {
        let _ = fs::remove_dir_all(big.out());
        let a = big.build("old").spawn().unwrap();
        let b = big.build("new").spawn().unwrap();
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(a.status.success(), "{}", stderr(&a));
        assert!(b.status.success(), "{}", stderr(&b));
        let tree = platc::fs::read_out(&big.out()).unwrap();
        assert!(
            tree == platc::render::on_disk(big.old.clone())
                || tree == platc::render::on_disk(big.new.clone()),
            "round {round}: the final tree is a mix of both builds"
        );
    }
}

#[test]
fn a_held_lock_makes_build_wait_then_fail_clearly() {
    // A small project, so the build reaches the lock long before it is released.
    let dir = built_project();
    let out = dir.path().join("out");
    let lock = platc::fs::lock(&out, Duration::ZERO).unwrap();
    let child = platc()
        .arg("build")
        .current_dir(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(lock);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("platc: waited"), "{}", stderr(&o));

    // Past PLATC_LOCK_WAIT_SECS it fails clearly and writes nothing.
    let before = snapshot(&out);
    let _lock = platc::fs::lock(&out, Duration::ZERO).unwrap();
    let start = Instant::now();
    let o = platc()
        .arg("build")
        .current_dir(dir.path())
        .env("PLATC_LOCK_WAIT_SECS", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(start.elapsed() >= Duration::from_secs(1));
    let err = stderr(&o);
    assert!(
        err.contains("error[E0303]") && err.contains("another platc run is writing"),
        "{err}"
    );
    assert!(err.contains("PLATC_LOCK_WAIT_SECS"), "{err}");
    assert!(snapshot(&out) == before);
}

// --- issue 26: checked as a whole -----------------------------------------------------------

/// A pipeline of namespace `team`, with `extra` lines in its table.
fn pipeline(extra: &str) -> String {
    format!(
        "{HEAD}[namespaces.team.pipelines.etl]\nschedule = \"0 6 * * 1-5\"\nstarting_deadline = \"1h\"\nimage = \"registry.example.com/etl:1.0.0\"\nsteps = [{{ name = \"run\" }}]\n{extra}"
    )
}

#[test]
fn lint_missed_alert_fires_in_the_schedules_own_gaps() {
    // Weekdays at 06:00: the weekend is a 72-hour gap.
    expect(
        &pipeline("alerts = { missed_after = \"26h\" }\n"),
        &[("W0823", 9, "\"26h\"")],
    );
    expect(&pipeline("alerts = { missed_after = \"75h\" }\n"), &[]);
    // Suspended: the missed-run alert is off (a note, not a warning).
    let text = pipeline("suspend = true\nalerts = { missed_after = \"75h\" }\n");
    let compiled = compile_text("t.toml", "t.toml", text.clone(), SourceMap::default())
        .unwrap_or_else(|f| panic!("{:#?}", f.diagnostics));
    let notes: Vec<(String, String)> = compiled
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.code.to_string(),
                text[d.span.unwrap().range()].to_string(),
            )
        })
        .collect();
    assert_eq!(notes, [("N0824".to_string(), "true".to_string())]);
}

#[test]
fn lint_fixed_offset_and_legacy_time_zones_name_the_region() {
    for (zone, meant) in [
        ("EST", "America/New_York"),
        ("MST", "America/Denver"),
        ("HST", "Pacific/Honolulu"),
        ("EST5EDT", "America/New_York"),
        ("Etc/GMT+5", "America/New_York"),
    ] {
        let text = pipeline(&format!("time_zone = \"{zone}\"\n"));
        expect(&text, &[("W0825", 9, &format!("\"{zone}\""))]);
        let compiled = compile_text("t.toml", "t.toml", text, SourceMap::default())
            .unwrap_or_else(|f| panic!("{:#?}", f.diagnostics));
        let help = compiled.diagnostics[0].help.clone().unwrap_or_default();
        assert!(help.contains(meant), "{zone}: {help}");
    }
    expect(&pipeline("time_zone = \"America/New_York\"\n"), &[]);
    expect(&pipeline("time_zone = \"Etc/UTC\"\n"), &[]);
}

#[test]
fn lint_egress_to_a_port_the_service_does_not_listen_on() {
    let text = format!(
        "{HEAD}[services.kafka]\nnamespace = \"kafka\"\nports = [9092]\n\n[namespaces.team.network_policies.out]\negress = [{{ to = \"service:kafka\", ports = [9093] }}, {{ to = \"service:kafka\", ports = [9092] }}]\n"
    );
    expect(&text, &[("W0821", 9, "9093")]);
}

#[test]
fn lint_ingress_from_another_namespace_on_every_port() {
    let text = format!(
        "{HEAD}[namespaces.team.network_policies.in]\ningress = [{{ from = \"namespace:monitoring\" }}, {{ from = \"namespace:monitoring\", ports = [9090] }}, {{ from = \"self\" }}]\n"
    );
    expect(&text, &[("W0820", 5, "\"namespace:monitoring\"")]);
}

#[test]
fn pipeline_secret_keys_and_undeclared_secrets_count_env_and_files() {
    let text = r#"[platform]
name = "p"

[secret_stores.vault]
name = "vault-backend"

[namespaces.team.secrets.api]
store = "vault"
data = { API_KEY = "x/api#key" }

[namespaces.team.secrets.catalog]
store = "vault"
data_from = "x/catalog"

[namespaces.team.pipelines.etl]
schedule = "0 2 * * *"
starting_deadline = "1h"
image = "registry.example.com/etl:1.0.0"
env = { A = { secret = "api", key = "API_KEY" }, B = { secret = "api", key = "API_KEI" }, C = { secret = "nowhere", key = "K" } }
files = [{ secret = "catalog", path = "/etc/catalog" }]
steps = [{ name = "run" }]
"#;
    // The misspelt key of a declared Secret, the Secret nobody declares; `catalog` (used by
    // `files`) and `api` (used by `env`) are no "unused" notes any more.
    expect(
        text,
        &[("W0822", 19, "\"API_KEI\""), ("W0407", 19, "\"nowhere\"")],
    );
    let compiled = compile_text("t.toml", "t.toml", text.into(), SourceMap::default())
        .unwrap_or_else(|f| panic!("{:#?}", f.diagnostics));
    assert!(
        !compiled
            .diagnostics
            .iter()
            .any(|d| d.code.to_string() == "N0408")
    );
    let help = compiled
        .diagnostics
        .iter()
        .find(|d| d.code.to_string() == "W0822")
        .and_then(|d| d.help.clone());
    assert_eq!(help.as_deref(), Some("did you mean `API_KEY`?"));
}

#[test]
fn w0406_never_suggests_an_empty_resource_names() {
    // The account's pipelines mount no secret: `resource_names = []` would grant every one.
    let text = format!(
        "{HEAD}[namespaces.team.service_accounts.etl]\n\n[namespaces.team.roles.r]\nrules = [{{ resources = [\"secrets\"], verbs = [\"get\"] }}]\n\n[namespaces.team.role_bindings.b]\nrole = \"r\"\nsubjects = [\"serviceaccount:etl\"]\n\n[namespaces.team.pipelines.etl]\nschedule = \"0 2 * * *\"\nstarting_deadline = \"1h\"\nimage = \"registry.example.com/etl:1.0.0\"\nservice_account = \"etl\"\nsteps = [{{ name = \"run\" }}]\n"
    );
    let compiled = compile_text("t.toml", "t.toml", text, SourceMap::default())
        .unwrap_or_else(|f| panic!("{:#?}", f.diagnostics));
    let help = compiled
        .diagnostics
        .iter()
        .find(|d| d.code.to_string() == "W0406")
        .and_then(|d| d.help.clone())
        .unwrap_or_default();
    assert!(!help.contains("[]"), "{help}");
    assert!(help.contains("remove"), "{help}");
}

#[test]
fn allows_silence_one_finding_or_a_code_and_unused_ones_warn() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("m")).unwrap();
    fs::write(
        dir.path().join("platform.toml"),
        r#"[platform]
name = "p"

[lints]
allow = ["W0401"]

[namespaces.a]
manifests = ["m/*.yaml"]

[namespaces.a.network_policies.web]
ingress = [{ from = "0.0.0.0/0" }]  # platc:allow W0503
# platc:allow W0501
egress = [{ to = "0.0.0.0/0" }]
"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("m/api.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers:\n    - name: x\n      image: registry.example.com/x:latest  # platc:allow W0602\n      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n      resources: {limits: {cpu: 100m, memory: 64Mi}}\n",
    )
    .unwrap();
    let out = run(&["check", "--verbose"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Only the unused `W0401` of `[lints] allow` is reported.
    assert_eq!(err.matches("warning[").count(), 1, "{err}");
    assert!(
        err.contains("warning[W0827]: `[lints] allow` allows `W0401`"),
        "{err}"
    );
    for code in ["W0503", "W0501", "W0602"] {
        assert!(
            err.contains(&format!("platc: allowed {code} at ")),
            "{code}: {err}"
        );
    }
    // Without --verbose the allowed findings are not listed.
    let quiet = stderr(&run(&["check"], dir.path()));
    assert!(!quiet.contains("platc: allowed"), "{quiet}");
}

#[test]
fn check_format_json_lists_every_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("platform.toml"),
        "[platform]\nname = \"p\"\n\n[namespaces.a.network_policies.web]\ningress = [{ from = \"0.0.0.0/0\" }]\n",
    )
    .unwrap();
    let out = run(&["check", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["warnings"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "W0503");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["file"], "platform.toml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(21))
    );
    assert!(d["message"].as_str().unwrap().contains("0.0.0.0/0"));
    let denied = run(
        &["check", "--format", "json", "--deny-warnings"],
        dir.path(),
    );
    assert_eq!(denied.status.code(), Some(2));
    fs::write(
        dir.path().join("platform.toml"),
        "[platform]\nname = \"P\"\n",
    )
    .unwrap();
    let out = run(&["check", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"], 1);
    assert_eq!(doc["diagnostics"][0]["code"], "E0101");
}
