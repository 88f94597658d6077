//! Confinement against real trees: symlinks, `..`, wildcards, `.git`, the config itself, and
//! the invariant of [`super::holds`] over many random trees.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use super::{Match, PathError, Root};

/// A scratch folder with `root/` (holding `m/a.yaml`, `m/b.yaml`) and `outside/secret.yaml`.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("m")).unwrap();
    fs::create_dir_all(dir.path().join("outside")).unwrap();
    fs::write(root.join("m/a.yaml"), "a").unwrap();
    fs::write(root.join("m/b.yaml"), "b").unwrap();
    fs::write(dir.path().join("outside/secret.yaml"), "secret").unwrap();
    dir
}

fn root(dir: &Path) -> Root {
    Root::at(&dir.join("root"), "platform.toml").unwrap()
}

fn named(found: &[Match]) -> Vec<&str> {
    found.iter().map(|m| m.named.as_str()).collect()
}

fn outside(result: Result<Vec<Match>, PathError>) -> String {
    match result {
        Err(PathError::Outside(why)) => why,
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn literal_and_wildcard_patterns_match_inside() {
    let dir = scratch();
    let root = root(dir.path());
    assert_eq!(
        named(&root.matches("m/*.yaml").unwrap()),
        ["m/a.yaml", "m/b.yaml"]
    );
    assert_eq!(named(&root.matches("./m/a.yaml").unwrap()), ["m/a.yaml"]);
    assert_eq!(
        named(&root.matches("m/../m/b.yaml").unwrap()),
        ["m/../m/b.yaml"]
    );
    assert_eq!(
        named(&root.matches("**/*.yaml").unwrap()),
        ["m/a.yaml", "m/b.yaml"]
    );
    assert_eq!(
        root.matches("m/c.yaml"),
        Err(PathError::Failed("matches no files".into()))
    );
    assert!(matches!(
        root.matches("m/[.yaml"),
        Err(PathError::Failed(_))
    ));
}

#[test]
fn dot_dot_above_the_root_is_refused_before_anything_is_read() {
    let dir = scratch();
    let root = root(dir.path());
    let why = outside(root.matches("../outside/secret.yaml"));
    assert!(why.contains("`..` leads above the top"), "{why}");
    outside(root.matches("m/../../outside/*.yaml"));
    outside(root.matches("/etc/passwd"));
}

#[test]
fn symlinks_are_followed_inside_and_refused_outside() {
    let dir = scratch();
    let top = dir.path().join("root");
    symlink("a.yaml", top.join("m/inside.yaml")).unwrap();
    symlink("m", top.join("n")).unwrap();
    let root = root(dir.path());
    // Two names of one file: one match, the first name.
    let found = root.matches("m/*.yaml").unwrap();
    assert_eq!(named(&found), ["m/a.yaml", "m/b.yaml"]);
    assert_eq!(
        named(&root.matches("n/inside.yaml").unwrap()),
        ["n/inside.yaml"]
    );
    assert_eq!(
        root.matches("n/inside.yaml").unwrap()[0].physical,
        "m/a.yaml"
    );

    symlink("../../outside/secret.yaml", top.join("m/evil.yaml")).unwrap();
    // A root lives for one run, and lists each folder once: a new one sees the new link.
    let root = super::tests::root(dir.path());
    let why = outside(root.matches("m/*.yaml"));
    assert!(
        why.contains("`m/evil.yaml` is a symlink to `../../outside/secret.yaml`"),
        "{why}"
    );
    outside(root.matches("m/evil.yaml"));
    // A folder, absolute: refused when a wildcard goes through it.
    symlink(dir.path().join("outside"), top.join("out")).unwrap();
    let root = super::tests::root(dir.path());
    outside(root.matches("out/*.yaml"));
    outside(root.matches("*/secret.yaml"));
    // `..` after a link is taken from where the link leads.
    symlink("m", top.join("deep")).unwrap();
    let root = super::tests::root(dir.path());
    assert_eq!(
        root.matches("deep/../m/a.yaml").unwrap()[0].physical,
        "m/a.yaml"
    );
}

#[test]
fn absolute_symlinks_inside_the_root_are_followed() {
    let dir = scratch();
    let top = dir.path().join("root");
    let real = fs::canonicalize(&top).unwrap();
    symlink(real.join("m"), top.join("abs")).unwrap();
    let root = root(dir.path());
    assert_eq!(root.matches("abs/a.yaml").unwrap()[0].physical, "m/a.yaml");
}

#[test]
fn nothing_inside_git_is_read() {
    let dir = scratch();
    let top = dir.path().join("root");
    fs::create_dir(top.join(".git")).unwrap();
    fs::write(top.join(".git/config"), "[core]\n").unwrap();
    symlink(".git/config", top.join("m/config.yaml")).unwrap();
    let root = root(dir.path());
    outside(root.matches(".git/config"));
    outside(root.matches(".GIT/config"));
    outside(root.matches("m/config.yaml"));
    outside(root.matches(".*/config"));
}

#[test]
fn link_cycles_end() {
    let dir = scratch();
    let top = dir.path().join("root");
    symlink("loop2", top.join("loop1")).unwrap();
    symlink("loop1", top.join("loop2")).unwrap();
    symlink(".", top.join("m/self")).unwrap();
    let root = root(dir.path());
    assert!(matches!(root.matches("loop1"), Err(PathError::Failed(_))));
    // `**` does not go into linked folders, and a wildcard reaching the same folder again is
    // not expanded again.
    assert_eq!(
        named(&root.matches("**/*.yaml").unwrap()),
        ["m/a.yaml", "m/b.yaml"]
    );
    let deep = "m/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*/*.yaml";
    assert!(root.matches(deep).is_ok());
}

#[test]
fn each_folder_is_resolved_once() {
    let dir = scratch();
    let root = root(dir.path());
    for _ in 0..3 {
        root.matches("m/a.yaml").unwrap();
        root.matches("m/b.yaml").unwrap();
    }
    assert_eq!(root.folders.lock().unwrap().len(), 1);
}

#[test]
fn the_config_resolves_inside_its_root() {
    let dir = scratch();
    let top = dir.path().join("root");
    fs::write(top.join("real.toml"), "[platform]\nname = \"p\"\n").unwrap();
    symlink("real.toml", top.join("platform.toml")).unwrap();
    let root = Root::at(&top, "platform.toml").unwrap();
    assert!(root.read_config(Path::new("platform.toml")).is_ok());
    fs::remove_file(top.join("platform.toml")).unwrap();
    symlink("../outside/secret.yaml", top.join("platform.toml")).unwrap();
    let why = root.read_config(Path::new("platform.toml"));
    assert!(matches!(why, Err(PathError::Outside(_))), "{why:?}");
}

#[test]
fn a_fifo_is_not_waited_on() {
    let dir = scratch();
    let top = dir.path().join("root");
    let made = std::process::Command::new("mkfifo")
        .arg(top.join("m/fifo.yaml"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    let root = root(dir.path());
    // A FIFO is no regular file: not matched by a wildcard, and not opened by name.
    assert_eq!(
        named(&root.matches("m/*.yaml").unwrap()),
        ["m/a.yaml", "m/b.yaml"]
    );
    assert!(root.matches("m/fifo.yaml").is_err());
    let read = root.read("m/fifo.yaml", Path::new("m/fifo.yaml"), "a YAML file");
    assert!(matches!(read, Err(PathError::Failed(_))), "{read:?}");
}

#[test]
fn a_nested_repository_on_the_way_is_found() {
    let dir = scratch();
    let top = dir.path().join("root");
    fs::create_dir(top.join(".git")).unwrap();
    let folder = top.join("platform");
    fs::create_dir_all(folder.join("objects")).unwrap();
    fs::create_dir_all(folder.join("refs")).unwrap();
    let root = Root::new(
        fs::canonicalize(&top).unwrap(),
        true,
        vec!["platform".into()],
        "platform.toml".into(),
        "platform".into(),
    );
    assert_eq!(root.nested_repository(), None);
    fs::write(folder.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    assert_eq!(root.nested_repository().as_deref(), Some("platform"));
}

/// The invariant over random trees and patterns (the cargo-fuzz target `confine` runs the same
/// check coverage-guided).
#[test]
fn confinement_holds_over_random_trees() {
    let mut next = crate::testing::numbers(0x9e37_79b9_7f4a_7c15);
    let alphabet: &[&str] = &[
        "*",
        "**",
        "a",
        "b",
        "l",
        "m",
        "x.yaml",
        "..",
        ".",
        "/",
        "/",
        "/",
        "?",
        "[ab]",
        ".git",
        "secret.yaml",
        "outside",
    ];
    let cases = std::env::var("PLATC_CONFINE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    for case in 0..cases {
        let mut data = vec![16 + (next(16) as u8)];
        data.extend((0..48).map(|_| next(256) as u8));
        data.truncate(1 + 3 * usize::from(data[0] % 16));
        for _ in 0..4 {
            let pattern: String = (0..1 + next(8))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            data.extend(pattern.bytes());
            data.push(b'\n');
        }
        if let Err(broken) = super::holds(&data) {
            panic!("case {case}: {broken}\ninput: {data:?}");
        }
    }
}

#[test]
fn a_symlink_inside_a_repository_never_decides_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let base = fs::canonicalize(dir.path()).unwrap();
    for repo in ["checkout", "other"] {
        fs::create_dir_all(base.join(repo).join(".git")).unwrap();
    }
    fs::create_dir_all(base.join("other/platform")).unwrap();
    fs::create_dir_all(base.join("plain")).unwrap();
    // A link the pull request committed in the checkout, to another repository on the machine.
    symlink(base.join("other"), base.join("checkout/platform")).unwrap();
    let (top, repository) = super::top_down(&base.join("checkout/platform/platform"));
    assert_eq!((top, repository), (base.join("checkout"), true));
    // A link outside any repository is the operator's: followed.
    symlink(base.join("other"), base.join("plain/link")).unwrap();
    let (top, repository) = super::top_down(&base.join("plain/link/platform"));
    assert_eq!((top, repository), (base.join("plain/link"), true));
    // No repository at all: the config's folder.
    let (top, repository) = super::top_down(&base.join("plain"));
    assert_eq!((top, repository), (base.join("plain"), false));
}
