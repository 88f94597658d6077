//! Custom resources checked against the JSON Schema of their kind (the upstream CRD schemas
//! users already download for kubeconform), each violation at the key or value it is about.

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::Value as Json;

use super::{Node, Step};
use crate::diag::Span;

/// A compiled schema of one kind.
pub struct Schema {
    validator: jsonschema::Validator,
    schema: Json,
}

/// One violation: where, and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The key (unknown fields) or value.
    pub span: Span,
    /// The path, as `spec.dnsNames[0]`.
    pub path: String,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What would be valid, when the schema says.
    pub help: Option<String>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Schema")
    }
}

impl Schema {
    /// Compiles a schema document (any draft it declares; draft 2020-12 when it declares none).
    /// No remote references are fetched. Its `pattern`s are the RE2 patterns of the CRD it
    /// was made from (Kubernetes reads them with Go's regexp), checked as such. The error
    /// names the part of the schema at fault, never the schema itself.
    pub fn new(mut schema: Json) -> Result<Self, String> {
        super::crd::re2_patterns(&mut schema);
        let validator = jsonschema::options()
            .with_keyword(super::crd::RE2_PATTERN, re2)
            .build(&schema)
            .map_err(|e| {
                let at = e.instance_path().as_str();
                let at = at
                    .strip_suffix(&format!("/{}", super::crd::RE2_PATTERN))
                    .unwrap_or(at);
                let what = match e.kind() {
                    ValidationErrorKind::Custom { message, .. } => message.clone(),
                    _ => short(&e.to_string()),
                };
                if at.is_empty() {
                    what
                } else {
                    format!("{what} (at `{at}` in the schema)")
                }
            })?;
        Ok(Self { validator, schema })
    }

    /// The `(apiVersion, kind)` the schema says it is for: `const` or a one-item `enum` of its
    /// `apiVersion` and `kind` properties, or `x-kubernetes-group-version-kind`.
    pub fn declared_kind(&self) -> Option<(String, String)> {
        let prop = |name: &str| {
            let p = self.schema.get("properties")?.get(name)?;
            p.get("const")
                .or_else(|| {
                    p.get("enum")
                        .and_then(Json::as_array)
                        .filter(|e| e.len() == 1)?
                        .first()
                })
                .and_then(Json::as_str)
                .map(str::to_string)
        };
        if let (Some(v), Some(k)) = (prop("apiVersion"), prop("kind")) {
            return Some((v, k));
        }
        let gvk = self
            .schema
            .get("x-kubernetes-group-version-kind")?
            .as_array()?
            .first()?;
        let group = gvk.get("group")?.as_str()?;
        let version = gvk.get("version")?.as_str()?;
        let kind = gvk.get("kind")?.as_str()?;
        let api_version = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        Some((api_version, kind.to_string()))
    }

    /// Every violation of `json` (the object `node` holds, as it will be written), located in
    /// `node`.
    pub fn check(&self, node: &Node, json: &Json) -> Vec<Violation> {
        let mut out = Vec::new();
        for error in self.validator.iter_errors(json) {
            let path: Vec<Step> = error
                .instance_path()
                .iter()
                .map(|s| match s {
                    LocationSegment::Property(p) => Step::Key(p.to_string()),
                    LocationSegment::Index(i) => Step::Index(i),
                })
                .collect();
            let shown = show(&path);
            match error.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    let schema_path = error.schema_path().as_str().to_string();
                    let known = self.known_properties(&schema_path);
                    for field in unexpected {
                        let mut at = path.clone();
                        at.push(Step::Key(field.clone()));
                        let help =
                            crate::diag::did_you_mean(field, known.iter().map(String::as_str))
                                .or_else(|| {
                                    (!known.is_empty())
                                        .then(|| format!("fields here: {}", known.join(", ")))
                                });
                        out.push(Violation {
                            span: node.span_at(&at, true),
                            path: show(&at),
                            message: format!(
                                "unknown field `{field}` in `{}`",
                                if shown.is_empty() {
                                    "the object"
                                } else {
                                    &shown
                                }
                            ),
                            help,
                        });
                    }
                }
                ValidationErrorKind::Required { property } => {
                    let field = property.as_str().unwrap_or_default();
                    out.push(Violation {
                        span: node.span_at(&path, true),
                        path: shown.clone(),
                        message: format!(
                            "`{}` is missing the required field `{field}`",
                            if shown.is_empty() {
                                "the object"
                            } else {
                                &shown
                            }
                        ),
                        help: None,
                    });
                }
                _ => out.push(Violation {
                    span: node.span_at(&path, false),
                    path: shown.clone(),
                    message: format!(
                        "`{}`: {}",
                        if shown.is_empty() {
                            "the object"
                        } else {
                            &shown
                        },
                        error
                    ),
                    help: None,
                }),
            }
        }
        out
    }

    /// The properties of the schema object holding the keyword at `schema_path`.
    fn known_properties(&self, schema_path: &str) -> Vec<String> {
        let parent = schema_path.rsplit_once('/').map_or("", |(p, _)| p);
        self.schema
            .pointer(parent)
            .and_then(|s| s.get("properties"))
            .and_then(Json::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// At most 200 characters of `text`: an error about a schema must not print the schema.
fn short(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

/// A string value matched by an RE2 pattern, as the API server matches it (Go's regexp; the
/// `regex` crate takes the same syntax: `(?i)`, `\\z`, `[[:alpha:]]`, no look-around).
struct Re2 {
    regex: regex::Regex,
}

impl<'i> jsonschema::Keyword<'i> for Re2 {
    fn validate(&self, instance: &'i Json) -> Result<(), jsonschema::ValidationError<'i>> {
        match instance.as_str() {
            Some(s) if !self.regex.is_match(s) => {
                Err(jsonschema::ValidationError::custom(format!(
                    "{instance} does not match the pattern `{}`",
                    self.regex.as_str()
                )))
            }
            _ => Ok(()),
        }
    }

    fn is_valid(&self, instance: &'i Json) -> bool {
        instance.as_str().is_none_or(|s| self.regex.is_match(s))
    }
}

#[allow(
    clippy::type_complexity,
    reason = "the signature jsonschema asks of a keyword factory"
)]
fn re2<'a>(
    _parent: &'a serde_json::Map<String, Json>,
    value: &'a Json,
    _path: jsonschema::paths::Location,
) -> Result<Box<dyn for<'i> jsonschema::Keyword<'i>>, jsonschema::ValidationError<'a>> {
    let pattern = value.as_str().unwrap_or_default();
    // A pattern of a CRD is small; a bound keeps a hostile one from taking the memory.
    match regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
    {
        Ok(regex) => Ok(Box::new(Re2 { regex })),
        Err(e) => {
            // The crate's message draws the pattern with a caret over lines; its last says what.
            let text = e.to_string();
            let why = text.lines().last().unwrap_or_default();
            let why = why.strip_prefix("error: ").unwrap_or(why);
            Err(jsonschema::ValidationError::custom(format!(
                "the pattern `{pattern}` is not an RE2 regular expression: {}",
                short(why)
            )))
        }
    }
}

/// `spec.dnsNames[0]`.
pub fn show(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re2_patterns_of_crds_compile() {
        let schema = Schema::new(serde_json::json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"s": {"type": "string", "pattern": "^(?i)(abort|warn)?$"}}
        }));
        let schema = schema.unwrap_or_else(|e| panic!("{e}"));
        assert!(schema.validator.is_valid(&serde_json::json!({"s": "WARN"})));
        assert!(!schema.validator.is_valid(&serde_json::json!({"s": "nope"})));
        // A pattern that is not one is named, with where it is, and nothing of the schema.
        let big = "x".repeat(10_000);
        let e = Schema::new(serde_json::json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "description": big,
            "properties": {"spec": {"properties": {"s": {"pattern": "^(abc$"}}}}
        }))
        .err()
        .unwrap();
        assert!(
            e.starts_with("the pattern `^(abc$` is not an RE2 regular expression"),
            "{e}"
        );
        assert!(e.contains("/properties/spec/properties/s"), "{e}");
        assert!(e.len() < 400, "{e}");
    }
}
