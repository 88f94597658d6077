//! Secret material in an object: what must never reach `out/` (and so git), wherever it came
//! from. One rule for manifests, for objects after a patch and for `platc import`, over the
//! YAML tree of a file ([`Node`]) or an object as JSON alike ([`Tree`]):
//!
//! - a `v1` Secret with `data` or `stringData`;
//! - an ExternalSecret (`external-secrets.io`, any version) whose `spec.target.template.data`
//!   or `spec.target.template.templateFrom[].literal` holds a literal: a value without any
//!   `{{ }}` action is written into the Secret as it is, so it is a value in git; the literal
//!   text around the actions of a template is held to [`credential`]. (`templateFrom` items
//!   that name a ConfigMap or Secret hold no value here: what they name is checked where it
//!   is written, a Secret as above);
//! - an ExternalSecret whose remote key (`spec.data[].remoteRef.key` and `property`,
//!   `spec.dataFrom[].extract.key`) looks like a pasted credential ([`credential`]);
//! - a `kubectl.kubernetes.io/last-applied-configuration` annotation, on any object, that
//!   holds any of the above (kubectl keeps the whole applied object there, a Secret's data
//!   included).

use serde_json::Value as Json;

use super::{Node, Step, Value};

/// The annotation kubectl keeps the applied object in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Which rule found secret material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A Secret's `data` or `stringData`.
    SecretData,
    /// A literal in an ExternalSecret's template.
    Template,
    /// An ExternalSecret's remote key that looks like a credential.
    RemoteKey,
    /// A last-applied annotation that holds any of these.
    LastApplied,
}

/// One piece of secret material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The rule that found it.
    pub rule: Rule,
    /// Where it is in the object.
    pub path: Vec<Step>,
    /// Whether to point at the key at `path` rather than its value.
    pub at_key: bool,
    /// What is wrong, after the object's kind and name: "holds values in `data`".
    pub what: String,
    /// Where the value belongs instead.
    pub help: &'static str,
}

impl Found {
    /// `path` as a JSON Pointer (`/spec/target/template/data/password`).
    pub fn pointer(&self) -> String {
        self.path
            .iter()
            .map(|s| match s {
                Step::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
                Step::Index(i) => format!("/{i}"),
            })
            .collect()
    }
}

const HELP_SECRET: &str = "keep the values in a secret store and create the Secret with an ExternalSecret (External Secrets Operator), which names the store and the remote key, never the value";
const HELP_TEMPLATE: &str = "a template writes into the Secret only what it renders from the values ESO fetched (`{{ .password }}`); keep the value itself in the store, and a constant that is no secret in a ConfigMap";
const HELP_REMOTE_KEY: &str = "a remote key says where the value is in the store (`commodities/api`, `prod/db#password`), never the value itself; this one is now in the branch's history, so rotate it";
const HELP_LAST_APPLIED: &str = "remove the annotation: `kubectl apply` keeps the whole object in it, a Secret's values included; platc's objects never need it";

/// A tree of a YAML file or of an object as JSON.
pub trait Tree: Sized {
    /// The entry `key` of a mapping.
    fn field(&self, key: &str) -> Option<&Self>;
    /// The string value.
    fn text(&self) -> Option<&str>;
    /// The items of a list.
    fn list(&self) -> &[Self];
    /// The entries of a mapping.
    fn entries(&self) -> Vec<(&str, &Self)>;
    /// Whether it is null.
    fn is_null(&self) -> bool;
}

impl Tree for Node {
    fn field(&self, key: &str) -> Option<&Self> {
        self.get(key)
    }
    fn text(&self) -> Option<&str> {
        self.as_str()
    }
    fn list(&self) -> &[Self] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }
    fn entries(&self) -> Vec<(&str, &Self)> {
        match &self.value {
            Value::Map(entries) => entries.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            _ => Vec::new(),
        }
    }
    fn is_null(&self) -> bool {
        self.value == Value::Null
    }
}

impl Tree for Json {
    fn field(&self, key: &str) -> Option<&Self> {
        self.as_object()?.get(key)
    }
    fn text(&self) -> Option<&str> {
        self.as_str()
    }
    fn list(&self) -> &[Self] {
        self.as_array().map_or(&[], Vec::as_slice)
    }
    fn entries(&self) -> Vec<(&str, &Self)> {
        self.as_object()
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default()
    }
    fn is_null(&self) -> bool {
        Json::is_null(self)
    }
}

/// Every piece of secret material in `object`, in the order of the rules above.
pub fn material<T: Tree>(object: &T) -> Vec<Found> {
    let mut out = Vec::new();
    find(object, 0, &mut out);
    out
}

/// How deep a last-applied annotation is read for another one inside it.
const MAX_NESTING: usize = 2;

fn key(k: &str) -> Step {
    Step::Key(k.to_string())
}

fn find<T: Tree>(object: &T, nesting: usize, out: &mut Vec<Found>) {
    let text = |k: &str| object.field(k).and_then(Tree::text).unwrap_or_default();
    let (api_version, kind) = (text("apiVersion"), text("kind"));
    if kind == "Secret" && api_version == "v1" {
        for field in ["data", "stringData"] {
            if object.field(field).is_some() {
                out.push(Found {
                    rule: Rule::SecretData,
                    path: vec![key(field)],
                    at_key: true,
                    what: format!("holds values in `{field}`"),
                    help: HELP_SECRET,
                });
            }
        }
    }
    if kind == "ExternalSecret" && super::kinds::group_of(api_version) == "external-secrets.io" {
        external_secret(object, out);
    }
    let annotations = object
        .field("metadata")
        .and_then(|m| m.field("annotations"));
    if let Some(applied) = annotations
        .and_then(|a| a.field(LAST_APPLIED))
        .and_then(Tree::text)
        && nesting < MAX_NESTING
        && let Ok(inner) = serde_json::from_str::<Json>(applied)
    {
        let mut within = Vec::new();
        find(&inner, nesting + 1, &mut within);
        if let Some(first) = within.first() {
            out.push(Found {
                rule: Rule::LastApplied,
                path: vec![key("metadata"), key("annotations"), key(LAST_APPLIED)],
                at_key: true,
                what: format!(
                    "keeps secret material in its `{LAST_APPLIED}` annotation (the object in it {} at `{}`)",
                    first.what,
                    first.pointer()
                ),
                help: HELP_LAST_APPLIED,
            });
        }
    }
}

fn external_secret<T: Tree>(object: &T, out: &mut Vec<Found>) {
    let Some(spec) = object.field("spec") else {
        return;
    };
    let at = |rest: &[Step]| {
        let mut path = vec![key("spec")];
        path.extend_from_slice(rest);
        path
    };
    let template = spec.field("target").and_then(|t| t.field("template"));
    if let Some(data) = template.and_then(|t| t.field("data")) {
        for (name, value) in data.entries() {
            if let Some(what) = value.text().and_then(literal) {
                out.push(Found {
                    rule: Rule::Template,
                    path: at(&[key("target"), key("template"), key("data"), key(name)]),
                    at_key: false,
                    what: format!("{what} in `spec.target.template.data.{name}`"),
                    help: HELP_TEMPLATE,
                });
            }
        }
    }
    if let Some(from) = template.and_then(|t| t.field("templateFrom")) {
        for (i, item) in from.list().iter().enumerate() {
            if let Some(what) = item.field("literal").and_then(Tree::text).and_then(literal) {
                out.push(Found {
                    rule: Rule::Template,
                    path: at(&[
                        key("target"),
                        key("template"),
                        key("templateFrom"),
                        Step::Index(i),
                        key("literal"),
                    ]),
                    at_key: false,
                    what: format!("{what} in `spec.target.template.templateFrom[{i}].literal`"),
                    help: HELP_TEMPLATE,
                });
            }
        }
    }
    let remote = |path: Vec<Step>, value: Option<&T>, out: &mut Vec<Found>| {
        if let Some(looks) = value.and_then(Tree::text).and_then(credential) {
            let shown = super::schema::show(&path);
            out.push(Found {
                rule: Rule::RemoteKey,
                path: at(&path),
                at_key: false,
                what: format!("names as a remote key in `spec.{shown}` what looks like {looks}"),
                help: HELP_REMOTE_KEY,
            });
        }
    };
    // `data[].remoteRef` and `dataFrom[].extract` name a key and a property in the store.
    for (list, reference) in [("data", "remoteRef"), ("dataFrom", "extract")] {
        let items = spec.field(list).map(Tree::list).unwrap_or(&[]);
        for (i, item) in items.iter().enumerate() {
            for field in ["key", "property"] {
                remote(
                    vec![key(list), Step::Index(i), key(reference), key(field)],
                    item.field(reference).and_then(|r| r.field(field)),
                    out,
                );
            }
        }
    }
}

/// What is wrong with a template's text: a literal (no `{{ }}` action at all, so the text is
/// the value), or literal text around its actions that looks like a credential.
fn literal(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if !text.contains("{{") {
        return Some("holds a literal value".into());
    }
    let mut rest = text;
    while !rest.is_empty() {
        let (before, after) = match rest.split_once("{{") {
            Some((b, a)) => (b, a.split_once("}}").map_or("", |(_, after)| after)),
            None => (rest, ""),
        };
        if let Some(looks) = credential(before) {
            return Some(format!(
                "holds what looks like {looks} beside its template actions"
            ));
        }
        rest = after;
    }
    None
}

/// A known token: its prefix, how many token characters at least follow it, what it is.
const PREFIXES: &[(&str, usize, &str)] = &[
    ("sk_live_", 10, "a Stripe secret key"),
    ("sk_test_", 10, "a Stripe secret key"),
    ("rk_live_", 10, "a Stripe restricted key"),
    ("rk_test_", 10, "a Stripe restricted key"),
    ("ghp_", 30, "a GitHub token"),
    ("gho_", 30, "a GitHub token"),
    ("ghu_", 30, "a GitHub token"),
    ("ghs_", 30, "a GitHub token"),
    ("ghr_", 30, "a GitHub token"),
    ("github_pat_", 30, "a GitHub token"),
    ("glpat-", 20, "a GitLab token"),
    ("xoxb-", 10, "a Slack token"),
    ("xoxp-", 10, "a Slack token"),
    ("xoxa-", 10, "a Slack token"),
    ("xoxr-", 10, "a Slack token"),
    ("xoxs-", 10, "a Slack token"),
    ("xapp-", 10, "a Slack token"),
    ("AKIA", 16, "an AWS access key ID"),
    ("ASIA", 16, "an AWS access key ID"),
    ("AIza", 35, "a Google API key"),
    ("npm_", 36, "an npm token"),
    ("pypi-", 40, "a PyPI token"),
    ("hf_", 30, "a Hugging Face token"),
    ("shpat_", 30, "a Shopify token"),
    ("sk-", 40, "an API secret key"),
];

/// Runs of at least this many letters and digits, with both in them, are read for entropy.
pub const RANDOM_RUN: usize = 32;
/// Shannon entropy, in bits a character, from which such a run of letters and digits counts
/// as random (random base64 of 32 characters has 4.2 or more in 99 of 100 draws; the longest
/// words-and-digits key names measured stay below 4.0).
pub const RANDOM_BITS: f64 = 4.0;
/// The same for a run of hexadecimal digits (random hex of 32: 3.3 or more in 99 of 100).
pub const RANDOM_HEX_BITS: f64 = 3.0;

/// What `text` (a remote key, a template's literal text) looks like when it looks like a
/// pasted credential rather than a name, else `None`:
///
/// - a PEM block (`-----BEGIN`);
/// - a part (between `/`, `#`, `:`, `=`, `.`, `,`, `@` and spaces) that starts with a known
///   token prefix ([`PREFIXES`]: `sk_live_`, `ghp_`, `AKIA`, `xoxb-`, ...) followed by at least
///   as many token characters as such tokens have;
/// - when `text` has no `/` (a key with a path is never read for entropy: `prod/db/password`),
///   a run of at least [`RANDOM_RUN`] letters and digits, both, with an entropy of
///   [`RANDOM_BITS`] bits a character or more ([`RANDOM_HEX_BITS`] when it is all hex digits).
///
/// Names such as `commodities/api#key`, `iceberg/catalog`, `commodities-db-password`,
/// `COMMODITIES_API_KEY_V2` or a UUID are none of these.
pub fn credential(text: &str) -> Option<&'static str> {
    if text.contains("-----BEGIN") {
        return Some("a PEM block (a private key or certificate)");
    }
    let separators = [
        '/', '#', ':', '=', '.', ',', '@', ' ', '"', '\'', '\n', '\t',
    ];
    for part in text.split(separators) {
        for &(prefix, min, what) in PREFIXES {
            let Some(rest) = part.strip_prefix(prefix) else {
                continue;
            };
            let run = if prefix.starts_with("AKIA") || prefix.starts_with("ASIA") {
                rest.bytes()
                    .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    .count()
            } else {
                rest.bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
                    .count()
            };
            if run >= min {
                return Some(what);
            }
        }
    }
    if text.contains('/') {
        return None;
    }
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(random)
        .then_some("a random string (a token or password)")
}

/// Whether a run of letters and digits looks random (see [`credential`]).
fn random(run: &str) -> bool {
    let b = run.as_bytes();
    if b.len() < RANDOM_RUN
        || !b.iter().any(u8::is_ascii_digit)
        || !b.iter().any(u8::is_ascii_alphabetic)
    {
        return false;
    }
    let hex = b.iter().all(u8::is_ascii_hexdigit);
    entropy(b) >= if hex { RANDOM_HEX_BITS } else { RANDOM_BITS }
}

/// Shannon entropy of the bytes, in bits a byte.
fn entropy(b: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    let n = b.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn real_remote_keys_are_not_credentials() {
        for key in [
            "commodities/api#key",
            "prod/db/password",
            "iceberg/catalog",
            "commodities-db-password",
            "commodities-api-production-database-password",
            "COMMODITIES_API_PRODUCTION_KEY_V2",
            "ProdDatabasePasswordV2",
            "MyServiceApiKey2024ProdEU",
            "550e8400-e29b-41d4-a716-446655440000",
            "projects-my-project-123-secrets-db-password",
            "tenant0042-production-iceberg-catalog",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-db-AbCdEf",
            "/prod/db/password",
            "op://vault/item/field",
            "secret/data/commodities#api_key",
            "sk_live",
            "AKIA",
            "ghp_short",
            "skills-matrix",
            "sk-platform",
            "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d/rotation",
            "",
        ] {
            assert_eq!(credential(key), None, "{key}");
        }
    }

    #[test]
    fn pasted_credentials_are() {
        for (text, what) in [
            ("sk_live_51HxAbCdEfGhIjKlMnOpQr", "Stripe"),
            ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "GitHub"),
            ("prod/db#ghp_16C7e42F292c6912E7710c838347Ae178B4a", "GitHub"),
            ("AKIAIOSFODNN7EXAMPLE", "AWS"),
            ("xoxb-1234567890-abcdefghij", "Slack"),
            ("-----BEGIN RSA PRIVATE KEY-----", "PEM"),
            ("AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "Google"),
            ("wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY4x", "random"),
            ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "random"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ",
                "random",
            ),
        ] {
            let found = credential(text).unwrap_or_else(|| panic!("{text}"));
            assert!(
                found.contains(what) || (what == "random" && found.contains("random")),
                "{text}: {found}"
            );
        }
    }

    #[test]
    fn secrets_external_secrets_and_last_applied() {
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"password": "x"}});
        assert_eq!(material(&secret)[0].pointer(), "/stringData");
        let es = json!({
            "apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "e"},
            "spec": {
                "target": {"template": {
                    "data": {"password": "SUPERSECRET", "url": "postgres://u:{{ .password }}@db/x", "empty": ""},
                    "templateFrom": [{"literal": "token: ghp_16C7e42F292c6912E7710c838347Ae178B4a {{ .x }}"}, {"configMap": {"name": "c"}}]
                }},
                "data": [{"secretKey": "a", "remoteRef": {"key": "AKIAIOSFODNN7EXAMPLE"}}, {"secretKey": "b", "remoteRef": {"key": "prod/db", "property": "password"}}],
                "dataFrom": [{"extract": {"key": "iceberg/catalog"}}]
            }
        });
        let found: Vec<String> = material(&es).iter().map(Found::pointer).collect();
        assert_eq!(
            found,
            [
                "/spec/target/template/data/password",
                "/spec/target/template/templateFrom/0/literal",
                "/spec/data/0/remoteRef/key"
            ]
        );
        let applied = serde_json::to_string(&secret).unwrap();
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {LAST_APPLIED: applied}}});
        let found = material(&cm);
        assert_eq!(found.len(), 1);
        assert!(found[0].what.contains("/stringData"), "{:?}", found[0]);
        let clean = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {LAST_APPLIED: "{\"kind\":\"ConfigMap\"}"}}});
        assert!(material(&clean).is_empty());
    }
}
