//! The platform checked as a whole (issue 26): a small HTTP API as a new user brings it
//! (`tests/whole/api/`: Deployment, Service, HPA, PodDisruptionBudget, Ingress,
//! ServiceMonitor, a Secret from the store, a namespace denying ingress by default) stays
//! silent as it is, and each realistic mistake made in it is reported at the line at fault
//! with its code. Every case here passed `platc check` without a word before.

use std::fs;
use std::path::{Path, PathBuf};

use platc::app::compile_file;
use platc::diag::Severity;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/whole/api")
}

/// Copies the fixture into a temporary folder, applies `edits` (file, old, new) and returns
/// the folder.
fn project(edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "platform.toml",
        "manifests/orders-api.yaml",
        "crds/monitoring.coreos.com_servicemonitor_v1.json",
    ] {
        let to = dir.path().join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(fixture().join(rel), &to).unwrap();
    }
    for (rel, old, new) in edits {
        let path = dir.path().join(rel);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(old), "{rel} has no `{old}`");
        fs::write(&path, text.replacen(old, new, 1)).unwrap();
    }
    dir
}

/// (severity, code, file, line) of every diagnostic.
fn found(dir: &Path) -> Vec<(Severity, String, String, usize)> {
    let (diags, sources) = match compile_file(&dir.join("platform.toml")) {
        Ok(c) => (c.diagnostics, c.sources),
        Err(f) => (f.diagnostics, f.sources),
    };
    diags
        .iter()
        .map(|d| {
            let s = d.span.expect("located");
            let file = Path::new(&sources.file(s.file).name)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let (line, _) = sources.line_col(s.file, s.range().start);
            (d.severity, d.code.to_string(), file, line)
        })
        .collect()
}

/// The 1-based line of the first line of `rel` in `dir` containing `text`, after `skip`
/// earlier ones.
fn line_of(dir: &Path, rel: &str, text: &str, skip: usize) -> usize {
    let body = fs::read_to_string(dir.join(rel)).unwrap();
    body.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(text))
        .nth(skip)
        .unwrap_or_else(|| panic!("{rel}: no line with `{text}`"))
        .0
        + 1
}

const YAML: &str = "manifests/orders-api.yaml";
const TOML: &str = "platform.toml";

/// One mistake: its edits, and what must be reported: (code, file, a text on the line, which
/// such line).
struct Case {
    what: &'static str,
    edits: &'static [(&'static str, &'static str, &'static str)],
    want: &'static [(&'static str, &'static str, &'static str, usize)],
}

const CASES: &[Case] = &[
    Case {
        what: "the Service selects a misspelt label value",
        edits: &[(
            YAML,
            "  selector:\n    app.kubernetes.io/name: orders-api",
            "  selector:\n    app.kubernetes.io/name: order-api",
        )],
        want: &[("W0810", YAML, "  selector:", 1)],
    },
    Case {
        what: "targetPort names a port the container does not have",
        edits: &[(YAML, "targetPort: http", "targetPort: htpp")],
        want: &[("W0811", YAML, "targetPort: htpp", 0)],
    },
    Case {
        what: "targetPort is a number no container exposes",
        edits: &[(YAML, "targetPort: 9090", "targetPort: 9091")],
        want: &[
            ("W0811", YAML, "targetPort: 9091", 0),
            ("W0818", YAML, "targetPort: 9091", 0),
        ],
    },
    Case {
        what: "the Ingress names a Service that is not there",
        edits: &[(
            YAML,
            "                name: orders-api",
            "                name: order-api",
        )],
        want: &[("W0812", YAML, "name: order-api", 0)],
    },
    Case {
        what: "the Ingress names a port the Service does not have",
        edits: &[(
            YAML,
            "                  name: http",
            "                  name: https",
        )],
        want: &[("W0813", YAML, "name: https", 0)],
    },
    Case {
        what: "the HPA scales a Deployment that is not there",
        edits: &[(
            YAML,
            "    kind: Deployment\n    name: orders-api",
            "    kind: Deployment\n    name: orders",
        )],
        want: &[("W0814", YAML, "    name: orders", 0)],
    },
    Case {
        what: "the Deployment sets replicas while the HPA owns them",
        edits: &[(
            YAML,
            "spec:\n  selector:\n    matchLabels:",
            "spec:\n  replicas: 3\n  selector:\n    matchLabels:",
        )],
        want: &[("W0815", YAML, "replicas: 3", 0)],
    },
    Case {
        what: "the PodDisruptionBudget selects no pod",
        edits: &[(
            YAML,
            "  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: orders-api",
            "  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: orders-api",
        )],
        want: &[("W0816", YAML, "  selector:", 2)],
    },
    Case {
        what: "minAvailable equals the HPA's minReplicas: no drain can evict",
        edits: &[(YAML, "maxUnavailable: 1", "minAvailable: 2")],
        want: &[("W0817", YAML, "minAvailable: 2", 0)],
    },
    Case {
        what: "maxUnavailable 0",
        edits: &[(YAML, "maxUnavailable: 1", "maxUnavailable: 0")],
        want: &[("W0817", YAML, "maxUnavailable: 0", 0)],
    },
    Case {
        what: "the policy opens a port the pods do not expose, so 8080 stays closed",
        edits: &[(TOML, "ports = [8080]", "ports = [8000]")],
        want: &[
            ("W0818", YAML, "targetPort: http", 0),
            ("W0819", TOML, "ports = [8000]", 0),
        ],
    },
    Case {
        what: "no policy opens the API's port in a default-deny namespace",
        edits: &[(
            TOML,
            "  { from = \"namespace:ingress-nginx\", ports = [8080] },\n",
            "",
        )],
        want: &[("W0818", YAML, "targetPort: http", 0)],
    },
    Case {
        what: "every port open to another namespace",
        edits: &[(
            TOML,
            "{ from = \"namespace:monitoring\", ports = [9090] }",
            "{ from = \"namespace:monitoring\" }",
        )],
        want: &[("W0820", TOML, "namespace:monitoring", 0)],
    },
    Case {
        what: "the environment takes a key the Secret will not have",
        edits: &[(YAML, "key: DB_PASSWORD", "key: DB_PASS")],
        want: &[("W0822", YAML, "key: DB_PASS", 0)],
    },
    Case {
        what: "the environment takes a key of a Secret nothing declares",
        edits: &[(
            YAML,
            "secretKeyRef: {name: orders-db,",
            "secretKeyRef: {name: orders-database,",
        )],
        want: &[
            ("W0407", YAML, "orders-database", 0),
            ("N0408", TOML, "[namespaces.shop.secrets.orders-db]", 0),
        ],
    },
    Case {
        what: "the ServiceMonitor selects the pods' label the Service lacks",
        edits: &[
            (
                YAML,
                "  endpoints:",
                "  namespaceSelector:\n    matchNames: [shop]\n  endpoints:",
            ),
            (
                YAML,
                "kind: ServiceMonitor\nmetadata:\n  name: orders-api\nspec:\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: orders-api",
                "kind: ServiceMonitor\nmetadata:\n  name: orders-api\nspec:\n  selector:\n    matchLabels:\n      app: orders-api",
            ),
        ],
        want: &[("W0826", YAML, "  selector:", 3)],
    },
    Case {
        what: "the image is not pinned",
        edits: &[(YAML, "orders-api:2.3.1", "orders-api:latest")],
        want: &[("W0602", YAML, "image:", 0)],
    },
    // Errors: what the API server refuses.
    Case {
        what: "the Deployment's selector does not select its template",
        edits: &[(
            YAML,
            "    matchLabels:\n      app.kubernetes.io/name: orders-api\n  template:",
            "    matchLabels:\n      app.kubernetes.io/name: orders\n  template:",
        )],
        want: &[("E0801", YAML, "  selector:", 0)],
    },
    Case {
        what: "an image reference with upper case in the repository",
        edits: &[(YAML, "shop/orders-api:2.3.1", "shop/Orders-api:2.3.1")],
        want: &[("E0111", YAML, "image:", 0)],
    },
    Case {
        what: "minReplicas above maxReplicas",
        edits: &[(YAML, "minReplicas: 2", "minReplicas: 7")],
        want: &[("E0804", YAML, "minReplicas: 7", 0)],
    },
    Case {
        what: "pod-level resources (alpha in 1.33)",
        edits: &[(
            YAML,
            "      securityContext:\n        runAsNonRoot: true",
            "      resources:\n        limits: {cpu: \"1\"}\n      securityContext:\n        runAsNonRoot: true",
        )],
        want: &[("E0802", YAML, "      resources:", 0)],
    },
    Case {
        what: "the quota must hold the HPA's maxReplicas, not the Deployment's replicas",
        edits: &[(TOML, "pods = 10", "pods = 5")],
        want: &[("E0604", YAML, "name: orders-api", 0)],
    },
];

#[test]
fn the_api_as_written_is_silent() {
    let dir = project(&[]);
    assert_eq!(found(dir.path()), Vec::new());
}

#[test]
fn each_mistake_is_reported_at_the_line_at_fault() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = project(case.edits);
        let got = found(dir.path());
        let mut want: Vec<(Severity, String, String, usize)> = case
            .want
            .iter()
            .map(|(code, file, text, skip)| {
                let severity = match &code[..1] {
                    "E" => Severity::Error,
                    "W" => Severity::Warning,
                    _ => Severity::Note,
                };
                let name = Path::new(file)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (
                    severity,
                    code.to_string(),
                    name,
                    line_of(dir.path(), file, text, *skip),
                )
            })
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort_by(|a, b| (&a.1, a.3).cmp(&(&b.1, b.3)));
        want.sort_by(|a, b| (&a.1, a.3).cmp(&(&b.1, b.3)));
        if got_sorted != want {
            failures.push(format!(
                "{}:\n  want {want:?}\n  got  {got_sorted:?}",
                case.what
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_namespace_platc_does_not_manage_or_with_unknown_kinds_gets_no_guess() {
    // Its owner, or an operator's custom resource, may make the pods, the Service and the
    // Secret: nothing is said about what seems missing.
    let broken: &[(&str, &str, &str)] = &[
        (
            YAML,
            "  selector:\n    app.kubernetes.io/name: orders-api",
            "  selector:\n    app.kubernetes.io/name: order-api",
        ),
        (
            YAML,
            "                name: orders-api",
            "                name: order-api",
        ),
        (
            YAML,
            "secretKeyRef: {name: orders-db,",
            "secretKeyRef: {name: orders-database,",
        ),
    ];
    let mut unmanaged = broken.to_vec();
    unmanaged.push((
        TOML,
        "manifests = [\"manifests/*.yaml\"]",
        "managed = false\nmanifests = [\"manifests/*.yaml\"]",
    ));
    let dir = project(&unmanaged);
    let codes: Vec<String> = found(dir.path()).into_iter().map(|d| d.1).collect();
    assert!(
        !codes
            .iter()
            .any(|c| ["W0810", "W0812", "W0407", "W0818"].contains(&c.as_str())),
        "{codes:?}"
    );
    let mut with_operator = broken.to_vec();
    with_operator.push((YAML, "apiVersion: monitoring.coreos.com/v1", "apiVersion: example.com/v1\nkind: Database\nmetadata:\n  name: orders\nspec: {}\n---\napiVersion: monitoring.coreos.com/v1"));
    let dir = project(&with_operator);
    let codes: Vec<String> = found(dir.path()).into_iter().map(|d| d.1).collect();
    assert!(
        !codes
            .iter()
            .any(|c| ["W0810", "W0812", "W0407"].contains(&c.as_str())),
        "{codes:?}"
    );
}
