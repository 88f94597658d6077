//! NetworkPolicies: platc's own `default-deny` and `allow-dns` become `default_deny` and
//! `allow_dns`; others become `[namespaces.NAME.network_policies.POLICY]` when every rule has
//! one peer platc can name (`self`, `namespace:NAME`, a `service:NAME` it declares, a CIDR)
//! and TCP port numbers.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::super::draft::{Draft, Id, Namespace, Service};
use super::super::read::string_map;
use super::super::toml::V;
use super::Cx;
use crate::import::read::Pointer;

const NAMESPACE_LABEL: &str = "kubernetes.io/metadata.name";

pub(super) fn policy(cx: &mut Cx<'_>, draft: &mut Namespace, id: Id) -> Result<(), String> {
    let o = &cx.objects[id];
    let spec = o.json.get("spec").unwrap_or(&Json::Null);
    // Without `policyTypes`, Kubernetes reads a policy as an ingress policy, and an egress
    // policy too when it has egress rules.
    let types: Vec<String> = match spec.get("policyTypes").and_then(Json::as_array) {
        Some(t) => t
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_lowercase)
            .collect(),
        None if spec.get("egress").is_some() => vec!["ingress".into(), "egress".into()],
        None => vec!["ingress".into()],
    };
    let all_pods = spec.get("podSelector") == Some(&json!({}));
    if o.name == "default-deny"
        && all_pods
        && spec.get("ingress").is_none()
        && spec.get("egress").is_none()
    {
        let mut types = types;
        types.sort();
        if types != ["egress", "ingress"] {
            draft.set(
                &["default_deny"],
                V::Arr(types.into_iter().map(V::Str).collect()),
                &[id],
            );
        } else {
            draft.set(&[], V::Table(Vec::new()), &[id]);
        }
        return Ok(());
    }
    if o.name == "allow-dns" && all_pods && *spec == dns_spec() {
        draft.set(&[], V::Table(Vec::new()), &[id]);
        return Ok(());
    }
    let mut table = Vec::new();
    let pods = string_map(spec.at("/podSelector/matchLabels"));
    if spec.at("/podSelector/matchExpressions").is_some() {
        return Err("a pod selector with expressions".into());
    }
    if !pods.is_empty() {
        table.push(("pods".to_string(), V::map(pods.iter().map(|(k, v)| (k, v)))));
    }
    let mut services = Vec::new();
    for (direction, peers_key, peer_word) in [("ingress", "from", "from"), ("egress", "to", "to")] {
        if !types.iter().any(|t| t == direction) {
            continue;
        }
        let mut rules = Vec::new();
        for rule in spec
            .get(direction)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let peers = rule.get(peers_key).and_then(Json::as_array);
            let [peer] = peers.map(Vec::as_slice).unwrap_or_default() else {
                return Err(format!("an {direction} rule with other than one peer"));
            };
            let (text, service) = peer_text(peer)?;
            let text = match service {
                Some(s) => {
                    services.push((s, text.clone()));
                    text
                }
                None => text,
            };
            let mut r = vec![(peer_word.to_string(), V::s(text))];
            if let Some(ports) = rule.get("ports").and_then(Json::as_array) {
                let mut numbers = Vec::new();
                for p in ports {
                    let tcp = p
                        .get("protocol")
                        .and_then(Json::as_str)
                        .is_none_or(|x| x == "TCP");
                    let n = p.get("port").and_then(Json::as_i64);
                    match (tcp, n, p.get("endPort")) {
                        (true, Some(n), None) => numbers.push(V::Int(n)),
                        _ => return Err("ports other than TCP port numbers".into()),
                    }
                }
                r.push(("ports".to_string(), V::Arr(numbers)));
            }
            rules.push(V::Inline(r));
        }
        table.push((direction.to_string(), V::Arr(rules)));
    }
    if table.iter().all(|(k, _)| k == "pods") {
        return Err("a policy that is neither ingress nor egress".into());
    }
    let name = o.name.clone();
    draft.set(&["network_policies", &name], V::Table(table), &[id]);
    // The services its peers name, declared only now that the policy maps, when the
    // namespaces are joined (`super::map`).
    let at = draft.entries.len() - 1;
    for (service, placeholder) in services {
        cx.services.push((service, placeholder, at));
    }
    Ok(())
}

/// Names the service a policy's peers name by `placeholder` `name` in the policy's table.
pub(super) fn name_service(policy: &mut V, placeholder: &str, name: &str) {
    let V::Table(table) = policy else {
        return;
    };
    for (_, v) in table.iter_mut() {
        if let V::Arr(rules) = v {
            for rule in rules.iter_mut() {
                if let V::Inline(fields) = rule {
                    for (_, peer) in fields.iter_mut() {
                        if matches!(peer, V::Str(p) if p == placeholder) {
                            *peer = V::s(name);
                        }
                    }
                }
            }
        }
    }
}

/// The spec of platc's `allow-dns`.
fn dns_spec() -> Json {
    json!({
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{
            "to": [{
                "namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}
            }],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
        }]
    })
}

/// A peer as platc writes it, with the service it needs (its text then a placeholder that
/// names the service once it is declared).
fn peer_text(peer: &Json) -> Result<(String, Option<Service>), String> {
    let m = peer.as_object().ok_or("a peer that is not an object")?;
    let ns = m
        .get("namespaceSelector")
        .map(|s| string_map(s.get("matchLabels")));
    let pods = m.get("podSelector");
    if let Some(block) = m.get("ipBlock") {
        if m.len() != 1 || block.get("except").is_some() {
            return Err("an ipBlock with exceptions".into());
        }
        return block
            .get("cidr")
            .and_then(Json::as_str)
            .map(|c| (c.to_string(), None))
            .ok_or_else(|| "an ipBlock without a cidr".into());
    }
    let namespace = match ns.as_deref() {
        None => None,
        Some([(k, v)]) if k == NAMESPACE_LABEL => Some(v.clone()),
        Some(_) => return Err("a namespace selector other than one namespace by name".into()),
    };
    match (namespace, pods) {
        (None, Some(p)) if p == &json!({}) => Ok(("self".into(), None)),
        (Some(n), None) => Ok((format!("namespace:{n}"), None)),
        (Some(n), Some(p)) => {
            if p.get("matchExpressions").is_some() {
                return Err("a pod selector with expressions".into());
            }
            let selector: BTreeMap<String, String> =
                string_map(p.get("matchLabels")).into_iter().collect();
            let placeholder = format!("\u{0}service {n} {selector:?}");
            let service = Service {
                namespace: n,
                selector: Some(selector),
                strimzi_cluster: None,
            };
            Ok((placeholder, Some(service)))
        }
        _ => Err("a peer platc cannot name".into()),
    }
}

/// The name of the service `s` (an existing one with its namespace and selector, or a new
/// one named after its namespace).
pub(super) fn declare(draft: &mut Draft, s: Service) -> String {
    let services = &mut draft.services;
    if let Some((name, existing)) = services.iter_mut().find(|(_, e)| {
        e.namespace == s.namespace
            && (e.selector == s.selector || e.selector.is_none() || s.selector.is_none())
    }) {
        if existing.selector.is_none() {
            existing.selector = s.selector;
        }
        if existing.strimzi_cluster.is_none() {
            existing.strimzi_cluster = s.strimzi_cluster;
        }
        return name.clone();
    }
    let mut name = s.namespace.clone();
    let mut n = 2;
    while services.contains_key(&name) {
        name = format!("{}-{n}", s.namespace);
        n += 1;
    }
    services.insert(name.clone(), s);
    name
}
