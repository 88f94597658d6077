//! Network peers as written: `self`, `namespace:NAME`, `service:NAME` or a CIDR. A peer that is
//! none of them gets the forms listed and, when it is a near miss of one (`namespace/x`,
//! `svc:x`, `namespace=x`, `Namespace: x`, a bare name of a service or namespace), the peer it
//! most likely meant.

use ipnet::IpNet;

use super::context::Ctx;
use super::env::Env;
use crate::diag::{Diagnostic, codes};
use crate::syntax::Path;

/// What a peer is, once its form is recognised.
pub(super) enum Form<'a> {
    /// `self`.
    Own,
    /// `namespace:NAME`.
    Namespace(&'a str),
    /// `service:NAME`.
    Service(&'a str),
    /// Something to read as a CIDR (or a bare address, reported as such).
    Cidr(&'a str),
}

const FORMS: &str = "`self`, `namespace:NAME`, `service:NAME` or a CIDR such as `10.0.0.0/8`";

/// The form of `peer`, or `None` after reporting why it has none (the value at `p`).
pub(super) fn form<'a>(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    p: &Path,
    peer: &'a str,
) -> Option<Form<'a>> {
    if peer == "self" {
        return Some(Form::Own);
    }
    let named = |prefix: &str| peer.strip_prefix(prefix).filter(|n| *n == n.trim());
    if let Some(ns) = named("namespace:") {
        return Some(Form::Namespace(ns));
    }
    if let Some(svc) = named("service:") {
        return Some(Form::Service(svc));
    }
    let meant = meant(env, peer);
    if meant.is_none() && looks_like_address(peer) {
        return Some(Form::Cidr(peer));
    }
    let help = match meant {
        Some(m) => format!("did you mean `{m}`? (a peer is {FORMS})"),
        None => format!("write {FORMS}"),
    };
    ctx.push(
        Diagnostic::error(
            codes::INVALID_PEER,
            ctx.val(p),
            format!("invalid network peer `{peer}`"),
        )
        .with_label("not a peer")
        .with_help(help),
    );
    None
}

/// What a peer that is none of the forms most likely meant.
fn meant(env: &Env<'_>, peer: &str) -> Option<String> {
    let trimmed = peer.trim();
    if trimmed != peer && form_name(trimmed).is_some() {
        return Some(trimmed.to_string());
    }
    if crate::diag::did_you_mean(&peer.to_lowercase(), ["self"]).is_some() {
        return Some("self".into());
    }
    // `KIND SEP NAME` with another separator, another spelling or case of the kind.
    let word_end = peer
        .find(|c: char| !(c.is_ascii_alphabetic() || c == '_' || c == '-'))
        .unwrap_or(peer.len());
    let (word, rest) = peer.split_at(word_end);
    let name = rest
        .trim_start_matches(|c: char| matches!(c, ':' | '/' | '=' | '.') || c.is_whitespace())
        .trim();
    if !name.is_empty()
        && let Some(kind) = kind_of(word)
    {
        return Some(format!("{kind}:{name}"));
    }
    // A bare name of something the config defines.
    if env.config.services.contains_key(peer) {
        return Some(format!("service:{peer}"));
    }
    if env.config.namespaces.contains_key(peer) {
        return Some(format!("namespace:{peer}"));
    }
    None
}

/// `namespace` or `service` for a word that spells one of them, loosely.
fn kind_of(word: &str) -> Option<&'static str> {
    let word = word.to_lowercase();
    match word.as_str() {
        "ns" | "namespace" | "namespaces" => Some("namespace"),
        "svc" | "service" | "services" => Some("service"),
        _ => crate::diag::did_you_mean(&word, ["namespace", "service"]).map(|hint| {
            if hint.contains("namespace") {
                "namespace"
            } else {
                "service"
            }
        }),
    }
}

/// The peer `text` is when it is one of the forms with a name (`namespace:x` → `Some`).
fn form_name(text: &str) -> Option<&str> {
    text.strip_prefix("namespace:")
        .or_else(|| text.strip_prefix("service:"))
        .or_else(|| (text == "self").then_some(text))
}

/// Whether `text` is made of what addresses and CIDRs are made of (hex digits, `.`, `:`, `/`),
/// with a digit: `10.0.0.0/33` is a bad CIDR, `monitoring/x` is no CIDR at all.
fn looks_like_address(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b':' | b'/'))
}

/// The CIDR `text` as Kubernetes stores it, or `None` after reporting why not.
pub(super) fn cidr(ctx: &mut Ctx<'_>, p: &Path, text: &str) -> Option<String> {
    match text.parse::<IpNet>() {
        Ok(net) if net.trunc() == net => Some(net.to_string()),
        Ok(net) => {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_CIDR,
                    ctx.val(p),
                    format!("CIDR `{text}` has host bits set"),
                )
                .with_label("host bits set")
                .with_help(format!("did you mean `{}`?", net.trunc())),
            );
            None
        }
        Err(_) => {
            let help = match text.parse::<std::net::IpAddr>() {
                Ok(ip) => format!(
                    "a single address needs a prefix length: `{ip}/{}`",
                    if ip.is_ipv4() { 32 } else { 128 }
                ),
                Err(_) => "write an IPv4 or IPv6 CIDR such as `10.0.0.0/8` or `0.0.0.0/0`".into(),
            };
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_CIDR,
                    ctx.val(p),
                    format!("invalid CIDR `{text}`"),
                )
                .with_label("not a CIDR")
                .with_help(help),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{kind_of, looks_like_address};

    #[test]
    fn addresses_and_cidrs_look_like_addresses() {
        for a in [
            "10.0.0.0/8",
            "10.0.0.0/33",
            "192.168.1.10",
            "2001:db8::/32",
            "fe80::1",
        ] {
            assert!(looks_like_address(a), "{a}");
        }
        for n in [
            "namespace/monitoring",
            "monitoring",
            "a/b",
            "ff",
            "prometheus/9090",
        ] {
            assert!(!looks_like_address(n), "{n}");
        }
    }

    #[test]
    fn kinds_are_recognised_loosely() {
        for (word, kind) in [
            ("namespace", "namespace"),
            ("Namespaces", "namespace"),
            ("ns", "namespace"),
            ("svc", "service"),
            ("Service", "service"),
        ] {
            assert_eq!(kind_of(word), Some(kind), "{word}");
        }
        for other in ["fe", "dead", "prometheus", "pod"] {
            assert_eq!(kind_of(other), None, "{other}");
        }
    }
}
