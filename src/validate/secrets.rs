//! `[secret_stores.NAME]` and `[namespaces.NAME.secrets.SECRET]`: Secrets that External
//! Secrets Operator creates from a store. Only where a value is in the store is ever written:
//! a store that exists, a remote key and property. Values cannot be expressed at all (any
//! other key in a secret's table is refused by the schema, with its own help).

use std::collections::BTreeMap;

use super::context::Ctx;
use crate::diag::{Diagnostic, codes};
use crate::model::{self, duration, names};
use crate::syntax::Path;
use crate::syntax::config::{self, StoreKind};

/// A store as secrets refer to it: kind and name in the cluster.
pub(crate) type Stores = BTreeMap<String, (&'static str, String)>;

/// Checks `[secret_stores]`.
pub(crate) fn stores(ctx: &mut Ctx<'_>, stores: &BTreeMap<String, config::SecretStore>) -> Stores {
    let mut out = Stores::new();
    for (key, store) in stores {
        let p = Path::root().key("secret_stores").key(key.as_str());
        let name = store.name.clone().unwrap_or_else(|| key.clone());
        let (at, is_key) = if store.name.is_some() {
            (p.key("name"), false)
        } else {
            (p.clone(), true)
        };
        if !names::is_dns_subdomain(&name) {
            ctx.dns_label(&at, &name, "secret store name", is_key);
        }
        let kind = match store.kind.unwrap_or(StoreKind::ClusterSecretStore) {
            StoreKind::ClusterSecretStore => "ClusterSecretStore",
            StoreKind::SecretStore => "SecretStore",
        };
        out.insert(key.clone(), (kind, name));
    }
    out
}

/// Checks the secrets of the namespace at `ns_path`.
pub(crate) fn secrets(
    ctx: &mut Ctx<'_>,
    stores: &Stores,
    broken_stores: &std::collections::BTreeSet<String>,
    ns_path: &Path,
    secrets: &crate::vecmap::VecMap<String, config::Secret>,
) -> Vec<model::Secret> {
    let mut out = Vec::new();
    for (name, s) in secrets {
        let p = ns_path.key("secrets").key(name.as_str());
        if !names::is_dns_subdomain(name) {
            ctx.dns_label(&p, name, "secret name", true);
        }
        let store = match stores.get(&s.store) {
            Some(store) => Some(store.clone()),
            None => {
                if !broken_stores.contains(&s.store) {
                    ctx.unresolved(
                        &p.key("store"),
                        "secret store",
                        &s.store,
                        "[secret_stores]",
                        stores.keys().map(String::as_str),
                    );
                }
                None
            }
        };
        let refresh = match &s.refresh {
            Some(r) => ctx.duration(&p.key("refresh"), r).map(duration::go),
            None => Some("1h".into()),
        };
        if s.data.is_none() && s.data_from.is_none() {
            ctx.push(
                Diagnostic::error(codes::MISSING_KEY, ctx.key(&p), format!("secret `{name}` names no remote key"))
                    .with_label("nothing to fetch")
                    .with_help("add `data = { KEY = \"path/in/store#property\" }` for chosen keys, or `data_from = \"path/in/store\"` for every property of one remote key"),
            );
        }
        let mut data = Vec::new();
        for (key, remote) in s.data.iter().flatten() {
            let kp = p.key("data").key(key.as_str());
            if !is_secret_key(key) {
                ctx.push(
                    Diagnostic::error(codes::INVALID_VALUE, ctx.key(&kp), format!("invalid secret key `{key}`"))
                        .with_label("not a Secret key")
                        .with_help("Secret keys are letters, digits, `-`, `_` and `.`, e.g. `API_KEY` or `catalog.json`"),
                );
            }
            if let Some((k, prop)) = remote_key(ctx, &kp, remote) {
                data.push((key.clone(), k, prop));
            }
        }
        if let Some(from) = &s.data_from
            && remote_key(ctx, &p.key("data_from"), from).is_some_and(|(_, prop)| prop.is_some())
        {
            ctx.push(
                Diagnostic::error(codes::INVALID_VALUE, ctx.val(&p.key("data_from")), "`data_from` takes a remote key without `#property`")
                    .with_label("every property of the key is fetched")
                    .with_help("write the key alone, or name one property in `data = { KEY = \"path#property\" }`"),
            );
        }
        if let (Some((store_kind, store_name)), Some(refresh)) = (store, refresh) {
            out.push(model::Secret {
                name: name.clone(),
                span: ctx.key(&p),
                store_kind,
                store_name,
                refresh,
                data,
                data_from: s.data_from.clone(),
            });
        }
    }
    out
}

/// Whether `key` is a key a Secret may hold (`[-._a-zA-Z0-9]+`).
fn is_secret_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `path/in/store#property` split, or a located error. A key that looks like a pasted
/// credential ([`crate::yaml::secrets::credential`]) is E0708, and its text is not repeated.
fn remote_key(ctx: &mut Ctx<'_>, at: &Path, text: &str) -> Option<(String, Option<String>)> {
    if let Some(looks) = crate::yaml::secrets::credential(text) {
        ctx.push(
            Diagnostic::error(codes::SECRET_VALUE, ctx.val(at), format!("`{at}` looks like {looks}, not a remote key; secret values never go into git"))
                .with_label("secret material")
                .with_help("write where the value is in the store, e.g. `commodities/api#key`; the value goes into the store (`vault kv put ...`), never into platform.toml. This one is now in the branch's history: rotate it"),
        );
        return None;
    }
    let (key, prop) = match text.split_once('#') {
        Some((k, p)) => (k, Some(p)),
        None => (text, None),
    };
    let bad = key.trim().is_empty()
        || key.contains(char::is_whitespace)
        || prop.is_some_and(|p| p.is_empty() || p.contains(['#', ' ']));
    if bad {
        ctx.push(
            Diagnostic::error(codes::INVALID_VALUE, ctx.val(at), format!("`{text}` is not a remote key"))
                .with_label("not `path/in/store#property`")
                .with_help("write where the value is in the store, e.g. `commodities/api#key` (the key, and after `#` the property of it); the value itself never goes here"),
        );
        return None;
    }
    Some((key.to_string(), prop.map(str::to_string)))
}
