//! Never panic, always locate, for the files a config names: the YAML of `manifests` and the
//! RFC 6902 operations of `[[namespaces.NAME.patches]]`. The whole in-process pipeline
//! (`platc::app::compile_with`) runs with an in-memory loader serving a fixed platform
//! (`tests/fuzz-platform/`) and the fuzzed files, over random bytes and text, YAML token soup,
//! structure-aware mutations of valid manifests (`tests/fuzz-corpus/manifests/seed-*.yaml`),
//! alias bombs and deep nesting, and generated patches. The invariant is `tests/invariant/`,
//! the one `tests/fuzz.rs` checks: no panic, bounded time, and either a tree inside `out/` or
//! located errors, each inside the file it names.
//!
//! Case counts are bounded so the suite runs in well under a minute in debug; set
//! `PLATC_FUZZ_CASES` to run more. Every manifest that once broke platc lives in
//! `tests/fuzz-corpus/manifests/` and is replayed by `manifest_corpus_replays_cleanly`. The
//! coverage-guided twins are `fuzz/fuzz_targets/manifests.rs` and `patches.rs`.

mod invariant;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use invariant::MemoryLoader;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};

/// The platform whose namespace `x` lists `manifests/*.yaml`.
const MANIFESTS_PLATFORM: &str = include_str!("fuzz-platform/manifests.toml");
/// The platform with a CronJob pipeline and a Deployment manifest, for patches.
const PATCHES_PLATFORM: &str = include_str!("fuzz-platform/patches.toml");
/// The schema of the custom resource `example.com/v1` Widget.
const WIDGET_SCHEMA: &str = include_str!("fuzz-platform/widget.schema.json");
/// The Deployment the patches platform serves as `manifests/api.yaml`.
const DEPLOYMENT: &str = include_str!("fuzz-corpus/manifests/seed-deployment.yaml");
/// The cluster-scoped objects the manifests platform lists (`cluster/*.yaml`).
const CLUSTER_SEED: &str = include_str!("fuzz-corpus/manifests/seed-cluster.yaml");

fn config(default: u32) -> Config {
    Config {
        cases: invariant::cases(default),
        // Found failures go into tests/fuzz-corpus/manifests/ by hand, with a regression test.
        failure_persistence: None,
        max_shrink_iters: 2000,
        ..Config::default()
    }
}

/// The loader of the manifests platform: `files` as the namespace's `manifests/0.yaml`, ...,
/// and `cluster` as the cluster's `cluster/0.yaml`.
fn loader<S: AsRef<str>>(files: &[S], cluster: &str) -> MemoryLoader {
    let mut loader = MemoryLoader::default()
        .with("schemas/widget.json", WIDGET_SCHEMA)
        .with("cluster/0.yaml", cluster);
    for (i, text) in files.iter().enumerate() {
        loader = loader.with(&format!("manifests/{i}.yaml"), text.as_ref());
    }
    loader
}

/// The loader with `files` as the namespace's manifests, the cluster's as seeded.
fn manifests_loader<S: AsRef<str>>(files: &[S]) -> MemoryLoader {
    loader(files, CLUSTER_SEED)
}

/// The invariant, with `files` as the namespace's manifests.
fn check_manifests<S: AsRef<str>>(files: &[S]) -> Result<(), TestCaseError> {
    check_loaded(&manifests_loader(files))
}

/// The loader with `text` where the seed named `seed` belongs: the cluster's manifests for
/// `seed-cluster.yaml` (beside the Deployment in the namespace), the namespace's for the others.
fn loader_in_place_of(seed: &str, text: &str) -> MemoryLoader {
    if seed == "seed-cluster.yaml" {
        loader(&[DEPLOYMENT], text)
    } else {
        manifests_loader(&[text])
    }
}

/// The invariant, with `text` where the seed named `seed` belongs.
fn check_in_place_of(seed: &str, text: String) -> Result<(), TestCaseError> {
    check_loaded(&loader_in_place_of(seed, &text))
}

fn check_loaded(loader: &MemoryLoader) -> Result<(), TestCaseError> {
    invariant::compile_and_check("platform.toml", MANIFESTS_PLATFORM, loader)
        .map_err(TestCaseError::fail)
}

/// The manifests platform compiled with the files of `loader`.
fn compile(loader: &MemoryLoader) -> Result<platc::app::Compiled, platc::app::Failed> {
    platc::app::compile_with(
        "platform.toml",
        "platform.toml",
        MANIFESTS_PLATFORM.to_string(),
        platc::diag::SourceMap::default(),
        loader,
    )
}

/// The rendered diagnostics of a failed run, for test messages.
fn rendered(f: &platc::app::Failed) -> String {
    platc::diag::render_all(&f.diagnostics, &f.sources, false)
}

/// The invariant, with `patches` (TOML) appended to the patches platform.
fn check_patches(patches: &str) -> Result<(), TestCaseError> {
    let text = format!("{PATCHES_PLATFORM}\n{patches}");
    let loader = MemoryLoader::default().with("manifests/api.yaml", DEPLOYMENT);
    invariant::compile_and_check("platform.toml", &text, &loader).map_err(TestCaseError::fail)
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus/manifests")
}

/// Every file of `tests/fuzz-corpus/manifests/`, sorted: the seeds and what once broke platc.
fn corpus() -> &'static [(String, String)] {
    static CORPUS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files: Vec<(String, String)> = std::fs::read_dir(corpus_dir())
            .expect("tests/fuzz-corpus/manifests/")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    })
}

/// The valid manifests the mutations start from.
fn seeds() -> &'static [(String, String)] {
    static SEEDS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        corpus()
            .iter()
            .filter(|(name, _)| name.starts_with("seed-"))
            .cloned()
            .collect()
    })
}

#[test]
fn seeds_compile() {
    // Mutations of manifests that never compiled would only exercise the first error.
    assert!(
        seeds().len() >= 7,
        "tests/fuzz-corpus/manifests/ is missing"
    );
    for (name, text) in seeds() {
        if let Err(f) = compile(&loader_in_place_of(name, text)) {
            panic!("{name}:\n{}", rendered(&f));
        }
    }
    // All of them at once.
    let all: Vec<&str> = seeds()
        .iter()
        .filter(|(name, _)| name != "seed-cluster.yaml")
        .map(|(_, t)| t.as_str())
        .collect();
    if let Err(f) = compile(&manifests_loader(&all)) {
        panic!("all seeds:\n{}", rendered(&f));
    }
}

#[test]
fn manifest_corpus_replays_cleanly() {
    for (name, text) in corpus() {
        if let Err(e) = check_in_place_of(name, text.clone()) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn kinds_and_names_that_make_unsafe_paths_are_located_errors() {
    // Regressions: each object of these corpus files once compiled to a file whose path left
    // out/ or held a NUL or `\`; each is now an E0703 at its kind or name.
    for (file, wanted) in [
        ("kind-is-a-path.yaml", ["\"\\0\"", "../../../evil"]),
        ("role-name-is-a-path.yaml", ["\"\\0\"", "'a\\b'"]),
    ] {
        let text = std::fs::read_to_string(corpus_dir().join(file)).unwrap();
        let failed = compile(&manifests_loader(&[&text]))
            .err()
            .unwrap_or_else(|| panic!("{file} compiled"));
        let at: Vec<&str> = failed
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str() == "E0703")
            .filter_map(|d| d.span)
            .map(|s| &failed.sources.file(s.file).text[s.range()])
            .collect();
        assert_eq!(at, wanted, "{file}");
    }
}

// --- unstructured input ---------------------------------------------------------------------

const TOKENS: &[&str] = &[
    ":",
    ": ",
    "-",
    "- ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "---\n",
    "...\n",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "\"",
    "'",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!map ",
    "!!seq ",
    "!custom ",
    "|\n",
    ">-\n",
    "# c\n",
    "? ",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2024:\n",
    "\t",
    "\n",
    "\r\n",
    "  ",
    "    ",
    "\n  ",
    "\n    ",
    "\n- ",
    "apiVersion",
    "v1",
    "apps/v1",
    "rbac.authorization.k8s.io/v1",
    "example.com/v1",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "spec",
    "template",
    "containers",
    "image",
    "replicas",
    "resources",
    "requests",
    "limits",
    "cpu",
    "memory",
    "storage",
    "items",
    "data",
    "stringData",
    "rules",
    "verbs",
    "size",
    "Deployment",
    "Service",
    "Secret",
    "ConfigMap",
    "Pod",
    "ClusterRole",
    "Role",
    "Namespace",
    "List",
    "Widget",
    "x",
    "api",
    "1",
    "-1",
    "0x1F",
    "1e3",
    "500m",
    "1Gi",
    "yes",
    "~",
    "null",
    ".inf",
    "ü",
    "\u{feff}",
    "\0",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..150).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn arbitrary_bytes_as_a_manifest(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        // The disk loader refuses files that are not UTF-8; what gets through is text.
        check_manifests(&[String::from_utf8_lossy(&bytes)])?;
    }

    #[test]
    fn arbitrary_text_as_a_manifest(text in "\\PC{0,400}") {
        check_manifests(&[text])?;
    }

    #[test]
    fn yaml_token_soup(text in token_soup()) {
        check_manifests(&[text])?;
    }

    #[test]
    fn yaml_token_soup_after_a_valid_start(
        seed in seed_index(),
        cut in any::<u32>(),
        soup in token_soup(),
    ) {
        // Past the first lines, so the soup lands inside an object.
        let (name, text) = &seeds()[seed];
        let at = char_boundary(text, cut);
        check_in_place_of(name, format!("{}{soup}", &text[..at]))?;
    }
}

// --- structure-aware mutations ------------------------------------------------------------

/// Scalars of every YAML 1.1 kind, quoted and not, and values of the wrong shape.
const SCALARS: &[&str] = &[
    "yes",
    "no",
    "on",
    "Off",
    "y",
    "~",
    "null",
    "",
    "0x1F",
    "0o17",
    "0644",
    "08",
    "1e3",
    "1_000",
    "-",
    "'-'",
    "\"-\"",
    "''",
    "\"\"",
    ".inf",
    "-.inf",
    ".nan",
    "12:30",
    "2024-01-01",
    "true",
    "'true'",
    "\"yes\"",
    "99999999999999999999",
    "-9223372036854775809",
    "-1",
    "0",
    "3.5",
    "500m",
    "1Gi",
    "2GB",
    "1.5 Gi",
    "'1e400'",
    "!!str 1",
    "!!int x",
    "!!int \"3\"",
    "!!float 2",
    "!!bool maybe",
    "!!null x",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!unknown x",
    ">-",
    "[]",
    "{}",
    "[a, 1, yes]",
    "{a: 1}",
    "*nowhere",
    "&anchor x",
    "\"\\0\"",
    "\"\\uD800\"",
    "\"\\x80\"",
    "ü",
    "🦀",
    "'it''s'",
    "# a comment",
    "x # trailing",
    "\"multi\\nline\"",
];

/// Values that break the YAML around them.
const JUNK: &[&str] = &[
    "a: b",
    "- x",
    "\"unterminated",
    "? x",
    "@at",
    "`tick",
    "%",
    "|\n  block\n",
    "[unclosed",
    "}",
    "&",
    "*",
    "!",
];

/// Keys an object may or may not have.
const KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "labels",
    "annotations",
    "spec",
    "replicas",
    "containers",
    "initContainers",
    "image",
    "resources",
    "requests",
    "limits",
    "cpu",
    "memory",
    "storage",
    "ports",
    "port",
    "selector",
    "securityContext",
    "privileged",
    "hostNetwork",
    "rules",
    "verbs",
    "items",
    "data",
    "stringData",
    "status",
    "size",
    "bogus",
    "\"\"",
    "'a b'",
    "<<",
    "1",
    "true",
    "~",
    "\"app.kubernetes.io/name\"",
    "UPPER_case",
];

fn seed_index() -> impl Strategy<Value = usize> {
    0..seeds().len()
}

/// The largest char boundary of `text` at or below `n` modulo its length + 1.
fn char_boundary(text: &str, n: u32) -> usize {
    let mut i = n as usize % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where a line's value starts: after `key: ` or `- `, if it has one.
fn value_start(line: &str) -> Option<usize> {
    let body = line.trim_start();
    let indent = line.len() - body.len();
    if let Some(rest) = body.strip_prefix("- ") {
        return Some(indent + 2 + value_start(rest).unwrap_or(0));
    }
    body.find(": ")
        .map(|i| indent + i + 2)
        .or_else(|| body.ends_with(':').then_some(line.len()))
}

fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// Applies one mutation chosen by `op` to the lines of a manifest; `a` and `b` choose lines,
/// offsets and values.
fn mutate(text: &str, op: u8, a: u32, b: u32) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let (i, j) = (a as usize % n, b as usize % n);
    let scalar = if b.is_multiple_of(8) {
        JUNK[(b / 8) as usize % JUNK.len()]
    } else {
        SCALARS[b as usize % SCALARS.len()]
    };
    let key = KEYS[a as usize % KEYS.len()];
    match op % 12 {
        // Delete, duplicate or swap lines.
        0 => {
            lines.remove(i);
        }
        1 => {
            let line = lines[i].clone();
            lines.insert(j, line);
        }
        2 => lines.swap(i, j),
        // Indent or dedent a line, or indent it with a tab.
        3 => {
            let line = &lines[i];
            let body = line.trim_start();
            let width = indent_of(line).len();
            lines[i] = match b % 5 {
                0 => format!("\t{body}"),
                1 => format!("{}{body}", " ".repeat(width + 1)),
                2 => format!("{}{body}", " ".repeat(width + 2)),
                3 => format!("{}{body}", " ".repeat(width.saturating_sub(2))),
                _ => format!("{}\t{body}", indent_of(line)),
            };
        }
        // Replace a value with another scalar kind (or an empty one).
        4 | 5 => {
            if let Some(at) = value_start(&lines[i]) {
                lines[i] = format!("{} {scalar}", lines[i][..at].trim_end());
            }
        }
        // Insert an unknown (or known, misplaced) key beside a line.
        6 => {
            let line = format!("{}{key}: {scalar}", indent_of(&lines[i]));
            lines.insert(i + 1, line);
        }
        // Anchor one value and alias it elsewhere (before it, too: an unknown alias).
        7 => {
            if let (Some(x), Some(y)) = (value_start(&lines[i]), value_start(&lines[j])) {
                let anchored = format!("{} &a {}", lines[i][..x].trim_end(), &lines[i][x..]);
                let aliased = format!("{} *a", lines[j][..y].trim_end());
                lines[i] = anchored;
                if i != j {
                    lines[j] = aliased;
                }
            }
        }
        // Merge an anchored mapping in.
        8 => {
            if let Some(x) = value_start(&lines[i]) {
                lines[i] = format!("{} &m {}", lines[i][..x].trim_end(), &lines[i][x..]);
                let merge = format!("{}<<: *m", indent_of(&lines[j]));
                lines.insert(j + 1, merge);
            }
        }
        // A document separator or end marker between lines.
        9 => lines.insert(
            i,
            if b.is_multiple_of(2) { "---" } else { "..." }.to_string(),
        ),
        // A YAML token anywhere.
        10 => {
            let text = lines.join("\n");
            let at = char_boundary(&text, a);
            let token = TOKENS[b as usize % TOKENS.len()];
            return format!("{}{token}{}", &text[..at], &text[at..]);
        }
        // Cut the text between two offsets.
        _ => {
            let text = lines.join("\n");
            let (x, y) = (char_boundary(&text, a), char_boundary(&text, b));
            let (x, y) = (x.min(y), x.max(y));
            return format!("{}{}", &text[..x], &text[y..]);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn mutations() -> impl Strategy<Value = Vec<(u8, u32, u32)>> {
    prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..5)
}

proptest! {
    #![proptest_config(config(384))]

    #[test]
    fn mutated_manifests(seed in seed_index(), ops in mutations()) {
        let (name, text) = &seeds()[seed];
        let mut text = text.clone();
        for (op, a, b) in ops {
            text = mutate(&text, op, a, b);
        }
        check_in_place_of(name, text)?;
    }

    #[test]
    fn mutated_manifests_beside_valid_ones(
        picks in prop::collection::vec((seed_index(), mutations()), 2..4),
    ) {
        // Several files in one namespace: duplicates across files, one broken file among
        // good ones.
        let files: Vec<String> = picks
            .into_iter()
            .enumerate()
            .map(|(i, (seed, ops))| {
                let mut text = seeds()[seed].1.clone();
                if i > 0 {
                    for (op, a, b) in ops {
                        text = mutate(&text, op, a, b);
                    }
                }
                text
            })
            .collect();
        check_manifests(&files)?;
    }
}

#[test]
fn mutations_change_values_and_keep_lines() {
    // The value mutation must reach values in block mappings and sequence items alike.
    assert_eq!(value_start("  replicas: 2"), Some(12));
    assert_eq!(value_start("    - name: api"), Some(12));
    assert_eq!(value_start("  - x"), Some(4));
    assert_eq!(value_start("spec:"), Some(5));
    assert_eq!(value_start("plain"), None);
    assert_eq!(mutate("a: 1\nb: 2\n", 4, 1, 1), "a: 1\nb: no\n");
}

// --- tree mutations -------------------------------------------------------------------------

/// A YAML document as text pieces: scalars and keys as written (quotes, tags and all), so a
/// mutation can put any YAML 1.1 scalar anywhere and the result is still YAML.
#[derive(Debug, Clone)]
enum Yaml {
    Scalar(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
    /// `&name` before a node.
    Anchored(String, Box<Yaml>),
    /// `*name`.
    Alias(String),
}

impl Yaml {
    /// The tree of a parsed document, scalars and keys as written in `text`.
    fn of(node: &platc::yaml::Node, text: &str) -> Self {
        use platc::yaml::Value;
        match &node.value {
            Value::Seq(items) => Yaml::Seq(items.iter().map(|i| Yaml::of(i, text)).collect()),
            Value::Map(entries) => Yaml::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let raw = v.key.map_or(k.as_str(), |s| &text[s.range()]);
                        let raw = if raw.contains(['\n', '&', '*']) || raw.is_empty() {
                            serde_json::to_string(k).unwrap()
                        } else {
                            raw.to_string()
                        };
                        (raw, Yaml::of(v, text))
                    })
                    .collect(),
            ),
            _ => {
                let raw = &text[node.span.range()];
                // Block scalars span lines, aliases were expanded: write the value instead.
                if raw.is_empty() || raw.contains('\n') || raw.starts_with(['&', '*', '|', '>']) {
                    Yaml::Scalar(node.to_json().to_string())
                } else {
                    Yaml::Scalar(raw.to_string())
                }
            }
        }
    }

    /// Block-style YAML of the tree written after a `key:` or `-`, its lines at `indent`.
    fn write(&self, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match self {
            Yaml::Scalar(raw) => {
                out.push(' ');
                out.push_str(raw);
                out.push('\n');
            }
            Yaml::Alias(name) => out.push_str(&format!(" *{name}\n")),
            Yaml::Anchored(name, node) => {
                out.push_str(&format!(" &{name}"));
                match node.as_ref() {
                    Yaml::Anchored(..) | Yaml::Alias(_) => {
                        // An anchor on an anchor or an alias: YAML has no such node.
                        out.push_str(" x\n");
                    }
                    other => other.write(indent, out),
                }
            }
            Yaml::Seq(items) if items.is_empty() => out.push_str(" []\n"),
            Yaml::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
            Yaml::Seq(items) => {
                out.push('\n');
                for item in items {
                    out.push_str(&pad);
                    out.push('-');
                    item.write(indent + 2, out);
                }
            }
            Yaml::Map(entries) => {
                out.push('\n');
                for (k, v) in entries {
                    out.push_str(&pad);
                    out.push_str(k);
                    out.push(':');
                    v.write(indent + 2, out);
                }
            }
        }
    }

    /// A document's text.
    fn text(&self) -> String {
        let mut out = String::new();
        match self {
            Yaml::Map(entries) if !entries.is_empty() => {
                for (k, v) in entries {
                    out.push_str(k);
                    out.push(':');
                    v.write(2, &mut out);
                }
            }
            other => {
                out.push_str("---");
                other.write(0, &mut out);
            }
        }
        out
    }

    fn children_mut(&mut self) -> Vec<&mut Yaml> {
        match self {
            Yaml::Seq(items) => items.iter_mut().collect(),
            Yaml::Map(entries) => entries.iter_mut().map(|(_, v)| v).collect(),
            Yaml::Anchored(_, node) => vec![node.as_mut()],
            _ => Vec::new(),
        }
    }

    /// How many nodes the tree has (each a mutation site).
    fn count(&self) -> usize {
        1 + match self {
            Yaml::Seq(items) => items.iter().map(Yaml::count).sum(),
            Yaml::Map(entries) => entries.iter().map(|(_, v)| v.count()).sum(),
            Yaml::Anchored(_, node) => node.count(),
            _ => 0,
        }
    }

    /// The `n`th node in document order.
    fn nth_mut(&mut self, n: usize) -> Option<&mut Yaml> {
        let mut n = n;
        self.find(&mut n)
    }

    fn find(&mut self, n: &mut usize) -> Option<&mut Yaml> {
        if *n == 0 {
            return Some(self);
        }
        *n -= 1;
        for child in self.children_mut() {
            let size = child.count();
            if *n < size {
                return child.find(n);
            }
            *n -= size;
        }
        None
    }
}

/// The documents of a seed as trees.
fn trees(text: &str) -> Vec<Yaml> {
    let docs = platc::yaml::parse(platc::diag::FileId(0), text).expect("seeds are YAML");
    docs.iter().map(|d| Yaml::of(&d.root, text)).collect()
}

/// Applies one tree mutation chosen by `op` at the node `at` (modulo the node count), with
/// `arg` choosing values, keys and a second node.
fn mutate_tree(doc: &mut Yaml, op: u8, at: u32, arg: u32) {
    let count = doc.count();
    let (at, other) = (at as usize % count, arg as usize % count);
    let scalar = SCALARS[arg as usize % SCALARS.len()].to_string();
    let key = KEYS[arg as usize % KEYS.len()].to_string();
    let anchor = ["a", "b"][arg as usize % 2].to_string();
    let copy = doc.nth_mut(other).cloned();
    let Some(node) = doc.nth_mut(at) else { return };
    match op % 12 {
        // Another scalar kind in place of a value (or a whole subtree).
        0 | 1 => *node = Yaml::Scalar(scalar),
        // Delete an entry or item, or duplicate one (the same key twice: an error).
        2 => match node {
            Yaml::Map(e) if !e.is_empty() => {
                e.remove(arg as usize % e.len());
            }
            Yaml::Seq(i) if !i.is_empty() => {
                i.remove(arg as usize % i.len());
            }
            _ => {}
        },
        3 => match node {
            Yaml::Map(e) if !e.is_empty() => {
                let entry = e[arg as usize % e.len()].clone();
                e.push(entry);
            }
            Yaml::Seq(i) if !i.is_empty() => {
                let item = i[arg as usize % i.len()].clone();
                i.push(item);
            }
            _ => {}
        },
        // Insert an unknown (or misplaced) key, or rename one.
        4 => match node {
            Yaml::Map(e) => e.insert(arg as usize % (e.len() + 1), (key, Yaml::Scalar(scalar))),
            other => *other = Yaml::Map(vec![(key, other.clone())]),
        },
        5 => {
            if let Yaml::Map(e) = node
                && !e.is_empty()
            {
                let i = at % e.len();
                e[i].0 = key;
            }
        }
        // Another part of the document here (a mapping where a list belongs, ...).
        6 => {
            if let Some(copy) = copy {
                *node = copy;
            }
        }
        // Wrap in a list, or empty a collection.
        7 => *node = Yaml::Seq(vec![node.clone()]),
        8 => match node {
            Yaml::Map(e) => e.clear(),
            Yaml::Seq(i) => i.clear(),
            _ => {}
        },
        // Anchor a node, alias it at another (before it, inside it: errors).
        9 => {
            *node = Yaml::Anchored(anchor.clone(), Box::new(node.clone()));
            if let Some(there) = doc.nth_mut(other) {
                *there = Yaml::Alias(anchor);
            }
        }
        // Merge an anchored node into a mapping.
        10 => {
            *node = Yaml::Anchored(anchor.clone(), Box::new(node.clone()));
            if let Some(Yaml::Map(e)) = doc.nth_mut(other) {
                e.push(("<<".into(), Yaml::Alias(anchor)));
            }
        }
        // Quote a plain scalar, unquote a quoted one, or tag it.
        _ => {
            if let Yaml::Scalar(raw) = node {
                let tags = [
                    "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!custom ",
                ];
                *raw = if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"'))
                {
                    inner.to_string()
                } else if let Some(inner) =
                    raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\''))
                {
                    inner.to_string()
                } else if arg.is_multiple_of(2) {
                    format!("\"{raw}\"")
                } else {
                    format!("{}{raw}", tags[arg as usize / 2 % tags.len()])
                };
            }
        }
    }
}

proptest! {
    #![proptest_config(config(384))]

    #[test]
    fn mutated_manifest_trees(
        seed in seed_index(),
        ops in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..4),
    ) {
        let (name, text) = &seeds()[seed];
        let mut docs = trees(text);
        for (op, at, arg) in ops {
            let n = docs.len();
            mutate_tree(&mut docs[at as usize % n], op, at / 7, arg);
        }
        let text: Vec<String> = docs.iter().map(Yaml::text).collect();
        check_in_place_of(name, text.join("---\n"))?;
    }
}

#[test]
fn trees_write_back_what_they_read() {
    // Unmutated, every seed reads back to the same objects, so mutations start from valid ones.
    for (name, text) in seeds() {
        let docs = trees(text);
        let written: Vec<String> = docs.iter().map(Yaml::text).collect();
        let written = written.join("---\n");
        let json = |t: &str| -> Vec<serde_json::Value> {
            platc::yaml::parse(platc::diag::FileId(0), t)
                .unwrap_or_else(|e| panic!("{name}: {e:?}\n{t}"))
                .iter()
                .map(|d| d.root.to_json())
                .collect()
        };
        assert_eq!(json(text), json(&written), "{name}:\n{written}");
    }
}

// --- CRD schemas ----------------------------------------------------------------------------

/// Schema pieces: valid and invalid keywords, references that loop or leave the file.
const SCHEMA_VALUES: &[&str] = &[
    "true",
    "false",
    "null",
    "[]",
    "{}",
    "\"\"",
    "1e308",
    "-1",
    "{\"$ref\": \"#\"}",
    "{\"$ref\": \"#/properties/spec\"}",
    "{\"$ref\": \"#/nowhere\"}",
    "{\"$ref\": \"http://example.com/schema.json\"}",
    "{\"$ref\": \"file:///etc/passwd\"}",
    "{\"$dynamicRef\": \"#x\"}",
    "{\"type\": \"nope\"}",
    "{\"type\": [\"string\", \"integer\"]}",
    "{\"pattern\": \"(\"}",
    "{\"pattern\": \"^(a+)+$\"}",
    "{\"pattern\": \"(?=a)\\\\1\"}",
    "{\"format\": \"regex\"}",
    "{\"minimum\": \"x\"}",
    "{\"multipleOf\": 0}",
    "{\"multipleOf\": 1e-320}",
    "{\"enum\": []}",
    "{\"const\": null}",
    "{\"items\": false}",
    "{\"additionalProperties\": false}",
    "{\"required\": [\"x\", \"x\"]}",
    "{\"required\": [1]}",
    "{\"$schema\": \"http://example.com/unknown\"}",
    "{\"$id\": \"http://example.com/x\"}",
    "{\"allOf\": [{\"$ref\": \"#\"}, false]}",
    "{\"not\": {}}",
    "{\"properties\": {\"a\": {\"properties\": {\"b\": false}}}}",
    "{\"x-kubernetes-group-version-kind\": [{\"group\": \"\", \"version\": \"v1\", \"kind\": \"Widget\"}]}",
];

const SCHEMA_KEYS: &[&str] = &[
    "$ref",
    "$schema",
    "$defs",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "items",
    "pattern",
    "enum",
    "const",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "minimum",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-group-version-kind",
];

/// Every object inside a JSON value (where a subschema may be), by JSON Pointer.
fn json_pointers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match v {
        serde_json::Value::Object(m) => {
            out.push(at.clone());
            for (k, child) in m {
                json_pointers(child, format!("{at}/{}", escape(k)), out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                json_pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// One mutation of a schema: a subschema replaced, keywords merged in, a keyword removed, or
/// a keyword given a value of the wrong kind.
fn mutate_schema(schema: &mut serde_json::Value, op: u8, at: u32, arg: u32) {
    let mut pointers = Vec::new();
    json_pointers(schema, String::new(), &mut pointers);
    if pointers.is_empty() {
        return;
    }
    let pointer = &pointers[at as usize % pointers.len()];
    let piece: serde_json::Value =
        serde_json::from_str(SCHEMA_VALUES[arg as usize % SCHEMA_VALUES.len()]).unwrap();
    let key = SCHEMA_KEYS[arg as usize % SCHEMA_KEYS.len()];
    let Some(serde_json::Value::Object(node)) = schema.pointer_mut(pointer) else {
        return;
    };
    match (op % 4, piece) {
        (0, piece) => *schema.pointer_mut(pointer).unwrap() = piece,
        (1, serde_json::Value::Object(fields)) => node.extend(fields),
        (2, _) if !node.is_empty() => {
            let k = node.keys().nth(arg as usize % node.len()).cloned().unwrap();
            node.remove(&k);
        }
        (_, piece) => {
            node.insert(key.to_string(), piece);
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn mutated_crd_schemas(
        ops in prop::collection::vec((any::<u8>(), any::<u32>(), any::<u32>()), 1..4),
        cut in prop::option::weighted(0.1, any::<u32>()),
    ) {
        let mut schema: serde_json::Value = serde_json::from_str(WIDGET_SCHEMA).unwrap();
        for (op, at, arg) in ops {
            mutate_schema(&mut schema, op, at, arg);
        }
        let mut text = serde_json::to_string_pretty(&schema).unwrap();
        if let Some(cut) = cut {
            text.truncate(char_boundary(&text, cut));
        }
        let widget = seeds().iter().find(|(n, _)| n == "seed-widget.yaml").unwrap();
        let loader = manifests_loader(&[&widget.1]).with("schemas/widget.json", text);
        check_loaded(&loader)?;
    }
}

// --- alias bombs and deep nesting -----------------------------------------------------------

/// `levels` anchored lists, each repeating the one before `width` times.
fn alias_bomb(levels: usize, width: usize) -> String {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n");
    text.push_str(&format!("l0: &l0 [{}]\n", vec!["lol"; width].join(", ")));
    for l in 1..levels {
        let refs = vec![format!("*l{}", l - 1); width].join(", ");
        text.push_str(&format!("l{l}: &l{l} [{refs}]\n"));
    }
    text
}

#[test]
fn alias_bomb_is_a_fast_located_error() {
    let text = alias_bomb(9, 10);
    let start = Instant::now();
    let result = compile(&manifests_loader(&[&text]));
    let took = start.elapsed();
    // Reading stops at a million values: about a second in debug, with other tests running.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let failed = result.err().expect("a billion laughs must not compile");
    let bomb = failed
        .diagnostics
        .iter()
        .find(|d| d.message.contains("expand this YAML file to more than"))
        .expect("the bomb is named");
    let span = bomb.span.expect("located");
    assert_eq!(failed.sources.file(span.file).name, "manifests/0.yaml");
    check_manifests(&[text]).unwrap();
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn alias_bombs_of_any_shape(levels in 1usize..12, width in 1usize..16) {
        check_manifests(&[alias_bomb(levels, width)])?;
    }

    #[test]
    fn deep_nesting(depth in 0usize..3000, style in 0u8..5) {
        let text = match style {
            0 => format!("{}x{}", "[".repeat(depth), "]".repeat(depth)),
            1 => format!("{}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
            2 => "- ".repeat(depth) + "x",
            3 => (0..depth.min(400))
                .map(|d| format!("{}k{d}:\n", " ".repeat(d)))
                .collect(),
            _ => format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}x{}",
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        };
        check_manifests(&[text])?;
    }
}

// --- patches ----------------------------------------------------------------------------------

/// Targets: the first four name the CronJob and the Deployment (kinds in any case).
const TARGETS: &[&str] = &[
    "cronjob/etl",
    "Deployment/api",
    "CronJob/etl",
    "deployment/api",
    "DEPLOYMENT/api",
    "deployment/API",
    "deployments.apps/api",
    "serviceaccount/etl",
    "networkpolicy/default-deny",
    "namespace/x",
    "configmap/none",
    "",
    "/",
    "deployment/",
    "/api",
    "deployment/api/x",
    "ü/ü",
];

/// The six operations of RFC 6902 first, then ones it does not have.
const OPS: &[&str] = &[
    "add", "remove", "replace", "move", "copy", "test", "Add", "delete", "", "merge",
];

/// Paths into the CronJob (even indexes of TARGETS' first four).
const CRONJOB_POINTERS: &[&str] = &[
    "/spec/jobTemplate/spec/template/spec/nodeSelector",
    "/spec/jobTemplate/spec/template/spec/nodeSelector/disktype",
    "/spec/jobTemplate/spec/template/spec/containers/0/image",
    "/spec/jobTemplate/spec/template/spec/containers/0/resources/limits/cpu",
    "/spec/jobTemplate/spec/template/spec/containers/0/securityContext",
    "/spec/jobTemplate/spec/template/spec/containers/-",
    "/spec/jobTemplate/spec/template/spec/initContainers/0",
    "/spec/jobTemplate/spec/template/spec/hostNetwork",
    "/spec/jobTemplate/spec/template/spec/securityContext/runAsNonRoot",
    "/spec/jobTemplate/spec/backoffLimit",
    "/spec/jobTemplate/spec/parallelism",
    "/spec/suspend",
    "/spec/schedule",
    "/spec/concurrencyPolicy",
];

/// Paths into the Deployment.
const DEPLOYMENT_POINTERS: &[&str] = &[
    "/spec/template/spec/nodeSelector",
    "/spec/template/spec/containers/0/securityContext/privileged",
    "/spec/template/spec/containers/0/resources/requests/memory",
    "/spec/template/spec/containers/0/resources/limits",
    "/spec/template/spec/containers/0/ports/0/containerPort",
    "/spec/template/spec/containers/0/env/-",
    "/spec/template/spec/containers/-",
    "/spec/template/spec/containers/1",
    "/spec/template/spec/containers/01",
    "/spec/template/spec/securityContext",
    "/spec/template/metadata/labels/app",
    "/spec/selector/matchLabels/app",
    "/spec/replicas",
    "/spec/replicas/0",
    "/spec/paused",
];

/// Paths any object has, or none has, or that are no JSON Pointer.
const OTHER_POINTERS: &[&str] = &[
    "/metadata/name",
    "/metadata/namespace",
    "/metadata/labels/team",
    "/metadata/labels/a~1b",
    "/metadata/annotations/x~0y",
    "/metadata/labels/~2",
    "/kind",
    "/apiVersion",
    "/status",
    "/spec",
    "/x/y",
    "/-",
    "",
    "/",
    "//",
    "~",
    "spec/replicas",
    "/ü",
];

/// Every pointer, for patches on any target.
fn pointers() -> Vec<&'static str> {
    [CRONJOB_POINTERS, DEPLOYMENT_POINTERS, OTHER_POINTERS].concat()
}

/// TOML values of every type, for `value`.
const VALUES: &[&str] = &[
    "1",
    "0",
    "-1",
    "9223372036854775807",
    "1.5",
    "inf",
    "nan",
    "-0.0",
    "true",
    "false",
    "\"ssd\"",
    "\"\"",
    "\"500m\"",
    "\"2GB\"",
    "\"api\"",
    "\"Forbid\"",
    "\"registry.example.com/x:2\"",
    "\"ü🦀\"",
    "\"a\\u0000b\"",
    "1979-05-27T07:32:00Z",
    "1979-05-27",
    "07:32:00",
    "[]",
    "[1, \"a\"]",
    "{}",
    "{ disktype = \"ssd\" }",
    "{ cpu = \"1\", memory = \"1Gi\" }",
    "{ cpu = \"1.5 Gi\" }",
    "{ name = \"X\", value = \"1\" }",
    "[{ name = \"x\", image = \"y\" }]",
    "{ name = \"side\", image = \"side:1\", securityContext = { allowPrivilegeEscalation = false, capabilities = { drop = [\"ALL\"] }, runAsNonRoot = true, seccompProfile = { type = \"RuntimeDefault\" } } }",
    "{ name = \"side\", image = \"side:1\" }",
    "{ privileged = true }",
    "{ runAsNonRoot = false }",
    "{ a = { b = { c = [1, 2, { d = nan }] } } }",
];

/// One generated operation: its name, path, value and from, each optional but the name.
type Op = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

fn any_operation() -> impl Strategy<Value = Op> {
    let names =
        prop_oneof![9 => prop::sample::select(&OPS[..6]), 1 => prop::sample::select(&OPS[6..])];
    (
        names,
        prop::option::weighted(0.95, prop::sample::select(pointers())),
        prop::option::of(prop::sample::select(VALUES)),
        prop::option::of(prop::sample::select(pointers())),
    )
}

/// `add`s that apply and mean something: what the strict re-read, the Pod Security check and
/// the quota then judge.
const MEANINGFUL: &[(&str, &str)] = &[
    (
        "/spec/jobTemplate/spec/template/spec/nodeSelector",
        "{ disktype = \"ssd\" }",
    ),
    ("/spec/jobTemplate/spec/template/spec/hostNetwork", "true"),
    (
        "/spec/jobTemplate/spec/template/spec/containers/0/securityContext/privileged",
        "true",
    ),
    (
        "/spec/jobTemplate/spec/template/spec/containers/0/resources/limits/cpu",
        "\"2GB\"",
    ),
    (
        "/spec/jobTemplate/spec/template/spec/containers/0/resources/limits/cpu",
        "\"64\"",
    ),
    (
        "/spec/jobTemplate/spec/template/spec/containers/-",
        "{ name = \"side\", image = \"side:1\" }",
    ),
    ("/spec/jobTemplate/spec/parallelism", "1000"),
    ("/spec/suspend", "true"),
    ("/spec/template/spec/nodeSelector", "{ disktype = \"ssd\" }"),
    ("/spec/template/spec/hostPID", "true"),
    (
        "/spec/template/spec/containers/0/securityContext/privileged",
        "true",
    ),
    ("/spec/template/spec/securityContext/runAsNonRoot", "false"),
    (
        "/spec/template/spec/containers/0/resources/requests/memory",
        "\"1Ti\"",
    ),
    (
        "/spec/template/spec/containers/-",
        "{ name = \"api\", image = \"side:1\" }",
    ),
    ("/spec/replicas", "1000"),
    ("/spec/replicas", "-1"),
    ("/spec/replicas", "\"3\""),
    ("/metadata/labels/team", "\"data\""),
    ("/metadata/labels/team", "\"-bad-\""),
];

/// Operations that take their fields right (`value` for add/replace/test, `from` for
/// move/copy), on paths of their target: most get as far as applying and re-reading.
fn well_formed_operation(target: usize) -> impl Strategy<Value = Op> {
    let own = if target.is_multiple_of(2) {
        CRONJOB_POINTERS
    } else {
        DEPLOYMENT_POINTERS
    };
    let path =
        prop_oneof![4 => prop::sample::select(own), 1 => prop::sample::select(OTHER_POINTERS)];
    let any = (
        prop::sample::select(&OPS[..6]),
        path.clone(),
        prop::sample::select(VALUES),
        path,
    )
        .prop_map(|(op, path, value, from)| match op {
            "add" | "replace" | "test" => (op, Some(path), Some(value), None),
            "move" | "copy" => (op, Some(path), None, Some(from)),
            _ => (op, Some(path), None, None),
        });
    let meaningful = prop::sample::select(MEANINGFUL)
        .prop_map(|(path, value)| ("add", Some(path), Some(value), None));
    prop_oneof![2 => any, 1 => meaningful]
}

/// The TOML of a patch list: each patch's target and its operations (`None`: no `patch`).
fn patches_text(patches: &[(&str, Option<Vec<Op>>)]) -> String {
    let mut out = String::new();
    for (target, ops) in patches {
        out.push_str(&format!(
            "[[namespaces.x.patches]]\ntarget = \"{target}\"\n"
        ));
        let Some(ops) = ops else { continue };
        let ops: Vec<String> = ops
            .iter()
            .map(|(op, path, value, from)| {
                let mut fields = vec![format!("op = \"{op}\"")];
                fields.extend(path.map(|p| format!("path = \"{p}\"")));
                fields.extend(value.map(|v| format!("value = {v}")));
                fields.extend(from.map(|f| format!("from = \"{f}\"")));
                format!("{{ {} }}", fields.join(", "))
            })
            .collect();
        out.push_str(&format!("patch = [{}]\n", ops.join(", ")));
    }
    out
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn generated_patches(
        patches in prop::collection::vec(
            (
                prop::sample::select(TARGETS),
                prop::option::weighted(0.9, prop::collection::vec(any_operation(), 0..4)),
            ),
            0..4,
        ),
    ) {
        check_patches(&patches_text(&patches))?;
    }

    #[test]
    fn well_formed_patches(
        patches in prop::collection::vec(
            (0..4usize).prop_flat_map(|t| {
                (Just(TARGETS[t]), prop::collection::vec(well_formed_operation(t), 1..4))
            }),
            1..3,
        ),
    ) {
        let patches: Vec<(&str, Option<Vec<Op>>)> =
            patches.into_iter().map(|(t, ops)| (t, Some(ops))).collect();
        check_patches(&patches_text(&patches))?;
    }
}

#[test]
fn patch_corpus_replays_cleanly() {
    // `tests/fuzz-corpus/patches/`: seeds of the `patches` fuzz target, and what once broke
    // platc; `seed-nodeselector.toml` applies.
    let dir = corpus_dir().with_file_name("patches");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-corpus/patches/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() >= 2);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(e) = check_patches(&text) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn patches_platform_compiles_and_patches_apply() {
    check_patches("").unwrap();
    // Patches that apply to each target, so generated ones reach the re-read.
    let good = std::fs::read_to_string(
        corpus_dir()
            .with_file_name("patches")
            .join("seed-nodeselector.toml"),
    )
    .unwrap();
    let text = format!("{PATCHES_PLATFORM}\n{good}");
    let loader = MemoryLoader::default().with("manifests/api.yaml", DEPLOYMENT);
    let result = platc::app::compile_with(
        "platform.toml",
        "platform.toml",
        text,
        platc::diag::SourceMap::default(),
        &loader,
    );
    if let Err(f) = result {
        panic!("{}", rendered(&f));
    }
}
