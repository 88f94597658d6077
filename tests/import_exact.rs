//! Issue 25: `platc import` gives exactly the input's objects back, or says why it cannot.
//! Each test imports hand-written YAML of a style teams keep, builds the result, and holds
//! `out/` to the input with `common::same` (every input object built back equal as data but
//! for what docs/import.md lists; no object the input did not have).

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

fn platc(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("platc")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A folder with the input files under `in/`.
fn input(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        let p = dir.path().join("in").join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
    dir
}

/// Imports `in/` (with `args`) and builds; the import's output.
fn import_and_build(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["import", "in"];
    all.extend(args);
    let o = platc(dir, &all);
    assert_eq!(o.status.code(), Some(0), "import: {}", text(&o.stderr));
    let b = platc(dir, &["build"]);
    assert_eq!(b.status.code(), Some(0), "build: {}", text(&b.stderr));
    o
}

/// Imports and builds `files`, and holds `out/` to them; the report.
fn round_trip(files: &[(&str, &str)]) -> String {
    let dir = input(files);
    let o = import_and_build(dir.path(), &[]);
    let broken = common::same::broken_promises(
        &common::same::inputs(&dir.path().join("in")),
        &dir.path().join("out"),
    );
    assert!(
        broken.is_empty(),
        "{}\nreport:\n{}\nconfig:\n{}",
        broken.join("\n"),
        text(&o.stdout),
        fs::read_to_string(dir.path().join("platform.toml")).unwrap()
    );
    text(&o.stdout)
}

fn config(dir: &Path) -> String {
    fs::read_to_string(dir.join("platform.toml")).unwrap()
}

const QUOTA_TOO_SMALL: &str = "apiVersion: v1
kind: ResourceQuota
metadata: {name: team-quota, namespace: team}
spec:
  hard: {requests.cpu: '1', limits.cpu: '1'}
---
apiVersion: v1
kind: Pod
metadata: {name: big, namespace: team}
spec:
  containers:
  - name: a
    image: busybox:1.36
    resources: {requests: {cpu: '2'}, limits: {cpu: '2'}}
    securityContext:
      runAsNonRoot: true
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
      seccompProfile: {type: RuntimeDefault}
";

const CRONJOB: &str = "apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: team}
spec:
  schedule: '0 1 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: run
            image: registry.example.com/nightly:1.0
";

const EXTERNAL_SECRET: &str = "apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: db, namespace: team}
spec:
  refreshInterval: 1h
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: db}
  data:
  - secretKey: password
    remoteRef: {key: db/pass}
";

/// Item 1: an object that does not map is kept, and nothing else of its namespace vanishes.
#[test]
fn every_object_in_is_an_object_out() {
    let report = round_trip(&[
        ("quota.yaml", QUOTA_TOO_SMALL),
        ("cronjob.yaml", CRONJOB),
        ("externalsecret.yaml", EXTERNAL_SECRET),
    ]);
    assert!(
        report.contains("ExternalSecret team/db: mapped"),
        "{report}"
    );
}

/// Item 2: a namespace that only holds ExternalSecrets gets no policies.
#[test]
fn a_namespace_of_external_secrets_gets_no_policies() {
    round_trip(&[("externalsecret.yaml", EXTERNAL_SECRET)]);
    // Its Namespace in the input too: platc's, still without the policies the input lacks.
    round_trip(&[
        ("ns.yaml", NAMESPACE_RESTRICTED),
        (
            "externalsecret.yaml",
            &EXTERNAL_SECRET.replace("team", "web"),
        ),
    ]);
}

const DESCHEDULER: &str = "kind: Role
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: descheduler-role
rules:
- apiGroups: ['']
  resources: ['secrets']
  verbs: ['get', 'list', 'watch']
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: descheduler-sa
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: descheduler-role-binding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: descheduler-role
subjects:
  - name: descheduler-sa
    kind: ServiceAccount
    namespace: kube-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: descheduler-policy-configmap
  namespace: kube-system
data:
  policy.yaml: |
    apiVersion: descheduler/v1alpha2
    kind: DeschedulerPolicy
";

/// Item 3: namespaces the input uses but does not define are not platc's: no Namespace object,
/// no Pod Security labels, no policies; a Namespace the input defines keeps its own labels.
#[test]
fn namespaces_the_input_does_not_define_are_not_managed() {
    let dir = input(&[("descheduler.yaml", DESCHEDULER)]);
    import_and_build(dir.path(), &[]);
    let config = config(dir.path());
    assert!(
        config.contains("[namespaces.kube-system]\nmanaged = false\n")
            && config.contains("[namespaces.default]\nmanaged = false\n"),
        "{config}"
    );
    let broken = common::same::broken_promises(
        &common::same::inputs(&dir.path().join("in")),
        &dir.path().join("out"),
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    // A Namespace without Pod Security labels stays without them.
    round_trip(&[(
        "ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {team: a}}\n",
    )]);
}

/// Item 4: a label platc also sets keeps the input's value, in import and in manifests.
#[test]
fn an_objects_own_part_of_label_is_kept() {
    let svc = |name: &str, part_of: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: monitoring\n  labels: {{app.kubernetes.io/part-of: {part_of}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: 80}}]\n"
        )
    };
    let sa = |name: &str, part_of: &str| {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: monitoring\n  labels: {{app.kubernetes.io/part-of: {part_of}}}\n"
        )
    };
    round_trip(&[
        ("a.yaml", &svc("grafana", "kube-prometheus")),
        ("b.yaml", &svc("prometheus", "kube-prometheus")),
        ("c.yaml", &svc("blackbox", "blackbox")),
        ("d.yaml", &sa("grafana", "kube-prometheus")),
        ("e.yaml", &sa("blackbox", "blackbox")),
    ]);
    // In manifests: the manifest's own value wins over the platform's name.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("m")).unwrap();
    fs::write(dir.path().join("m/svc.yaml"), svc("blackbox", "blackbox")).unwrap();
    fs::write(
        dir.path().join("platform.toml"),
        "[platform]\nname = \"p\"\n[namespaces.monitoring]\nmanifests = [\"m/*.yaml\"]\n",
    )
    .unwrap();
    let b = platc(dir.path(), &["build"]);
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    let built = fs::read_to_string(
        dir.path()
            .join("out/default/monitoring/service-blackbox.yaml"),
    )
    .unwrap();
    assert!(
        built.contains("app.kubernetes.io/part-of: blackbox"),
        "{built}"
    );
}

/// Item 5: the same object twice: equal copies are folded with a line saying so; different
/// ones are an error naming both places, and nothing is written.
#[test]
fn the_same_object_twice_is_folded_or_refused() {
    let cm = |v: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: settings, namespace: app}}\ndata: {{level: {v}}}\n"
        )
    };
    let report = round_trip(&[("a.yaml", &cm("info")), ("b.yaml", &cm("info"))]);
    assert!(
        report
            .contains("in/b.yaml:3:18  ConfigMap app/settings: the same as in/a.yaml:3:18, folded"),
        "{report}"
    );
    for (a, b) in [("ConfigMap", "ConfigMap"), ("Role", "Role")] {
        let body = |k: &str, v: &str| match k {
            "Role" => format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: settings, namespace: app}}\nrules: [{{apiGroups: [''], resources: [{v}], verbs: [get]}}]\n"
            ),
            _ => cm(v),
        };
        let dir = input(&[
            ("a.yaml", &body(a, "pods")),
            ("b.yaml", &body(b, "secrets")),
        ]);
        let o = platc(dir.path(), &["import", "in"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        let err = text(&o.stderr);
        assert!(
            err.contains(&format!("{a} app/settings is defined twice, differently"))
                && err.contains("--> in/b.yaml:3:")
                && err.contains("in/a.yaml:3:"),
            "{err}"
        );
        assert!(!dir.path().join("platform.toml").exists());
    }
}

/// The CRD of an `example.com` Gadget of `scope` whose `spec` has `properties` (one line).
fn gadget_crd(scope: &str, properties: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: gadgets.example.com}}
spec:
  group: example.com
  names: {{kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget}}
  scope: {scope}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              {properties}
"
    )
}

/// Item 6: cluster-scoped custom resources stay cluster-scoped: the kinds platc knows, and
/// those whose CustomResourceDefinition is among the input.
#[test]
fn cluster_scoped_custom_resources_stay_cluster_scoped() {
    let stores = "apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata: {name: vault}
spec:
  provider:
    vault: {server: 'https://vault.example.com', path: secret, version: v2}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: one}
spec: {size: 1}
---
"
    .to_string()
        + &gadget_crd("Cluster", "size: {type: integer}");
    let dir = input(&[("stores.yaml", &stores)]);
    import_and_build(dir.path(), &[]);
    for file in [
        "out/default/_cluster/clustersecretstore-vault.yaml",
        "out/default/_cluster/gadget-one.yaml",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    let broken = common::same::broken_promises(
        &common::same::inputs(&dir.path().join("in")),
        &dir.path().join("out"),
    );
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    // A custom resource whose scope nobody says, written without a namespace, is an error.
    let dir = input(&[(
        "gadget.yaml",
        "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: one}\n",
    )]);
    let o = platc(dir.path(), &["import", "in"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("--> in/gadget.yaml:2:7")
            && err.contains("whether Gadget (example.com) is namespaced or cluster-scoped"),
        "{err}"
    );
}

/// Item 7: a CronJob whose pipeline would run hardened is kept as it is, with the settings
/// that would change; `--harden` maps it with them.
#[test]
fn a_cronjob_is_mapped_only_when_it_comes_back_the_same() {
    let report = round_trip(&[("cronjob.yaml", CRONJOB)]);
    assert!(
        report.contains("CronJob team/nightly: kept as manifest: as a pipeline it would change: ")
            && report.contains("securityContext")
            && report.contains("--harden"),
        "{report}"
    );
    let dir = input(&[("cronjob.yaml", CRONJOB)]);
    let o = import_and_build(dir.path(), &["--harden"]);
    let report = text(&o.stdout);
    assert!(
        report.contains("CronJob team/nightly: mapped, changed: ")
            && report.contains("securityContext"),
        "{report}"
    );
    assert!(config(dir.path()).contains("[namespaces.team.pipelines.nightly]"));
}

/// Item 8: a KafkaTopic's config numbers stay numbers.
#[test]
fn kafka_topic_config_numbers_stay_numbers() {
    let dir = input(&[
        ("cronjob.yaml", &CRONJOB.replace("nightly", "prices")),
        (
            "topic.yaml",
            "apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata:
  name: prices
  namespace: team
  labels: {strimzi.io/cluster: events}
spec:
  partitions: 3
  replicas: 3
  config:
    min.cleanable.dirty.ratio: 0.5
    segment.bytes: 1073741824
    cleanup.policy: compact
",
        ),
    ]);
    import_and_build(dir.path(), &["--harden"]);
    let config = config(dir.path());
    assert!(
        config.contains("\"min.cleanable.dirty.ratio\" = 0.5"),
        "{config}"
    );
    let topic =
        fs::read_to_string(dir.path().join("out/default/team/kafkatopic-prices.yaml")).unwrap();
    assert!(
        topic.contains("min.cleanable.dirty.ratio: 0.5\n"),
        "{topic}"
    );
}

const NAMESPACE_RESTRICTED: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: web
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.33
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/warn-version: v1.33
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/audit-version: v1.33
";

/// Item 11: a build failure in a namespace (a quota its own Pod exceeds) keeps what it is
/// about as a manifest, not the namespace's Namespace object among its manifests (an
/// internal error at a file import never wrote); a Namespace kept as a manifest goes with
/// its cluster's objects.
#[test]
fn a_failed_build_does_not_move_the_namespace() {
    let web = QUOTA_TOO_SMALL.replace("team", "web");
    let report = round_trip(&[("ns.yaml", NAMESPACE_RESTRICTED), ("quota.yaml", &web)]);
    assert!(report.contains("Namespace web: mapped"), "{report}");
    assert!(
        report.contains("ResourceQuota web/web-quota: kept as manifest: the platform did not build with it mapped"),
        "{report}"
    );
    let ns = NAMESPACE_RESTRICTED.replace("    pod-security.kubernetes.io/warn: restricted\n", "");
    let report = round_trip(&[("ns.yaml", &ns)]);
    assert!(
        report.contains(
            "Namespace web: kept as manifest: platc would add: pod-security.kubernetes.io/warn ("
        ) && report.contains("-> manifests/_cluster/default/namespace-web.yaml"),
        "{report}"
    );
}

/// What the build of an import refuses is said at the input's line, never at a file import
/// would have written.
#[test]
fn import_errors_point_at_the_input() {
    let deploy = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.0
        securityContext:
          privileged: true
";
    let dir = input(&[("ns.yaml", NAMESPACE_RESTRICTED), ("deploy.yaml", deploy)]);
    let o = platc(dir.path(), &["import", "in"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[E0712]") && err.contains("--> in/deploy.yaml:13:23"),
        "{err}"
    );
    assert!(!err.contains("manifests/"), "{err}");
    assert!(!dir.path().join("platform.toml").exists());
}

/// Old API versions: one located error each, naming the version to use.
#[test]
fn old_api_versions_name_the_version_to_use() {
    let objects = [
        ("batch/v1beta1", "CronJob", "batch/v1"),
        ("batch/v2alpha1", "CronJob", "batch/v1"),
        ("policy/v1beta1", "PodDisruptionBudget", "policy/v1"),
        ("extensions/v1beta1", "Ingress", "networking.k8s.io/v1"),
        ("extensions/v1beta1", "Deployment", "apps/v1"),
    ];
    let text_of = |(v, k, _): &(&str, &str, &str)| {
        format!("apiVersion: {v}\nkind: {k}\nmetadata: {{name: old, namespace: web}}\n")
    };
    let all: Vec<String> = objects.iter().map(text_of).collect();
    let dir = input(&[("old.yaml", &all.join("---\n"))]);
    let o = platc(dir.path(), &["import", "in"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("error[E0704]").count(), objects.len(), "{err}");
    for (i, (v, k, want)) in objects.iter().enumerate() {
        assert!(
            err.contains(&format!(
                "error[E0704]: Kubernetes 1.33 does not serve {k} as `{v}`\n"
            )) && err.contains(&format!("--> in/old.yaml:{}:13\n", 1 + 4 * i))
                && err.contains(&format!("use `apiVersion: {want}`")),
            "{v} {k}: {err}"
        );
    }
    // A kind Kubernetes removed names what replaces it.
    let dir = input(&[(
        "psp.yaml",
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: old}\n",
    )]);
    let err = text(&platc(dir.path(), &["import", "in"]).stderr);
    assert!(
        err.contains("PodSecurityPolicy was removed in Kubernetes 1.25")
            && err.contains("--> in/psp.yaml:1:13"),
        "{err}"
    );
}

/// The messages: `generateName`, a name that is not text, an empty List, a policy without
/// `policyTypes` (an ingress policy, as Kubernetes reads it).
#[test]
fn messages_say_what_kubernetes_would_do() {
    let dir = input(&[
        (
            "hook.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  namespace: web\n",
        ),
        (
            "number.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 12345\n",
        ),
    ]);
    let o = platc(dir.path(), &["import", "in"]);
    let err = text(&o.stderr);
    assert!(
        err.contains("`metadata.generateName` without `metadata.name`")
            && err.contains("--> in/hook.yaml:4:3")
            && err.contains("`metadata.name` must be a string, not a number")
            && err.contains("--> in/number.yaml:4:9"),
        "{err}"
    );
    let dir = input(&[("empty.yaml", "apiVersion: v1\nkind: List\nitems: []\n")]);
    let o = platc(dir.path(), &["import", "in"]);
    let err = text(&o.stderr);
    assert!(
        err.contains("error[E0717]: nothing to import: the List is empty")
            && err.contains("--> in/empty.yaml:3:1"),
        "{err}"
    );
    let report = round_trip(&[
        ("empty.yaml", "apiVersion: v1\nkind: List\nitems: []\n"),
        (
            "policy.yaml",
            "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-monitoring, namespace: web}
spec:
  podSelector: {}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
",
        ),
    ]);
    assert!(
        report.contains("in/empty.yaml:3:1  List: empty, nothing to import")
            && report.contains("NetworkPolicy web/from-monitoring: mapped"),
        "{report}"
    );
}

/// The CustomResourceDefinitions of the input check its custom resources, as `[platform]
/// crds` does (import writes it for them), and a violation is said at the input.
#[test]
fn custom_resources_are_checked_against_the_crds_of_the_input() {
    let crd = &gadget_crd(
        "Namespaced",
        "mode: {type: string, pattern: '^(?i)(abort|warn)$'}",
    );
    let gadget = |mode: &str| {
        format!(
            "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {{name: one, namespace: lab}}\nspec:\n  mode: {mode}\n"
        )
    };
    let dir = input(&[("crd.yaml", crd), ("gadget.yaml", &gadget("WARN"))]);
    import_and_build(dir.path(), &[]);
    assert!(
        config(dir.path())
            .contains("crds = [\"manifests/_cluster/default/customresourcedefinition-*.yaml\"]"),
        "{}",
        config(dir.path())
    );
    let dir = input(&[("crd.yaml", crd), ("gadget.yaml", &gadget("sometimes"))]);
    let o = platc(dir.path(), &["import", "in"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[E0707]: Gadget `one`: `spec.mode`: \"sometimes\" does not match the pattern `^(?i)(abort|warn)$`")
            && err.contains("--> in/gadget.yaml:5:9"),
        "{err}"
    );
}
