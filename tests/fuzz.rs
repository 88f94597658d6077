//! Never panic, always locate: the in-process pipeline (`platc::app::compile_text`) over random
//! text, TOML token soup, and structure-aware mutations of valid configs (the repository's
//! platform.toml, the starter and `tests/fuzz-corpus/`). For every input: no panic, bounded
//! time, and either a tree whose paths stay inside `out/`, or at least one error, every error
//! located inside the file. Rendering the diagnostics must not panic either.
//!
//! Case counts are bounded so the suite runs in well under a minute in debug; set
//! `PLATC_FUZZ_CASES` to run more (e.g. `PLATC_FUZZ_CASES=20000 cargo test --release --test
//! fuzz`). Every input that once broke platc lives in `tests/fuzz-corpus/` and is replayed by
//! `corpus_replays_cleanly`. The coverage-guided twin is `fuzz/` (cargo-fuzz).

#[allow(dead_code)] // the in-memory loader serves tests/fuzz_manifests.rs
mod invariant;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use platc::app::compile_text;
use platc::diag::SourceMap;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config(default: u32) -> Config {
    Config {
        cases: invariant::cases(default),
        // Found failures go into tests/fuzz-corpus/ by hand, with a regression test.
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    }
}

/// The invariant (`tests/invariant/`) over the config alone (no files besides it).
fn check(text: &str) -> Result<(), TestCaseError> {
    let start = Instant::now();
    let result = compile_text(
        "fuzz.toml",
        "fuzz.toml",
        text.to_string(),
        SourceMap::default(),
    );
    invariant::check(result, start.elapsed(), "fuzz.toml").map_err(TestCaseError::fail)
}

/// Configs the mutations start from: the repository's own, the starter and the corpus (all
/// parse as TOML; most are valid platforms).
fn seeds() -> &'static [(PathBuf, String)] {
    static SEEDS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut files = vec![
            root().join("platform.toml"),
            root().join("src/starter.toml"),
        ];
        files.extend(corpus_files());
        files
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
            .filter(|(_, t)| t.parse::<toml::Table>().is_ok())
            .collect()
    })
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/fuzz-corpus"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    files
}

#[test]
fn corpus_replays_cleanly() {
    let files = corpus_files();
    assert!(files.len() >= 4, "tests/fuzz-corpus/ is missing");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(e) = check(&text) {
            panic!("{}: {e}", path.display());
        }
    }
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "\"",
    "'",
    "\"\"\"",
    "\n",
    " ",
    "#",
    "\\",
    "platform",
    "name",
    "namespaces",
    "pipelines",
    "roles",
    "rules",
    "verbs",
    "resources",
    "services",
    "clusters",
    "argocd",
    "defaults",
    "labels",
    "quota",
    "limits",
    "default",
    "default_request",
    "network_policies",
    "egress",
    "ingress",
    "to",
    "from",
    "ports",
    "steps",
    "schedule",
    "image",
    "topic",
    "alerts",
    "role_bindings",
    "subjects",
    "service_accounts",
    "\"a\"",
    "\"x-y\"",
    "\"0.0.0.0/0\"",
    "\"*\"",
    "\"service:kafka\"",
    "\"self\"",
    "\"500m\"",
    "\"1Gi\"",
    "\"7d\"",
    "\"@daily\"",
    "\"0 2 * * *\"",
    "0",
    "1",
    "-1",
    "65536",
    "1e400",
    "9223372036854775808",
    "true",
    "inf",
    "nan",
    "1979-05-27T07:32:00Z",
    "[]",
    "{}",
    "ü",
    "\t",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        // read_config rejects invalid UTF-8 before parsing; what gets through is lossy text.
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(&text)?;
    }

    #[test]
    fn token_soup_never_panics(text in token_soup()) {
        check(&text)?;
    }
}

// --- structure-aware mutations -------------------------------------------------------------

/// One step along a path in a TOML value tree.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn all_paths(v: &toml::Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        toml::Value::Table(t) => {
            for (k, child) in t {
                prefix.push(Step::Key(k.clone()));
                out.push(prefix.clone());
                all_paths(child, prefix, out);
                prefix.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(Step::Index(i));
                out.push(prefix.clone());
                all_paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(v: &'a mut toml::Value, path: &[Step]) -> Option<&'a mut toml::Value> {
    let mut v = v;
    for s in path {
        v = match (s, v) {
            (Step::Key(k), toml::Value::Table(t)) => t.get_mut(k)?,
            (Step::Index(i), toml::Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

const STRINGS: &[&str] = &[
    "",
    " ",
    "*",
    "-",
    "a",
    "UPPER",
    "0.0.0.0/0",
    "::/0",
    "10.0.0.1/8",
    "-1",
    "1e30",
    "1e-30",
    "99999999999999999999999999999Ei",
    "0.0000000001m",
    "1000m",
    "1024Mi",
    "0",
    "self",
    "service:",
    "service:kafka",
    "namespace:",
    "namespace:..",
    "serviceaccount:",
    "serviceaccount:/",
    "serviceaccount:a/b/c",
    "group:",
    "user:x",
    "../../etc/passwd",
    "/abs",
    "a/b",
    "\\",
    "\0",
    "ü",
    "🦀",
    "@daily",
    "@reboot",
    "* * * * * *",
    "*/0 * * * *",
    "Etc/UTC",
    "Mars/Olympus",
    "7d",
    "0s",
    "99999999999999999999d",
    "list",
    "secrets",
    "pods/exec",
    "escalate",
    "latest",
    "registry.example.com/a:1",
    "https://kubernetes.default.svc",
    "egress",
    "ingress",
    "forbid",
    "critical",
    "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-u-v-w-x-y-z-0-1-2-3-4-5-6-7-8-9-a-b-c",
];

const KEYS: &[&str] = &[
    "",
    "x",
    "UPPER",
    "a.b",
    "with space",
    "ü",
    "-x-",
    "default",
    "production",
    "kafka",
    "name",
    "namespaces",
    "pipelines",
    "roles",
    "services",
    "clusters",
    "argocd",
    "limits",
    "quota",
    "egress",
    "ingress",
    "to",
    "ports",
    "steps",
    "topic",
    "alerts",
    "role",
    "cluster_role",
    "cluster",
    "clusters",
    "allow_dns",
    "default_deny",
    "min",
    "max",
    "cpu",
    "memory",
    "ephemeral-storage",
    "resource_names",
    "api_groups",
    "verbs",
    "resources",
    "subjects",
    "service_account",
    "schedule",
    "image",
    "time_zone",
    "secrets",
    "config_maps",
    "retention",
];

fn garbage(pick: u32) -> toml::Value {
    let n = STRINGS.len() as u32;
    match pick % (n + 14) {
        i if i < n => toml::Value::String(STRINGS[i as usize].into()),
        i => match i - n {
            0 => toml::Value::Integer(0),
            1 => toml::Value::Integer(-1),
            2 => toml::Value::Integer(i64::MAX),
            3 => toml::Value::Integer(i64::MIN),
            4 => toml::Value::Integer(65536),
            5 => toml::Value::Integer(4_294_967_296),
            6 => toml::Value::Float(f64::NAN),
            7 => toml::Value::Float(1e300),
            8 => toml::Value::Boolean(true),
            9 => toml::Value::Array(vec![]),
            10 => toml::Value::Table(toml::Table::new()),
            11 => toml::Value::Array(vec![
                toml::Value::Integer(1),
                toml::Value::String("a".into()),
            ]),
            12 => toml::Value::Datetime("1979-05-27T07:32:00Z".parse().unwrap()),
            _ => toml::Value::String("x".repeat(300)),
        },
    }
}

/// Applies one mutation chosen by `op`, at the path chosen by `at`, with `arg` choosing values.
fn mutate(doc: &mut toml::Value, op: u8, at: u32, arg: u32) {
    let mut paths = Vec::new();
    all_paths(doc, &mut Vec::new(), &mut paths);
    if paths.is_empty() {
        return;
    }
    let path = paths[at as usize % paths.len()].clone();
    let other = paths[arg as usize % paths.len()].clone();
    let (last, parent) = path.split_last().expect("paths are non-empty");
    match op % 7 {
        // Delete the key or element.
        0 => match (get_mut(doc, parent), last) {
            (Some(toml::Value::Table(t)), Step::Key(k)) => {
                t.remove(k);
            }
            (Some(toml::Value::Array(a)), Step::Index(i)) if *i < a.len() => {
                a.remove(*i);
            }
            _ => {}
        },
        // Duplicate it under another name (or at the end of its array).
        1 => {
            let Some(value) = get_mut(doc, &path).map(|v| v.clone()) else {
                return;
            };
            match get_mut(doc, parent) {
                Some(toml::Value::Table(t)) => {
                    let key = KEYS[arg as usize % KEYS.len()];
                    t.insert(key.to_string(), value);
                }
                Some(toml::Value::Array(a)) => a.push(value),
                _ => {}
            }
        }
        // Retype: replace with a value of another type or a tricky string.
        2 => {
            if let Some(v) = get_mut(doc, &path) {
                *v = garbage(arg);
            }
        }
        // Copy another part of the document here (a value where a different one belongs).
        3 => {
            let Some(value) = get_mut(doc, &other).map(|v| v.clone()) else {
                return;
            };
            if let Some(v) = get_mut(doc, &path) {
                *v = value;
            }
        }
        // Rename the key.
        4 => {
            if let (Some(toml::Value::Table(t)), Step::Key(k)) = (get_mut(doc, parent), last)
                && let Some(v) = t.remove(k)
            {
                t.insert(KEYS[arg as usize % KEYS.len()].to_string(), v);
            }
        }
        // Insert a garbage key into the table.
        5 => {
            let target = match get_mut(doc, &path) {
                Some(toml::Value::Table(_)) => path.as_slice(),
                _ => parent,
            };
            if let Some(toml::Value::Table(t)) = get_mut(doc, target) {
                t.insert(
                    KEYS[arg as usize % KEYS.len()].to_string(),
                    garbage(arg / 7),
                );
            }
        }
        // Empty a list or table.
        _ => match get_mut(doc, &path) {
            Some(toml::Value::Array(a)) => a.clear(),
            Some(toml::Value::Table(t)) => t.clear(),
            _ => {}
        },
    }
}

/// Text-level damage: truncate, insert, delete, duplicate or swap lines.
fn damage(text: &str, op: u8, a: u32, b: u32) -> String {
    let at = |n: u32| {
        let mut i = n as usize % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let lines: Vec<&str> = text.lines().collect();
    match op % 5 {
        0 => text[..at(a)].to_string(),
        1 => {
            let i = at(a);
            let junk = TOKENS[b as usize % TOKENS.len()];
            format!("{}{junk}{}", &text[..i], &text[i..])
        }
        2 => {
            let (i, j) = (at(a), at(b));
            let (i, j) = (i.min(j), i.max(j));
            format!("{}{}", &text[..i], &text[j..])
        }
        3 if !lines.is_empty() => {
            let mut l = lines.clone();
            let i = a as usize % l.len();
            l.insert(b as usize % l.len(), lines[i]);
            l.join("\n")
        }
        _ if !lines.is_empty() => {
            let mut l = lines.clone();
            let n = l.len();
            l.swap(a as usize % n, b as usize % n);
            l.join("\n")
        }
        _ => text.to_string(),
    }
}

fn seed_index() -> impl Strategy<Value = usize> {
    0..seeds().len()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn mutated_configs_never_panic(
        seed in seed_index(),
        ops in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..5),
    ) {
        let (_, text) = &seeds()[seed];
        let Ok(table) = text.parse::<toml::Table>() else { return Ok(()) };
        let mut doc = toml::Value::Table(table);
        for (op, at, arg) in ops {
            mutate(&mut doc, op, at, arg);
        }
        // Some mutations (NaN) have no TOML text; the rest must hold the invariant.
        if let toml::Value::Table(t) = &doc
            && let Ok(text) = toml::to_string(t)
        {
            check(&text)?;
        }
    }

    #[test]
    fn damaged_configs_never_panic(
        seed in seed_index(),
        ops in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..4),
    ) {
        let (_, text) = &seeds()[seed];
        let mut text = text.clone();
        for (op, a, b) in ops {
            text = damage(&text, op, a, b);
        }
        check(&text)?;
    }
}

#[test]
fn mutations_reach_deep_values() {
    // The mutator must see every level, or the structure-aware fuzzing is shallow.
    let (_, text) = &seeds()[0];
    let doc = toml::Value::Table(text.parse::<toml::Table>().unwrap());
    let mut paths = Vec::new();
    all_paths(&doc, &mut Vec::new(), &mut paths);
    assert!(paths.iter().any(|p| p.len() >= 6), "{} paths", paths.len());
}
