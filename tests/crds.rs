//! Every custom resource the repository's platform.toml compiles to (KafkaTopic,
//! PrometheusRule, ExternalSecret) is valid under its upstream CRD schema in schemas/crds/ (draft-07,
//! strict: unknown fields rejected, as the API server's strict field validation does).

use std::path::Path;

use jsonschema::Validator;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator(file: &str) -> Validator {
    let path = root().join("schemas/crds").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    jsonschema::draft7::new(&schema).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The schema file for a kind platc emits as a custom resource.
fn schema_file(kind: &str) -> Option<&'static str> {
    match kind {
        "KafkaTopic" => Some("kafka.strimzi.io_kafkatopic_v1.json"),
        "PrometheusRule" => Some("monitoring.coreos.com_prometheusrule_v1.json"),
        "ExternalSecret" => Some("external-secrets.io_externalsecret_v1.json"),
        _ => None,
    }
}

/// (path, kind, object) of every generated file, parsed back from its YAML.
fn generated() -> Vec<(String, String, Value)> {
    let compiled = platc::app::compile_file(&root().join("platform.toml"))
        .unwrap_or_else(|_| panic!("platform.toml does not compile"));
    compiled
        .objects
        .iter()
        .map(|o| {
            let path = o.path();
            let text = std::str::from_utf8(&compiled.tree[&path])
                .unwrap_or_else(|e| panic!("{path}: {e}"))
                .to_string();
            let value: Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            (path, o.kind.to_string(), value)
        })
        .collect()
}

fn errors(v: &Validator, value: &Value) -> Vec<String> {
    v.iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_generated_custom_resource_matches_its_upstream_schema() {
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    for (path, kind, value) in generated() {
        let Some(file) = schema_file(&kind) else {
            continue;
        };
        let errs = errors(&validator(file), &value);
        assert!(errs.is_empty(), "{path} is not a valid {kind}: {errs:#?}");
        *checked.entry(kind).or_default() += 1;
    }
    // The repository's platform has one topic and two pipelines with alerts, on each of its
    // two clusters (staging and prod).
    assert_eq!(checked.get("KafkaTopic"), Some(&2), "{checked:?}");
    assert_eq!(checked.get("PrometheusRule"), Some(&4), "{checked:?}");
    // Two secrets: one with `data` and a property, one with `data_from`.
    assert_eq!(checked.get("ExternalSecret"), Some(&4), "{checked:?}");
}

fn first_of(kind: &str) -> Value {
    generated()
        .into_iter()
        .find(|(_, k, _)| k == kind)
        .map(|(_, _, v)| v)
        .unwrap_or_else(|| panic!("no {kind} generated"))
}

#[test]
fn a_misspelled_spec_field_is_rejected() {
    let mut topic = first_of("KafkaTopic");
    let spec = topic["spec"].as_object_mut().expect("spec");
    let partitions = spec.remove("partitions").expect("partitions");
    spec.insert("partition".into(), partitions);
    let errs = errors(&validator("kafka.strimzi.io_kafkatopic_v1.json"), &topic);
    assert!(
        errs.iter().any(|e| e.contains("partition")),
        "a KafkaTopic with `spec.partition` passed: {errs:?}"
    );

    let mut rule = first_of("PrometheusRule");
    let first_rule = rule["spec"]["groups"][0]["rules"][0]
        .as_object_mut()
        .expect("a rule");
    let expr = first_rule.remove("expr").expect("expr");
    first_rule.insert("expression".into(), expr);
    let errs = errors(
        &validator("monitoring.coreos.com_prometheusrule_v1.json"),
        &rule,
    );
    assert!(
        !errs.is_empty(),
        "a PrometheusRule rule with `expression` instead of `expr` passed"
    );
}

#[test]
fn a_wrong_api_version_is_rejected() {
    let mut topic = first_of("KafkaTopic");
    topic["apiVersion"] = Value::from("kafka.strimzi.io/v1beta2");
    assert!(!errors(&validator("kafka.strimzi.io_kafkatopic_v1.json"), &topic).is_empty());
}

#[test]
fn dashboards_hold_one_valid_dashboard_json_with_a_short_uid() {
    let mut seen = 0;
    for (path, kind, value) in generated() {
        if kind != "ConfigMap" || value["metadata"]["labels"]["grafana_dashboard"] != "1" {
            continue;
        }
        let data = value["data"].as_object().expect("data");
        assert_eq!(data.len(), 1, "{path}: one dashboard per ConfigMap");
        let (key, text) = data.iter().next().expect("one key");
        assert!(key.ends_with(".json"), "{path}: {key}");
        let dashboard: Value = serde_json::from_str(text.as_str().expect("a string"))
            .unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
        let uid = dashboard["uid"].as_str().expect("uid");
        assert!(!uid.is_empty() && uid.len() <= 40, "{path}: uid {uid}");
        let titles: Vec<&str> = dashboard["panels"]
            .as_array()
            .expect("panels")
            .iter()
            .filter_map(|p| p["title"].as_str())
            .collect();
        for want in ["last success", "Schedule", "Failed runs", "durations"] {
            assert!(
                titles.iter().any(|t| t.contains(want)),
                "{path}: no `{want}` panel in {titles:?}"
            );
        }
        seen += 1;
    }
    // Two pipelines with a dashboard, on each of two clusters.
    assert_eq!(seen, 4);
}
