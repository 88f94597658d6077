//! NetworkPolicies: `default-deny`, `allow-dns`, and the named policies of a namespace.

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{Wave, meta};
use super::{Manifest, Object};
use crate::model::{self, Direction, Labels, Peer, Platform, TrafficRule};

const NAMESPACE_LABEL: &str = "kubernetes.io/metadata.name";

fn selector(labels: &Labels) -> LabelSelector {
    LabelSelector {
        match_labels: (!labels.is_empty()).then(|| labels.into()),
        ..Default::default()
    }
}

fn namespace_selector(ns: &str) -> LabelSelector {
    selector(&Labels::from([(
        NAMESPACE_LABEL.to_string(),
        ns.to_string(),
    )]))
}

fn peer(p: &Peer) -> NetworkPolicyPeer {
    match p {
        Peer::OwnNamespace => NetworkPolicyPeer {
            pod_selector: Some(LabelSelector::default()),
            ..Default::default()
        },
        Peer::Namespace(ns) => NetworkPolicyPeer {
            namespace_selector: Some(namespace_selector(ns)),
            ..Default::default()
        },
        Peer::Pods {
            namespace,
            selector: sel,
        } => NetworkPolicyPeer {
            namespace_selector: Some(namespace_selector(namespace)),
            pod_selector: sel.as_ref().map(selector),
            ..Default::default()
        },
        Peer::Cidr(cidr) => NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.clone(),
                except: None,
            }),
            ..Default::default()
        },
    }
}

fn ports(protocol: &str, ports: &[u16]) -> Option<Vec<NetworkPolicyPort>> {
    (!ports.is_empty()).then(|| {
        ports
            .iter()
            .map(|p| NetworkPolicyPort {
                protocol: Some(protocol.into()),
                port: Some(IntOrString::Int(i32::from(*p))),
                end_port: None,
            })
            .collect()
    })
}

fn egress(r: &TrafficRule) -> NetworkPolicyEgressRule {
    NetworkPolicyEgressRule {
        to: Some(vec![peer(&r.peer)]),
        ports: ports("TCP", &r.ports),
    }
}

fn ingress(r: &TrafficRule) -> NetworkPolicyIngressRule {
    NetworkPolicyIngressRule {
        from: Some(vec![peer(&r.peer)]),
        ports: ports("TCP", &r.ports),
    }
}

fn policy(p: &Platform, ns: &str, name: &str, spec: NetworkPolicySpec) -> NetworkPolicy {
    NetworkPolicy {
        metadata: meta(p, name, Some(ns), Wave::Prerequisite, &Labels::new()),
        spec: Some(spec),
    }
}

pub(super) fn compile(p: &Platform, ns: &model::Namespace, folder: &str, out: &mut Vec<Object>) {
    let mut push = |name: &str, origin, np: NetworkPolicy| {
        out.push(Object::generated(
            folder.to_string(),
            "NetworkPolicy",
            name.to_string(),
            origin,
            Manifest::NetworkPolicy(Box::new(np)),
        ));
    };
    if !ns.default_deny.is_empty() {
        let types = ns
            .default_deny
            .iter()
            .map(|d| match d {
                Direction::Ingress => "Ingress".to_string(),
                Direction::Egress => "Egress".to_string(),
            })
            .collect();
        let spec = NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(types),
            ..Default::default()
        };
        push(
            "default-deny",
            ns.span,
            policy(p, &ns.name, "default-deny", spec),
        );
    }
    if ns.allow_dns && ns.default_deny.contains(&Direction::Egress) {
        let dns_peer = NetworkPolicyPeer {
            namespace_selector: Some(namespace_selector("kube-system")),
            pod_selector: Some(selector(&Labels::from([(
                "k8s-app".to_string(),
                "kube-dns".to_string(),
            )]))),
            ..Default::default()
        };
        let mut dns_ports = ports("UDP", &[53]).unwrap_or_default();
        dns_ports.extend(ports("TCP", &[53]).unwrap_or_default());
        let spec = NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Egress".into()]),
            egress: Some(vec![NetworkPolicyEgressRule {
                to: Some(vec![dns_peer]),
                ports: Some(dns_ports),
            }]),
            ..Default::default()
        };
        push("allow-dns", ns.span, policy(p, &ns.name, "allow-dns", spec));
    }
    for np in &ns.network_policies {
        let mut types = Vec::new();
        if np.ingress.is_some() {
            types.push("Ingress".to_string());
        }
        if np.egress.is_some() {
            types.push("Egress".to_string());
        }
        let spec = NetworkPolicySpec {
            pod_selector: Some(np.pods.as_ref().map(selector).unwrap_or_default()),
            policy_types: Some(types),
            ingress: np
                .ingress
                .as_ref()
                .map(|rules| rules.iter().map(ingress).collect()),
            egress: np
                .egress
                .as_ref()
                .map(|rules| rules.iter().map(egress).collect()),
        };
        push(&np.name, np.span, policy(p, &ns.name, &np.name, spec));
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::SourceMap;
    use crate::stages::compile_text;

    /// A service's ports are where it listens: the destination ports of egress to it, never of
    /// ingress from it (issue 18: they were written as the ports of our own pods).
    #[test]
    fn a_service_peer_gives_its_ports_to_egress_only() {
        let toml = "[platform]
name = \"p\"
[services.prometheus]
namespace = \"monitoring\"
ports = [9090]
[namespaces.a.network_policies.scrape]
ingress = [{ from = \"service:prometheus\" }, { from = \"service:prometheus\", ports = [8080] }]
egress = [{ to = \"service:prometheus\" }]
";
        let compiled = compile_text("p.toml", "p.toml", toml.into(), SourceMap::default())
            .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        let text = String::from_utf8_lossy(&compiled.tree["default/a/networkpolicy-scrape.yaml"]);
        let (egress, ingress) = text.split_once("  ingress:").unwrap();
        let ports = |s: &str| -> Vec<String> {
            s.lines()
                .filter_map(|l| l.trim().strip_prefix("- port: "))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(ports(egress), ["9090"], "{text}");
        assert_eq!(ports(ingress), ["8080"], "{text}");
    }
}
