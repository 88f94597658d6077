//! `[namespaces.NS.on.CLUSTER]`: per-cluster overrides, merged over the namespace (after its
//! template) where it is stamped on that cluster, the way templates merge: tables key by key,
//! scalars and arrays replace, `patches` are added, and in a named table an entry set to
//! `false` is removed.
//!
//! A namespace whose copies may differ between its clusters (it has overrides, strings with
//! `{{ ... }}`, which render per cluster, or a cluster with its own `services`) is split: its
//! table keeps only where it is placed, and `on.CLUSTER` holds its whole effective config on
//! each cluster, which validation checks as it checks a namespace. A namespace on one cluster
//! is merged in place. Every value of a copy says which cluster it is for (a [`Stamp`] in its
//! span's origin), and a value an override wrote says so too, so a diagnostic about it points
//! at the override's line and names the cluster.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::template::merge;
use crate::diag::{Diagnostic, Origin, SourceMap, Span, Stamp, codes, did_you_mean};
use crate::syntax::config::{NAMED_TABLES, PLACEMENT};
use crate::syntax::{Node, NodeValue, Table};

/// What expansion needs to know about the clusters.
struct Clusters {
    /// Every defined cluster (`default` when none is).
    names: Vec<String>,
    /// The clusters that set a service apart (`[clusters.NAME.services]`).
    with_services: BTreeSet<String>,
}

impl Clusters {
    fn of(root: &Node) -> Self {
        let table = root
            .table()
            .and_then(|t| t.get("clusters"))
            .and_then(Node::table);
        let mut names: Vec<String> = table
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        if names.is_empty() {
            names.push("default".into());
        }
        let with_services = table
            .into_iter()
            .flat_map(|t| t.iter())
            .filter(|(_, c)| {
                c.table()
                    .and_then(|c| c.get("services"))
                    .and_then(Node::table)
                    .is_some_and(|s| !s.is_empty())
            })
            .map(|(name, _)| name.clone())
            .collect();
        Self {
            names,
            with_services,
        }
    }
}

/// The clusters a namespace is stamped on, as written (`cluster`, `clusters`, or the only
/// cluster); empty where that is not known (validation says why).
pub(super) fn stamped(ns: &Table, defined: &[String]) -> Vec<String> {
    let text = |n: &Node| match &n.value {
        NodeValue::String(s) => Some(s.clone()),
        _ => None,
    };
    let mut out: Vec<String> = match (ns.get("cluster"), ns.get("clusters")) {
        (Some(c), None) => text(c).into_iter().collect(),
        (
            None,
            Some(Node {
                value: NodeValue::Array(list),
                ..
            }),
        ) => list.iter().filter_map(text).collect(),
        (None, None) if defined.len() == 1 => defined.to_vec(),
        _ => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

/// Applies every namespace's `on` (templates applied already).
pub(super) fn apply_overrides(
    root: &mut Node,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    let clusters = Clusters::of(root);
    let Some(namespaces) = super::namespaces_mut(root) else {
        return;
    };
    for (name, ns) in namespaces.iter_mut() {
        let Some(table) = ns.table_mut() else {
            continue;
        };
        let on = table.remove("on");
        let stamped = stamped(table, &clusters.names);
        let overrides = on.map_or_else(BTreeMap::new, |on| {
            read_overrides(name, on, &stamped, &clusters, diags)
        });
        let split = stamped.len() > 1
            && (!overrides.is_empty()
                || stamped.iter().any(|c| clusters.with_services.contains(c))
                || holds_template(ns));
        if split {
            split_namespace(name, ns, &stamped, overrides, sources, diags);
        } else if let Some((cluster, over)) = overrides.into_iter().next() {
            let stamp = Stamp {
                cluster,
                overridden: true,
                copies: 1,
            };
            apply(name, ns, over, &stamp, sources, diags);
        }
    }
}

/// The overrides of a namespace by cluster, each checked: a table, for a cluster the
/// namespace is on, setting no placement key.
fn read_overrides(
    ns_name: &str,
    on: Node,
    stamped: &[String],
    clusters: &Clusters,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    let NodeValue::Table(entries) = on.value else {
        diags.push(
            Diagnostic::error(
                codes::WRONG_TYPE,
                on.span,
                "`on` must be a table of clusters",
            )
            .with_label("expected a table")
            .with_help("write `[namespaces.NAME.on.CLUSTER]` with the keys that differ there"),
        );
        return out;
    };
    for (cluster, mut over) in entries {
        let at = over.key.unwrap_or(over.span);
        // A template's override for a cluster this namespace is not on is simply not used:
        // a template serves namespaces on different clusters.
        let from_template = at.via.is_some();
        if !stamped.contains(&cluster) {
            if from_template && clusters.names.contains(&cluster) {
                continue;
            }
            diags.push(not_stamped(ns_name, &cluster, at, stamped, &clusters.names));
            continue;
        }
        let Some(table) = over.table_mut() else {
            diags.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    over.span,
                    format!("`on.{cluster}` must be a table of namespace keys"),
                )
                .with_label("expected a table"),
            );
            continue;
        };
        for key in PLACEMENT {
            if let Some(placed) = table.remove(key) {
                diags.push(
                    Diagnostic::error(
                        codes::OVERRIDE_KEY,
                        placed.key.unwrap_or(placed.span),
                        format!("`{key}` cannot be set per cluster"),
                    )
                    .with_label("not in an override")
                    .with_help(match key {
                        "template" => "set `template` on the namespace itself; an override changes keys of the namespace on one cluster".to_string(),
                        "on" => "overrides do not nest; write `[namespaces.NAME.on.CLUSTER]` once per cluster".to_string(),
                        _ => format!("where a namespace is stamped is set on the namespace (`cluster`/`clusters`); `on.{cluster}` changes it there"),
                    }),
                );
            }
        }
        out.insert(cluster, over);
    }
    out
}

fn not_stamped(
    ns_name: &str,
    cluster: &str,
    at: Span,
    stamped: &[String],
    defined: &[String],
) -> Diagnostic {
    let on = if stamped.is_empty() {
        "names no cluster it is stamped on".to_string()
    } else {
        format!(
            "is stamped on {}",
            stamped
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let help = did_you_mean(cluster, stamped.iter().map(String::as_str)).unwrap_or_else(|| {
        if defined.iter().any(|d| d == cluster) {
            format!("add `{cluster}` to the namespace's `clusters`, or remove `on.{cluster}`")
        } else {
            format!("`{cluster}` is not a cluster of [clusters]; the namespace {on}")
        }
    });
    Diagnostic::error(
        codes::OVERRIDE_CLUSTER,
        at,
        format!("namespace `{ns_name}` is not stamped on cluster `{cluster}`"),
    )
    .with_label(format!("the namespace {on}"))
    .with_help(help)
}

/// Whether any string of the namespace holds `{{ ... }}` (which renders per cluster).
fn holds_template(node: &Node) -> bool {
    match &node.value {
        NodeValue::String(s) => super::vars::has_template(s),
        NodeValue::Table(t) => t.values().any(holds_template),
        NodeValue::Array(a) => a.iter().any(holds_template),
        _ => false,
    }
}

/// Replaces a namespace by its placement keys and, in `on`, its copy on each cluster.
fn split_namespace(
    name: &str,
    ns: &mut Node,
    stamped: &[String],
    mut overrides: BTreeMap<String, Node>,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    let copies = u32::try_from(stamped.len()).unwrap_or(u32::MAX);
    let Some(table) = ns.table_mut() else {
        return;
    };
    let mut shell = Table::new();
    for key in PLACEMENT {
        if let Some(placed) = table.remove(key) {
            shell.insert(key.to_string(), placed);
        }
    }
    let mut variants = Table::new();
    for cluster in stamped {
        let mut copy = ns.clone();
        let stamp = Stamp {
            cluster: cluster.clone(),
            overridden: false,
            copies,
        };
        tag(&mut copy, name, &stamp, sources);
        if let Some(over) = overrides.remove(cluster) {
            let stamp = Stamp {
                overridden: true,
                ..stamp
            };
            apply(name, &mut copy, over, &stamp, sources, diags);
        }
        variants.insert(cluster.clone(), copy);
    }
    let span = ns.span;
    shell.insert(
        "on".into(),
        Node {
            key: ns.key,
            span,
            value: NodeValue::Table(variants),
        },
    );
    ns.value = NodeValue::Table(shell);
}

/// Marks every span of a copy with its cluster, keeping how each value got there (template,
/// override).
fn tag(node: &mut Node, namespace: &str, stamp: &Stamp, sources: &mut SourceMap) {
    let mut made: HashMap<Option<u32>, u32> = HashMap::new();
    let mut origin_of = |via: Option<u32>, sources: &mut SourceMap| {
        *made.entry(via).or_insert_with(|| {
            let base = via
                .and_then(|v| sources.origin(v).cloned())
                .unwrap_or_else(|| Origin::of(namespace));
            sources.add_origin(Origin {
                stamp: Some(stamp.clone()),
                ..base
            })
        })
    };
    fn walk(node: &mut Node, f: &mut dyn FnMut(Option<u32>) -> u32) {
        node.span.via = Some(f(node.span.via));
        if let Some(k) = node.key.as_mut() {
            k.via = Some(f(k.via));
        }
        match &mut node.value {
            NodeValue::Table(t) => t.values_mut().for_each(|n| walk(n, f)),
            NodeValue::Array(a) => a.iter_mut().for_each(|n| walk(n, f)),
            _ => {}
        }
    }
    walk(node, &mut |via| origin_of(via, sources));
}

/// Merges the override `over` of one cluster into the namespace (or copy) `ns`: removals
/// first, then the merge, `patches` added after the namespace's own.
fn apply(
    name: &str,
    ns: &mut Node,
    mut over: Node,
    stamp: &Stamp,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    tag(&mut over, name, stamp, sources);
    let (Some(base), Some(changes)) = (ns.table_mut(), over.table_mut()) else {
        return;
    };
    remove_entries(name, &stamp.cluster, base, changes, diags);
    refuse_other_false(&stamp.cluster, base, changes, "", diags);
    if let Some(mut added) = changes.remove("patches") {
        match (base.get_mut("patches"), &mut added.value) {
            (
                Some(Node {
                    value: NodeValue::Array(own),
                    ..
                }),
                NodeValue::Array(more),
            ) => own.append(more),
            _ => {
                base.insert("patches".into(), added);
            }
        }
    }
    // The copy keeps the namespace's key and span: a diagnostic about the whole namespace
    // points at it.
    let (key, span) = (ns.key, ns.span);
    merge(ns, over);
    ns.key = key;
    ns.span = span;
}

/// `on.CLUSTER.TABLE.ENTRY = false`: removes the entry from the namespace on that cluster.
fn remove_entries(
    ns_name: &str,
    cluster: &str,
    base: &mut Table,
    changes: &mut Table,
    diags: &mut Vec<Diagnostic>,
) {
    for table in NAMED_TABLES {
        let Some(entries) = changes.get_mut(table).and_then(Node::table_mut) else {
            continue;
        };
        let removed: Vec<(String, Span)> = entries
            .iter()
            .filter(|(_, v)| matches!(v.value, NodeValue::Boolean(false)))
            .map(|(k, v)| (k.clone(), v.span))
            .collect();
        let known: Vec<String> = base
            .get(table)
            .and_then(Node::table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        for (entry, at) in removed {
            entries.remove(&entry);
            let own = base.get_mut(table).and_then(Node::table_mut);
            let existed = own.is_some_and(|own| own.remove(&entry).is_some());
            if !existed {
                let what = singular(table);
                let help =
                    did_you_mean(&entry, known.iter().map(String::as_str)).unwrap_or_else(|| {
                        if known.is_empty() {
                            format!("namespace `{ns_name}` has no {table} to remove")
                        } else {
                            format!("its {table}: {}", known.join(", "))
                        }
                    });
                diags.push(
                    Diagnostic::error(
                        codes::OVERRIDE_REMOVAL,
                        at,
                        format!(
                            "cannot remove {what} `{entry}` on cluster `{cluster}`: namespace `{ns_name}` has no such {what}"
                        ),
                    )
                    .with_label("nothing to remove")
                    .with_help(help),
                );
            }
        }
    }
}

/// A `false` anywhere but on an entry of a named table, where the namespace has something
/// that is not a boolean: an attempt to remove a setting, which only entries can be.
fn refuse_other_false(
    cluster: &str,
    base: &Table,
    changes: &mut Table,
    prefix: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let keys: Vec<String> = changes.keys().cloned().collect();
    for key in keys {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let Some(own) = base.get(&key) else {
            // Nothing to remove, and a setting that is no boolean: `limits = false`.
            let change = changes.get(&key);
            if prefix.is_empty()
                && NOT_BOOLEAN.contains(&key.as_str())
                && let Some(at) = change.filter(|c| matches!(c.value, NodeValue::Boolean(false)))
            {
                let at = at.span;
                changes.remove(&key);
                diags.push(cannot_remove(cluster, &path, None, at));
            }
            continue;
        };
        let named_table = prefix.is_empty() && NAMED_TABLES.contains(&key.as_str());
        let Some(change) = changes.get_mut(&key) else {
            continue;
        };
        match (&mut change.value, &own.value) {
            (NodeValue::Boolean(false), value) if !matches!(value, NodeValue::Boolean(_)) => {
                let at = change.span;
                changes.remove(&key);
                diags.push(cannot_remove(cluster, &path, Some(own), at));
            }
            (NodeValue::Table(inner), NodeValue::Table(own_inner)) if !named_table => {
                refuse_other_false(cluster, own_inner, inner, &path, diags);
            }
            (NodeValue::Table(entries), NodeValue::Table(own_entries)) => {
                // The entries of a named table: removals are handled; look inside each.
                let names: Vec<String> = entries.keys().cloned().collect();
                for entry in names {
                    if let (Some(c), Some(o)) = (
                        entries.get_mut(&entry).and_then(Node::table_mut),
                        own_entries.get(&entry).and_then(Node::table),
                    ) {
                        refuse_other_false(cluster, o, c, &format!("{path}.{entry}"), diags);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The keys of a namespace whose value is never a boolean, so `false` there is an attempt to
/// remove them.
const NOT_BOOLEAN: [&str; 14] = [
    "default_deny",
    "labels",
    "limits",
    "manifests",
    "network_policies",
    "patches",
    "pipelines",
    "pod_security",
    "quota",
    "role_bindings",
    "roles",
    "secrets",
    "service_accounts",
    "vars",
];

fn cannot_remove(cluster: &str, path: &str, own: Option<&Node>, at: Span) -> Diagnostic {
    let label = match own {
        Some(own) => format!("`{path}` is a {}, not a named entry", own.type_name()),
        None => format!("`{path}` is not a named entry"),
    };
    Diagnostic::error(
        codes::OVERRIDE_REMOVAL,
        at,
        format!("`false` cannot remove `{path}` on cluster `{cluster}`"),
    )
    .with_label(label)
    .with_help(format!(
        "`false` removes an entry of {} (e.g. `pipelines = {{ NAME = false }}`); give `{path}` the value it should have on `{cluster}` instead",
        NAMED_TABLES.join(", ")
    ))
}

fn singular(table: &str) -> &'static str {
    match table {
        "network_policies" => "network policy",
        "pipelines" => "pipeline",
        "role_bindings" => "role binding",
        "roles" => "role",
        "secrets" => "secret",
        _ => "service account",
    }
}
