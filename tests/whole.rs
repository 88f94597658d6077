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

/// (severity, code, file, line, notes) of every diagnostic of the config at `config`.
fn located(config: &Path) -> Vec<(Severity, String, String, usize, Vec<String>)> {
    let (diags, sources) = match compile_file(config) {
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
            (d.severity, d.code.to_string(), file, line, d.notes.clone())
        })
        .collect()
}

/// (severity, code, file, line) of every diagnostic.
fn found(dir: &Path) -> Vec<(Severity, String, String, usize)> {
    located(&dir.join("platform.toml"))
        .into_iter()
        .map(|(severity, code, file, line, _)| (severity, code, file, line))
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

/// The api stamped on `staging` and `prod`, with `extra` appended to the config and the
/// files `(rel, text)` written beside it. Each finding as (code, file, line, notes).
fn on_two_clusters(
    extra: &str,
    files: &[(&str, &str)],
) -> Vec<(String, String, usize, Vec<String>)> {
    let dir = project(&[(
        TOML,
        "[namespaces.shop]\n",
        "[clusters.staging]\n[clusters.prod]\n\n[namespaces.shop]\nclusters = [\"staging\", \"prod\"]\n",
    )]);
    let config = dir.path().join(TOML);
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(extra);
    fs::write(&config, text).unwrap();
    for (rel, body) in files {
        let to = dir.path().join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::write(to, body).unwrap();
    }
    located(&config)
        .into_iter()
        .map(|(_, code, file, line, notes)| (code, file, line, notes))
        .collect()
}

#[test]
fn on_two_clusters_the_api_is_silent() {
    assert_eq!(on_two_clusters("", &[]), []);
}

#[test]
fn a_finding_in_an_override_points_at_the_override_and_names_its_cluster() {
    let found = on_two_clusters(
        "\n[namespaces.shop.on.staging.network_policies.orders-api-ingress]\n\
         ingress = [\n  { from = \"namespace:ingress-nginx\", ports = [8000] },\n  \
         { from = \"namespace:monitoring\", ports = [9090] },\n]\n",
        &[],
    );
    let mut codes: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["W0818", "W0819"], "{found:?}");
    let by = |code: &str| found.iter().find(|f| f.0 == code).unwrap();
    let w0819 = by("W0819");
    assert_eq!(w0819.1, "platform.toml");
    let text = fs::read_to_string(fixture().join(TOML)).unwrap();
    // The override's own line: after the fixture's lines, the four added above them, and the
    // override's first three.
    let override_line = text.lines().count() + 4 + 4;
    assert_eq!(w0819.2, override_line, "{found:?}");
    assert_eq!(
        w0819.3,
        ["on cluster `staging`, where `on.staging` sets it"]
    );
    // The manifest's Service is on both clusters: the finding there is for staging only.
    let w0818 = by("W0818");
    assert_eq!(w0818.1, "orders-api.yaml");
    assert_eq!(w0818.3, ["only on cluster `staging`"], "{found:?}");
}

#[test]
fn a_service_on_one_cluster_only_is_missing_on_the_other() {
    let admin_ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: orders-admin\nspec:\n  ingressClassName: nginx\n  rules:\n    - host: admin.example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: orders-admin\n                port:\n                  name: http\n";
    let admin_service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: orders-admin\nspec:\n  selector:\n    app.kubernetes.io/name: orders-api\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n";
    let found = on_two_clusters(
        "\n[namespaces.shop.on.prod]\nmanifests = [\"manifests/*.yaml\", \"admin/*.yaml\", \"prod/*.yaml\"]\n\
         \n[namespaces.shop.on.staging]\nmanifests = [\"manifests/*.yaml\", \"admin/*.yaml\"]\n",
        &[
            ("admin/ingress.yaml", admin_ingress),
            ("prod/service.yaml", admin_service),
        ],
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let (code, file, line, notes) = &found[0];
    assert_eq!(code, "W0812");
    assert_eq!(file, "ingress.yaml");
    assert_eq!(*line, 15);
    assert_eq!(notes, &["only on cluster `staging`".to_string()]);
}
