//! A pull request is untrusted input (issue 24): what platc reads. Each test is an attack from
//! the issue (or its neighbour), run against the built binary in a temporary tree with real
//! symlinks and real git repositories: reading outside the repository (item 1), `--base`
//! redirected by a repository the tree adds or by the caller's git environment (item 3), and a
//! file two patterns match (item 11). docs/security.md names the test behind each guarantee.
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use common::git;

/// What the files outside the repository hold: it must never reach stdout, stderr or out/.
const SECRET: &str = "OUTSIDE-SECRET-7f3a";

/// A scratch folder: `outside/` (files the pull request must not reach) and `repo/` (where
/// the config lives; a git repository when `git` is set).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(git_repo: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::create_dir_all(dir.path().join("repo")).unwrap();
        fs::write(
            outside.join("cm.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\ndata:\n  token: {SECRET}\n"),
        )
        .unwrap();
        fs::write(
            outside.join("tenant.toml"),
            format!("[namespaces.leaked]\nlabels = {{ token = \"{SECRET}\" }}\n"),
        )
        .unwrap();
        fs::write(
            outside.join("schema.json"),
            format!("{{\"type\": \"object\", \"description\": \"{SECRET}\"}}"),
        )
        .unwrap();
        fs::write(
            outside.join("platform.toml"),
            format!("[platform]\nname = \"p\"\n[namespaces.leaked]\nlabels = {{ token = \"{SECRET}\" }}\n"),
        )
        .unwrap();
        let s = Self { dir };
        if git_repo {
            git(&s.repo(), &["init", "-q", "-b", "main"]);
        }
        s
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.repo().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn link(&self, rel: &str, target: impl AsRef<Path>) {
        let path = self.repo().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
    }

    fn commit(&self, message: &str) {
        git(&self.repo(), &["add", "-A"]);
        git(&self.repo(), &["commit", "-q", "-m", message]);
    }
}

/// platc run in `dir`.
fn platc(dir: &Path, args: &[&str]) -> Output {
    platc_env(dir, args, &[])
}

fn platc_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::cargo_bin("platc")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "platc {args:?} panicked: {out:?}"
    );
    out
}

fn text(o: &Output) -> (i32, String, String) {
    (
        o.status.code().expect("killed by a signal"),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Asserts a refusal: exit 2, an E0305 at `at` (`FILE:LINE:COLUMN`), nothing of the outside
/// files anywhere, and no out/ written.
fn refused(s: &Scratch, o: &Output, at: &str) {
    let (code, stdout, stderr) = text(o);
    assert_eq!(code, 2, "not refused:\n{stderr}");
    assert!(stderr.contains("error[E0305]"), "{stderr}");
    assert!(
        stderr.contains(&format!("--> {at}")),
        "not at {at}:\n{stderr}"
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}{stderr}"
    );
    assert!(!s.repo().join("out").exists(), "out/ was written");
}

const HEAD: &str = "[platform]\nname = \"p\"\n";

/// A manifest holding one ConfigMap.
fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n")
}

/// A git repository at `dir` whose `main` holds `config` as `platform.toml`.
fn repository_holding(dir: &Path, config: &str) {
    fs::create_dir_all(dir).unwrap();
    git(dir, &["init", "-q", "-b", "main"]);
    fs::write(dir.join("platform.toml"), config).unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "main"]);
}

/// Every kind of pattern with `..` leading out: each refused at its own line, none read.
#[test]
fn patterns_leaving_the_repository_are_refused_at_the_pattern() {
    let kinds = [
        (
            "include = [\"../outside/tenant.toml\"]\n",
            "platform.toml:3:12",
        ),
        (
            "crd_schemas = [\"../outside/schema.json\"]\n",
            "platform.toml:3:16",
        ),
        (
            "[namespaces.a]\nmanifests = [\"../outside/cm.yaml\"]\n",
            "platform.toml:4:14",
        ),
        (
            "[templates.t]\nmanifests = [\"../outside/cm.yaml\"]\n[namespaces.a]\ntemplate = \"t\"\n",
            "platform.toml:4:14",
        ),
        (
            "[clusters.c]\nmanifests = [\"../outside/cm.yaml\"]\n",
            "platform.toml:4:14",
        ),
        (
            "[vars]\nup = \"..\"\n[namespaces.a]\nmanifests = [\"{{ vars.up }}/outside/cm.yaml\"]\n",
            "platform.toml:6:14",
        ),
        (
            "[namespaces.a]\nmanifests = [\"m/../../outside/*.yaml\"]\n",
            "platform.toml:4:14",
        ),
        (
            "[namespaces.a]\nmanifests = [\"/etc/passwd\"]\n",
            "platform.toml:4:14",
        ),
    ];
    for git_repo in [false, true] {
        for (rest, at) in kinds {
            let s = Scratch::new(git_repo);
            s.write("m/ok.yaml", &config_map("ok"));
            s.write("platform.toml", &format!("{HEAD}{rest}"));
            for command in ["check", "build"] {
                refused(&s, &platc(&s.repo(), &[command]), at);
            }
        }
    }
}

/// Symlinks out of the repository, at any component: a file, a folder a wildcard goes
/// through, a chain, an absolute link; in a git repository and outside git.
#[test]
fn symlinks_leading_out_are_refused_at_every_component() {
    let cases: [(&str, &str, &str); 6] = [
        ("m/evil.yaml", "../../outside/cm.yaml", "m/*.yaml"),
        ("m/evil.yaml", "../../outside/cm.yaml", "m/evil.yaml"),
        ("shared", "../outside", "shared/*.yaml"),
        ("shared", "../outside", "shared/cm.yaml"),
        ("m/chain.yaml", "../hop.yaml", "m/chain.yaml"),
        ("m/abs.yaml", "ABS/cm.yaml", "m/*.yaml"),
    ];
    for git_repo in [false, true] {
        for (link, target, pattern) in cases {
            let s = Scratch::new(git_repo);
            s.write("m/ok.yaml", &config_map("ok"));
            s.link("hop.yaml", "../outside/cm.yaml");
            let target = target.replace("ABS", &s.outside().to_string_lossy());
            s.link(link, &target);
            s.write(
                "platform.toml",
                &format!("{HEAD}[namespaces.a]\nmanifests = [\"{pattern}\"]\n"),
            );
            let o = platc(&s.repo(), &["build"]);
            refused(&s, &o, "platform.toml:4:14");
            assert!(text(&o).2.contains("is a symlink to"), "{}", text(&o).2);
        }
    }
}

/// The config given with `-c` may be a symlink, and so may a folder on its way: it must lead
/// inside the repository too.
#[test]
fn the_config_itself_must_resolve_inside() {
    let s = Scratch::new(true);
    s.link("platform.toml", "../outside/platform.toml");
    let (code, stdout, stderr) = text(&platc(&s.repo(), &["build"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error[E0305]: platform.toml: `platform.toml` is a symlink"),
        "{stderr}"
    );
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));

    let s = Scratch::new(true);
    s.link("platform", "../outside");
    let (code, _, stderr) = text(&platc(
        &s.repo(),
        &["check", "-c", "platform/platform.toml"],
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[E0305]"), "{stderr}");
    assert!(!stderr.contains(SECRET));

    // Inside the repository, a linked config and linked manifests are fine.
    let s = Scratch::new(true);
    s.write(
        "real/platform.toml",
        &format!("{HEAD}[namespaces.a]\nmanifests = [\"m/*.yaml\"]\n"),
    );
    s.write("real/m/a.yaml", &config_map("a"));
    s.link("real/m/b.yaml", "../../shared/b.yaml");
    s.write("shared/b.yaml", &config_map("b"));
    s.link("platform", "real");
    let (code, _, stderr) = text(&platc(
        &s.repo(),
        &["check", "-c", "platform/platform.toml"],
    ));
    assert_eq!(code, 0, "{stderr}");
}

/// In a git repository, the root is its top: a config in a subfolder may name files beside
/// it, with `..`, as long as they stay in the repository.
#[test]
fn parent_folders_inside_the_repository_are_allowed() {
    let s = Scratch::new(true);
    s.write(
        "platform/platform.toml",
        &format!("{HEAD}[namespaces.a]\nmanifests = [\"../shared/*.yaml\"]\n"),
    );
    s.write("shared/a.yaml", &config_map("a"));
    let (code, _, stderr) = text(&platc(
        &s.repo(),
        &["build", "-c", "platform/platform.toml"],
    ));
    assert_eq!(code, 0, "{stderr}");
    assert!(s.repo().join("out/default/a/configmap-a.yaml").exists());
    // Outside git the root is the config's folder.
    let s = Scratch::new(false);
    s.write(
        "platform/platform.toml",
        &format!("{HEAD}[namespaces.a]\nmanifests = [\"../shared/*.yaml\"]\n"),
    );
    s.write("shared/a.yaml", &config_map("a"));
    let o = platc(&s.repo(), &["check", "-c", "platform/platform.toml"]);
    let (code, _, stderr) = text(&o);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("leads above the top of the config's folder"),
        "{stderr}"
    );
}

/// `.git` holds the repository's own data (in CI, the checkout's credentials): never read.
#[test]
fn nothing_inside_dot_git_is_read() {
    let s = Scratch::new(true);
    let config = s.repo().join(".git/config");
    let mut git_config = fs::read_to_string(&config).unwrap();
    git_config.push_str(&format!(
        "[http]\n\textraheader = AUTHORIZATION: basic {SECRET}\n"
    ));
    fs::write(&config, git_config).unwrap();
    for pattern in [".git/config", "m/../.git/config", ".*/config"] {
        s.write(
            "platform.toml",
            &format!("{HEAD}[namespaces.a]\nmanifests = [\"{pattern}\"]\n"),
        );
        refused(&s, &platc(&s.repo(), &["check"]), "platform.toml:4:14");
    }
    s.link("m/creds.yaml", "../.git/config");
    s.write(
        "platform.toml",
        &format!("{HEAD}[namespaces.a]\nmanifests = [\"m/*.yaml\"]\n"),
    );
    refused(&s, &platc(&s.repo(), &["check"]), "platform.toml:4:14");
}

/// A file that is not the YAML or TOML platc expected (a key, a password file) is quoted one
/// line at most: the line at fault.
#[test]
fn a_file_that_is_not_what_platc_expected_is_quoted_one_line_at_most() {
    let s = Scratch::new(true);
    let files = [
        (
            "keys/id.yaml",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\nAAAAMwAAAAtzc2gtZWQyNTUxOQAAACAn\n-----END OPENSSH PRIVATE KEY-----\n",
        ),
        (
            "keys/passwd.yaml",
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
        ),
        (
            "keys/shadow.toml",
            "root:$6$salt$hash:19000:0:99999:7:::\nuser:$6$other$hash2:19000:0:99999:7:::\n",
        ),
        (
            "keys/shadow.json",
            "root:$6$json$hash:19000:0:99999:7:::\nuser:$6$json$hash2:19000:0:99999:7:::\n",
        ),
        (
            "keys/shadow.yaml",
            "a: [\nroot:$6$yaml$hash:19000:0:99999:7:::\nuser:$6$yaml$hash2:19000:0:99999:7:::\n",
        ),
    ];
    for (path, content) in files {
        s.write(path, content);
    }
    // Includes are merged before anything else is read: a run of their own.
    let configs = [
        "include = [\"keys/shadow.toml\"]\n",
        "crd_schemas = [\"keys/shadow.json\"]\n[namespaces.a]\nmanifests = [\"keys/id.yaml\", \"keys/passwd.yaml\", \"keys/shadow.yaml\"]\n",
    ];
    let mut all = String::new();
    for config in configs {
        s.write("platform.toml", &format!("{HEAD}{config}"));
        let (code, stdout, stderr) = text(&platc(&s.repo(), &["check"]));
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        all.push_str(&stderr);
    }
    for (path, content) in files {
        let quoted: Vec<&str> = content
            .lines()
            .filter(|l| l.len() > 3 && all.contains(&format!("| {l}")))
            .collect();
        assert!(quoted.len() <= 1, "{path}: {quoted:?} quoted:\n{all}");
    }
    assert!(
        all.contains("1 | -----BEGIN OPENSSH PRIVATE KEY-----"),
        "{all}"
    );
}

/// `diff --base`: the same confinement in git history. A pattern leading out, a symlink
/// committed in the tree, a config that is a symlink there: refused (not worked around with
/// the committed out/); a config in a subfolder naming `../shared` is read as on disk.
#[test]
fn the_base_revision_is_confined_too() {
    let config = |pattern: &str| format!("{HEAD}[namespaces.a]\nmanifests = [\"{pattern}\"]\n");
    // A symlink committed in the tree.
    let s = Scratch::new(true);
    s.write("m/ok.yaml", &config_map("ok"));
    s.link("m/evil.yaml", "../../outside/cm.yaml");
    s.write("platform.toml", &config("m/*.yaml"));
    s.commit("base with a link");
    fs::remove_file(s.repo().join("m/evil.yaml")).unwrap();
    let (code, stdout, stderr) = text(&platc(&s.repo(), &["diff", "--base", "HEAD"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[E0305]"), "{stderr}");
    assert!(
        stderr.contains("`m/evil.yaml` is a symlink at `HEAD`"),
        "{stderr}"
    );
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));

    // `..` above the top at the base.
    let s = Scratch::new(true);
    s.write("platform/m/ok.yaml", &config_map("ok"));
    s.write("platform/platform.toml", &config("../../outside/cm.yaml"));
    s.commit("base leading out");
    s.write("platform/platform.toml", &config("m/ok.yaml"));
    let o = platc(
        &s.repo(),
        &["diff", "-c", "platform/platform.toml", "--base", "HEAD"],
    );
    let (code, _, stderr) = text(&o);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[E0305]"), "{stderr}");
    assert!(
        stderr.contains("HEAD:platform/platform.toml:4:14"),
        "{stderr}"
    );

    // The config a symlink at the base.
    let s = Scratch::new(true);
    s.write("real.toml", &config("m/ok.yaml"));
    s.write("m/ok.yaml", &config_map("ok"));
    s.link("platform.toml", "real.toml");
    s.commit("a linked config");
    fs::remove_file(s.repo().join("platform.toml")).unwrap();
    s.write("platform.toml", &config("m/ok.yaml"));
    let (code, _, stderr) = text(&platc(&s.repo(), &["diff", "--base", "HEAD"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`platform.toml` is a symlink at `HEAD`"),
        "{stderr}"
    );

    // Inside the repository, `..` from a subfolder reads the base as it reads the disk.
    let s = Scratch::new(true);
    s.write("shared/a.yaml", &config_map("a"));
    s.write("platform/platform.toml", &config("../shared/*.yaml"));
    s.commit("base");
    let o = platc(
        &s.repo(),
        &["diff", "-c", "platform/platform.toml", "--base", "HEAD"],
    );
    let (code, _, stderr) = text(&o);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("no change"), "{stderr}");
    assert!(!stderr.contains("does not compile"), "{stderr}");
}

const V1: &str = "[platform]\nname = \"p\"\n[namespaces.team]\n";
const V2: &str = "[platform]\nname = \"p\"\n[namespaces.team]\n[namespaces.team.role_bindings.everything]\ncluster_role = \"cluster-admin\"\nsubjects = [\"group:everyone\"]\n";

/// The attack of issue 24, item 3: a pull request adds a bare repository's layout beside a
/// config in a subfolder (with `core.worktree = .`), holding its own history in which `main`
/// already has the pull request's config. git run in that folder took it for the repository,
/// and the comment said "no changes" for a new cluster-admin binding.
#[test]
fn a_repository_the_tree_adds_cannot_choose_the_history() {
    let s = Scratch::new(true);
    s.write("platform/platform.toml", V1);
    s.commit("main");
    git(&s.repo(), &["checkout", "-q", "-b", "pr"]);
    s.write("platform/platform.toml", V2);
    // The layout: a bare clone of a repository whose `main` holds V2 at platform.toml.
    let forged = s.dir.path().join("forged");
    repository_holding(&forged, V2);
    let bare = s.dir.path().join("bare");
    git(
        s.dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            &forged.to_string_lossy(),
            &bare.to_string_lossy(),
        ],
    );
    common::copy_dir(&bare, &s.repo().join("platform"));
    // A work tree of its own, the folder itself: git run there reads the forged history.
    git(
        &s.repo(),
        &["config", "-f", "platform/config", "core.bare", "false"],
    );
    git(
        &s.repo(),
        &["config", "-f", "platform/config", "core.worktree", "."],
    );

    let args = [
        "diff",
        "-c",
        "platform/platform.toml",
        "--base",
        "main",
        "--format",
        "markdown",
    ];
    let (code, stdout, stderr) = text(&platc(&s.repo(), &args));
    assert_eq!(code, 2, "not refused:\n{stdout}\n{stderr}");
    assert!(stderr.contains("error[E0306]"), "{stderr}");
    assert!(
        stderr.contains("`platform` is a git repository inside the repository"),
        "{stderr}"
    );

    // Without the layout, the binding shows.
    for entry in [
        "HEAD",
        "objects",
        "refs",
        "config",
        "packed-refs",
        "description",
        "hooks",
        "info",
    ] {
        let p = s.repo().join("platform").join(entry);
        let _ = fs::remove_dir_all(&p).or_else(|_| fs::remove_file(&p));
    }
    let (code, stdout, stderr) = text(&platc(&s.repo(), &args));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stdout.contains("| added | `default` | `team` | `RoleBinding` | `everything` |"),
        "{stdout}"
    );
}

/// git never sees the caller's environment: `GIT_DIR` pointing at another repository, a
/// global or system config (here a broken one, which git would refuse to start with),
/// `GIT_CONFIG_*` settings, tracing to a file.
#[test]
fn git_runs_without_the_callers_environment() {
    let s = Scratch::new(true);
    s.write("platform.toml", V1);
    s.commit("main");
    s.write("platform.toml", V2);
    let other = s.dir.path().join("other");
    repository_holding(&other, V2);
    let broken = s.dir.path().join("broken.gitconfig");
    fs::write(&broken, "[core\n\tbroken = \n").unwrap();
    let home = s.dir.path().join("home");
    fs::create_dir_all(&home).unwrap();
    fs::copy(&broken, home.join(".gitconfig")).unwrap();
    let trace = s.dir.path().join("trace");
    let other_git = other.join(".git");
    let cases: [(&str, &str); 6] = [
        ("GIT_DIR", &other_git.to_string_lossy()),
        ("GIT_CONFIG_GLOBAL", &broken.to_string_lossy()),
        ("GIT_CONFIG_SYSTEM", &broken.to_string_lossy()),
        ("HOME", &home.to_string_lossy()),
        ("GIT_CONFIG_PARAMETERS", "'core.bare'='true'"),
        ("GIT_TRACE", &trace.to_string_lossy()),
    ];
    for (name, value) in cases {
        let o = platc_env(
            &s.repo(),
            &["diff", "--base", "HEAD", "--format", "markdown"],
            &[(name, value)],
        );
        let (code, stdout, stderr) = text(&o);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(
            stdout.contains("| added | `default` | `team` | `RoleBinding` | `everything` |"),
            "{name}: {stdout}"
        );
        assert!(!trace.exists(), "{name}: git traced to a file");
    }
}

/// The repository's own config starts no program: an fsmonitor, hooks, a pager, an external
/// diff, a textconv driver and a smudge filter the tree's `.gitattributes` selects for the
/// config and the manifests.
#[test]
fn the_repository_config_runs_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new(true);
    let marker = s.dir.path().join("marker");
    let script = s.dir.path().join("script.sh");
    fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\necho converted\n", marker.display()),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let hooks = s.dir.path().join("hooks");
    fs::create_dir_all(&hooks).unwrap();
    for hook in [
        "pre-commit",
        "post-checkout",
        "reference-transaction",
        "post-index-change",
    ] {
        fs::copy(&script, hooks.join(hook)).unwrap();
        fs::set_permissions(hooks.join(hook), fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = script.to_string_lossy().into_owned();
    for (key, value) in [
        ("core.fsmonitor", script.as_str()),
        ("core.hooksPath", &hooks.to_string_lossy()),
        ("core.pager", script.as_str()),
        ("diff.external", script.as_str()),
        ("diff.conv.textconv", script.as_str()),
        ("filter.conv.smudge", script.as_str()),
    ] {
        git(&s.repo(), &["config", key, value]);
    }
    s.write(
        ".gitattributes",
        "*.toml diff=conv filter=conv\n*.yaml diff=conv filter=conv\n",
    );
    s.write("m/a.yaml", &config_map("a"));
    let with_manifests = |config: &str| {
        let list = "[namespaces.team]\nmanifests = [\"m/*.yaml\"]\n";
        config.replacen("[namespaces.team]\n", list, 1)
    };
    s.write("platform.toml", &with_manifests(V1));
    s.commit("main");
    // The test's own git runs the hooks; platc's must not.
    let _ = fs::remove_file(&marker);
    s.write("platform.toml", &with_manifests(V2));
    let args = ["diff", "--base", "HEAD", "--format", "markdown"];
    let (code, stdout, stderr) = text(&platc(&s.repo(), &args));
    assert_eq!(code, 1, "{stderr}");
    assert!(!stdout.contains("converted"), "{stdout}");
    assert!(stdout.contains("RoleBinding"), "{stdout}");
    assert!(!marker.exists(), "diff --base started a program");
    // build asks git for HEAD's copy of the files it rewrites (the hand-edit check).
    platc(&s.repo(), &["build"]);
    s.commit("built");
    let _ = fs::remove_file(&marker);
    let file = s.repo().join("out/default/team/namespace-team.yaml");
    fs::write(
        &file,
        format!("{}# edited\n", fs::read_to_string(&file).unwrap()),
    )
    .unwrap();
    let (code, _, stderr) = text(&platc(&s.repo(), &["build"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("edited by hand"), "{stderr}");
    assert!(!marker.exists(), "build started a program");
}

/// Item 11: a file two patterns match is read once (not "defined twice"), through a symlink
/// to it too, for manifests, includes and schemas.
#[test]
fn overlapping_patterns_read_a_file_once() {
    let s = Scratch::new(true);
    for name in ["a", "b", "c"] {
        s.write(&format!("m/{name}.yaml"), &config_map(name));
    }
    s.link("m/d.yaml", "c.yaml");
    s.write("t/a.toml", "[namespaces.x]\n");
    s.write("s/example.com_widget_v1.json", "{\"type\": \"object\"}");
    s.write(
        "platform.toml",
        &format!(
            "{HEAD}include = [\"t/*.toml\", \"t/a.toml\"]\ncrd_schemas = [\"s/*.json\", \"s/example.com_widget_v1.json\"]\n[namespaces.a]\nmanifests = [\"m/*.yaml\", \"m/c.yaml\", \"./m/c.yaml\"]\n"
        ),
    );
    let (code, _, stderr) = text(&platc(&s.repo(), &["build"]));
    assert_eq!(code, 0, "{stderr}");
    let files: Vec<String> = fs::read_dir(s.repo().join("out/default/a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("configmap-"))
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(s.repo().join("out/default/x").exists());
}

/// Item 11 at scale: thousands of files each matched by a wildcard and by name give no error
/// (the issue saw two per file), and every object once.
#[test]
fn many_files_matched_twice_are_read_once() {
    let s = Scratch::new(false);
    let n = 2000;
    let mut names = Vec::new();
    for i in 0..n {
        s.write(&format!("m/cm-{i}.yaml"), &config_map(&format!("cm-{i}")));
        names.push(format!("\"m/cm-{i}.yaml\""));
    }
    s.write(
        "platform.toml",
        &format!(
            "{HEAD}[namespaces.a]\nmanifests = [\"m/*.yaml\", {}]\n",
            names.join(", ")
        ),
    );
    let (code, _, stderr) = text(&platc(&s.repo(), &["check"]));
    assert_eq!(code, 0, "{}", &stderr[..stderr.len().min(2000)]);
    // The namespace's own objects (Namespace, two network policies) and each ConfigMap once.
    assert!(stderr.contains(&format!("{} objects", n + 3)), "{stderr}");
}
