//! CustomResourceDefinitions as users download them: the kind they define, its scope, and the
//! `openAPIV3Schema` of every served version as a JSON Schema a custom resource is checked
//! against (the way the API server checks it: unknown fields refused where the schema does
//! not preserve them, `x-kubernetes-int-or-string`, `nullable`, RE2 patterns).

use serde_json::{Map, Value as Json, json};

/// What a CustomResourceDefinition defines.
#[derive(Debug, Clone)]
pub struct Crd {
    /// `monitoring.coreos.com`.
    pub group: String,
    /// `PrometheusRule`.
    pub kind: String,
    /// `scope: Cluster`.
    pub cluster_scoped: bool,
    /// Every served version with its schema as a JSON Schema of the whole object (`None`:
    /// the version has no schema).
    pub versions: Vec<(String, Option<Json>)>,
}

impl Crd {
    /// The `apiVersion` of `version`.
    pub fn api_version(&self, version: &str) -> String {
        format!("{}/{version}", self.group)
    }
}

/// Whether `json` is a CustomResourceDefinition (of any version of its API).
pub fn is_crd(json: &Json) -> bool {
    json.get("kind").and_then(Json::as_str) == Some("CustomResourceDefinition")
        && json
            .get("apiVersion")
            .and_then(Json::as_str)
            .is_some_and(|v| v.starts_with("apiextensions.k8s.io/"))
}

/// Reads a CustomResourceDefinition object; why it defines nothing usable otherwise.
pub fn read(json: &Json) -> Result<Crd, String> {
    let spec = json.get("spec").ok_or("it has no `spec`")?;
    let text = |v: &Json, key: &str| v.get(key).and_then(Json::as_str).map(str::to_string);
    let group = text(spec, "group").ok_or("it has no `spec.group`")?;
    let kind = spec
        .get("names")
        .and_then(|n| text(n, "kind"))
        .ok_or("it has no `spec.names.kind`")?;
    let cluster_scoped = match spec.get("scope").and_then(Json::as_str) {
        Some("Cluster") => true,
        Some("Namespaced") => false,
        other => {
            return Err(format!(
                "its `spec.scope` is {}, not `Namespaced` or `Cluster`",
                other.map_or("missing".to_string(), |s| format!("`{s}`"))
            ));
        }
    };
    let mut versions = Vec::new();
    for v in spec
        .get("versions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let name = text(v, "name").ok_or("a version without a `name`")?;
        if v.get("served").and_then(Json::as_bool) == Some(false) {
            continue;
        }
        let schema = v
            .pointer("/schema/openAPIV3Schema")
            .or_else(|| spec.pointer("/validation/openAPIV3Schema"))
            .map(|s| whole_object(s, &format!("{group}/{name}"), &kind));
        versions.push((name, schema));
    }
    if versions.is_empty() {
        return Err("it serves no version".into());
    }
    Ok(Crd {
        group,
        kind,
        cluster_scoped,
        versions,
    })
}

/// The JSON Schema of a whole object of `kind` from a version's `openAPIV3Schema`: the API
/// server's own checks made explicit (apiVersion and kind, `metadata` as an object).
fn whole_object(openapi: &Json, api_version: &str, kind: &str) -> Json {
    let mut schema = convert(openapi);
    if let Some(root) = schema.as_object_mut() {
        let props = root
            .entry("properties")
            .or_insert_with(|| Json::Object(Map::new()));
        if let Some(p) = props.as_object_mut() {
            p.insert("apiVersion".into(), json!({"const": api_version}));
            p.insert("kind".into(), json!({"const": kind}));
            p.entry("metadata")
                .or_insert_with(|| json!({"type": "object"}));
        }
        root.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([{
                "group": api_version.rsplit_once('/').map_or("", |(g, _)| g),
                "version": api_version.rsplit_once('/').map_or(api_version, |(_, v)| v),
                "kind": kind,
            }]),
        );
    }
    schema
}

/// The keyword RE2 patterns are checked by ([`super::schema`] registers it): Kubernetes takes
/// a CRD's `pattern` as Go's regexp (RE2) syntax, not ECMA-262's.
pub const RE2_PATTERN: &str = "x-platc-re2-pattern";

/// An OpenAPI v3 schema (structural, as CRDs hold) as a JSON Schema:
/// - an object that lists `properties` refuses other fields (the API server prunes them, and
///   server-side field validation, which `kubectl apply` asks for, refuses them), unless it
///   says `x-kubernetes-preserve-unknown-fields` or gives `additionalProperties`;
/// - `x-kubernetes-int-or-string` takes an integer or a string;
/// - `nullable` takes `null` too;
/// - `pattern` is checked as RE2 ([`RE2_PATTERN`]);
/// - `x-kubernetes-embedded-resource` objects keep their apiVersion, kind and metadata.
///
/// `x-kubernetes-validations` (CEL) and `format` are not checked.
pub fn convert(schema: &Json) -> Json {
    convert_in(schema, false)
}

/// [`convert`]; `branch`: within `allOf`, `anyOf`, `oneOf` or `not`, whose `properties` only
/// validate (the API server prunes by the schema around them), so they refuse nothing more.
fn convert_in(schema: &Json, branch: bool) -> Json {
    let Json::Object(s) = schema else {
        return schema.clone();
    };
    let convert = |v: &Json| convert_in(v, branch);
    let convert_branch = |v: &Json| convert_in(v, true);
    let mut out = Map::new();
    for (k, v) in s {
        let v = match k.as_str() {
            "properties" | "patternProperties" | "definitions" => match v {
                Json::Object(m) => {
                    Json::Object(m.iter().map(|(n, s)| (n.clone(), convert(s))).collect())
                }
                other => other.clone(),
            },
            "items" | "additionalProperties" => match v {
                Json::Array(a) => Json::Array(a.iter().map(convert).collect()),
                Json::Object(_) => convert(v),
                other => other.clone(),
            },
            "not" => convert_branch(v),
            "allOf" | "anyOf" | "oneOf" => match v {
                Json::Array(a) => Json::Array(a.iter().map(convert_branch).collect()),
                other => other.clone(),
            },
            "pattern" => {
                out.insert(RE2_PATTERN.into(), v.clone());
                continue;
            }
            // Kept for what they say, checked by nothing.
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    let flag = |key: &str| s.get(key).and_then(Json::as_bool) == Some(true);
    if flag("x-kubernetes-int-or-string") {
        out.remove("type");
        out.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    if flag("nullable")
        && let Some(Json::String(t)) = out.get("type").cloned()
    {
        out.insert("type".into(), json!([t, "null"]));
        if let Some(Json::Array(e)) = out.get_mut("enum") {
            e.push(Json::Null);
        }
    }
    let open = branch
        || flag("x-kubernetes-preserve-unknown-fields")
        || out.contains_key("additionalProperties")
        || !out.contains_key("properties");
    if !open {
        if flag("x-kubernetes-embedded-resource")
            && let Some(Json::Object(p)) = out.get_mut("properties")
        {
            for key in ["apiVersion", "kind"] {
                p.entry(key).or_insert_with(|| json!({"type": "string"}));
            }
            p.entry("metadata")
                .or_insert_with(|| json!({"type": "object"}));
        }
        out.insert("additionalProperties".into(), Json::Bool(false));
    }
    Json::Object(out)
}

/// Renames every `pattern` keyword of a JSON Schema to [`RE2_PATTERN`] (the value of a
/// property named `pattern` is no keyword and stays).
pub fn re2_patterns(schema: &mut Json) {
    let Json::Object(s) = schema else {
        return;
    };
    if let Some(p) = s.remove("pattern") {
        if p.is_string() {
            s.insert(RE2_PATTERN.into(), p);
        } else {
            s.insert("pattern".into(), p);
        }
    }
    for (k, v) in s.iter_mut() {
        match (k.as_str(), v) {
            (
                "properties" | "patternProperties" | "definitions" | "$defs" | "dependentSchemas",
                Json::Object(m),
            ) => m.values_mut().for_each(re2_patterns),
            (
                "items"
                | "additionalProperties"
                | "additionalItems"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "allOf"
                | "anyOf"
                | "oneOf"
                | "prefixItems",
                v,
            ) => match v {
                Json::Array(items) => items.iter_mut().for_each(re2_patterns),
                other => re2_patterns(other),
            },
            _ => {}
        }
    }
}

/// Custom resource kinds whose scope platc knows without their CRD: those of the operators
/// platc writes objects for (External Secrets, Strimzi, Prometheus Operator, Argo CD) and the
/// APIs Kubernetes' SIGs maintain as CRDs (Gateway API, volume snapshots). `*` stands for
/// every other kind of the group.
const KNOWN: [(&str, &str, bool); 19] = [
    ("external-secrets.io", "ClusterSecretStore", true),
    ("external-secrets.io", "ClusterExternalSecret", true),
    ("external-secrets.io", "ClusterPushSecret", true),
    ("external-secrets.io", "*", false),
    ("generators.external-secrets.io", "ClusterGenerator", true),
    ("generators.external-secrets.io", "*", false),
    ("kafka.strimzi.io", "*", false),
    ("core.strimzi.io", "*", false),
    ("monitoring.coreos.com", "*", false),
    ("argoproj.io", "Application", false),
    ("argoproj.io", "ApplicationSet", false),
    ("argoproj.io", "AppProject", false),
    ("cert-manager.io", "ClusterIssuer", true),
    ("cert-manager.io", "*", false),
    ("gateway.networking.k8s.io", "GatewayClass", true),
    ("gateway.networking.k8s.io", "*", false),
    ("snapshot.storage.k8s.io", "VolumeSnapshot", false),
    ("snapshot.storage.k8s.io", "VolumeSnapshotClass", true),
    ("snapshot.storage.k8s.io", "VolumeSnapshotContent", true),
];

/// Whether a custom resource kind of `group` platc knows without its CRD is cluster-scoped.
pub fn known_scope(group: &str, kind: &str) -> Option<bool> {
    let find = |k: &str| {
        KNOWN
            .iter()
            .find(|(g, known, _)| *g == group && *known == k)
            .map(|(_, _, c)| *c)
    };
    find(kind).or_else(|| find("*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crd_gives_its_kind_scope_and_served_schemas() {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "gadgets.example.com"},
            "spec": {
                "group": "example.com",
                "names": {"kind": "Gadget", "plural": "gadgets"},
                "scope": "Cluster",
                "versions": [
                    {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                        "type": "object",
                        "properties": {"spec": {"type": "object", "properties": {
                            "port": {"x-kubernetes-int-or-string": true},
                            "mode": {"type": "string", "pattern": "^(?i)(abort|warn)?$", "nullable": true},
                            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
                        }}}
                    }}},
                    {"name": "v1beta1", "served": false, "storage": false}
                ]
            }
        });
        assert!(is_crd(&crd));
        let c = read(&crd).unwrap();
        assert_eq!(
            (c.group.as_str(), c.kind.as_str(), c.cluster_scoped),
            ("example.com", "Gadget", true)
        );
        assert_eq!(c.versions.len(), 1, "served versions only");
        let schema = c.versions[0].1.clone().unwrap();
        let spec = &schema["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], false);
        assert_eq!(spec["properties"]["port"]["anyOf"][1]["type"], "string");
        assert_eq!(
            spec["properties"]["mode"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(
            spec["properties"]["mode"][RE2_PATTERN],
            "^(?i)(abort|warn)?$"
        );
        assert!(spec["properties"]["mode"].get("pattern").is_none());
        assert!(
            spec["properties"]["extra"]
                .get("additionalProperties")
                .is_none()
        );
        // The branches of `oneOf` (Strimzi's `certificate` or `pattern`) refuse nothing more.
        let branchy = convert(&json!({
            "type": "object",
            "properties": {"secretName": {"type": "string"}, "pattern": {"type": "string"}},
            "oneOf": [{"properties": {"pattern": {}}, "required": ["pattern"]}]
        }));
        assert_eq!(branchy["additionalProperties"], false);
        assert!(branchy["oneOf"][0].get("additionalProperties").is_none());
        assert_eq!(branchy["properties"]["pattern"]["type"], "string");
        assert_eq!(schema["properties"]["kind"]["const"], "Gadget");
        assert_eq!(
            read(&json!({"spec": {"group": "g", "names": {"kind": "K"}}})).unwrap_err(),
            "its `spec.scope` is missing, not `Namespaced` or `Cluster`"
        );
    }
}
