//! Label selectors as Kubernetes reads them: a Service's plain map, and the `matchLabels` /
//! `matchExpressions` of workloads, PodDisruptionBudgets, NetworkPolicies and monitors.

use crate::model::Labels;
use crate::yaml;

/// One `matchExpressions` requirement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Requirement {
    /// `In`: the label is one of the values.
    In(Vec<String>),
    /// `NotIn`: the label is missing or none of the values.
    NotIn(Vec<String>),
    /// `Exists`.
    Exists,
    /// `DoesNotExist`.
    DoesNotExist,
}

/// A label selector. An empty one selects everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Selector {
    /// `matchLabels` (or a Service's map): each must be there with this value.
    pub labels: Vec<(String, String)>,
    /// `matchExpressions`.
    pub expressions: Vec<(String, Requirement)>,
}

impl Selector {
    /// A selector of exactly these labels.
    pub fn of(labels: &Labels) -> Self {
        Selector {
            labels: labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            expressions: Vec::new(),
        }
    }

    /// A plain map of labels (a Service's `selector`); `None` when it is not one.
    pub fn from_map(node: &yaml::Node) -> Option<Self> {
        Some(Selector {
            labels: string_map(node)?,
            expressions: Vec::new(),
        })
    }

    /// A `LabelSelector` (`matchLabels`, `matchExpressions`); `None` when it does not read as
    /// one (the typed read has reported it).
    pub fn from_label_selector(node: &yaml::Node) -> Option<Self> {
        if !matches!(node.value, yaml::Value::Map(_) | yaml::Value::Null) {
            return None;
        }
        let labels = match node.get("matchLabels") {
            Some(m) if !matches!(m.value, yaml::Value::Null) => string_map(m)?,
            _ => Vec::new(),
        };
        let mut expressions = Vec::new();
        if let Some(yaml::Value::Seq(items)) = node.get("matchExpressions").map(|e| &e.value) {
            for item in items {
                let key = item.get("key")?.as_str()?.to_string();
                let values: Vec<String> = match item.get("values").map(|v| &v.value) {
                    Some(yaml::Value::Seq(vs)) => vs
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                let requirement = match item.get("operator")?.as_str()? {
                    "In" => Requirement::In(values),
                    "NotIn" => Requirement::NotIn(values),
                    "Exists" => Requirement::Exists,
                    "DoesNotExist" => Requirement::DoesNotExist,
                    _ => return None,
                };
                expressions.push((key, requirement));
            }
        }
        Some(Selector {
            labels,
            expressions,
        })
    }

    /// Whether it selects everything.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether `labels` are selected.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.labels
            .iter()
            .all(|(k, v)| labels.get(k.as_str()) == Some(v))
            && self.expressions.iter().all(|(k, r)| {
                let have = labels.get(k.as_str());
                match r {
                    Requirement::In(values) => have.is_some_and(|h| values.contains(h)),
                    Requirement::NotIn(values) => have.is_none_or(|h| !values.contains(h)),
                    Requirement::Exists => have.is_some(),
                    Requirement::DoesNotExist => have.is_none(),
                }
            })
    }

    /// `app=api, tier in (web)`, as `kubectl get -l` takes it.
    pub fn shown(&self) -> String {
        let mut parts: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for (k, r) in &self.expressions {
            parts.push(match r {
                Requirement::In(v) => format!("{k} in ({})", v.join(",")),
                Requirement::NotIn(v) => format!("{k} notin ({})", v.join(",")),
                Requirement::Exists => k.clone(),
                Requirement::DoesNotExist => format!("!{k}"),
            });
        }
        parts.join(", ")
    }
}

/// A mapping of strings to strings, in the order written; `None` when it is something else.
pub(crate) fn string_map(node: &yaml::Node) -> Option<Vec<(String, String)>> {
    match &node.value {
        yaml::Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        yaml::Value::Null => Some(Vec::new()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        let mut l = Labels::new();
        for (k, v) in pairs {
            l.insert((*k).to_string(), (*v).to_string());
        }
        l
    }

    #[test]
    fn selectors_match_as_kubernetes_does() {
        let text = "matchLabels: {app: api}\nmatchExpressions:\n  - {key: tier, operator: In, values: [web, edge]}\n  - {key: canary, operator: DoesNotExist}\n";
        let doc = crate::yaml::parse(crate::diag::FileId(0), text).unwrap();
        let s = Selector::from_label_selector(&doc[0].root).unwrap();
        assert!(s.matches(&labels(&[("app", "api"), ("tier", "web")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("tier", "db")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("tier", "web"), ("canary", "1")])));
        assert!(!s.matches(&labels(&[("tier", "web")])));
        assert_eq!(s.shown(), "app=api, tier in (web,edge), !canary");
        assert!(Selector::default().matches(&labels(&[])));
    }
}
