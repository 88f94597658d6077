//! Schema and semantic validation: the only way to obtain a [`model::Platform`].
//!
//! First the types, required and unknown keys: the typed config, and the JSON Schema only when
//! the typed config cannot be read, to locate every violation; then every semantic rule (names,
//! quantities, schedules, references). A schema error inside one namespace, service or cluster
//! only hides that item from the semantic checks, so one run still reports everything else.

mod clusters;
mod context;
mod env;
mod lints;
mod manifests;
pub(crate) use manifests::generate_name;
mod namespace;
mod patches;
mod peer;
mod pipeline;
mod pod_security;
mod rbac;
pub mod schema;
mod secrets;
mod tokens;
pub(crate) mod whole;

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Diagnostic, Severity, codes};
use crate::expand::Attached;
use crate::model::{self, Platform};
use crate::syntax::config::{self, Config};
use crate::syntax::{Document, Node, Path, Seg};
use context::Ctx;

/// What validation found: the platform (when there are no errors) and every diagnostic.
pub struct Outcome {
    /// The validated platform; `None` when any error was found.
    pub platform: Option<Platform>,
    /// Errors, warnings and notes, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// `[lints] allow`: the codes and where each is written.
    pub allow: Vec<(String, crate::diag::Span)>,
}

/// Validates a parsed document. `source_name` is the config's file name for the output header.
///
/// The typed config is read first. Whatever it reads cleanly the schema accepts too (the test
/// `the_schema_accepts_what_the_typed_config_reads` mutates every value of every repository
/// config to hold them to that), so the schema, which locates every violation, runs only to
/// explain a document the typed config cannot read. A valid config pays for neither building
/// the validator nor a JSON copy of the document.
pub fn validate(doc: &Document, attached: &Attached, source_name: &str) -> Outcome {
    let (typed, violations) = crate::timings::measure("schema", || match Config::read(&doc.root) {
        Ok(config) => (Ok(config), Vec::new()),
        Err(e) => (Err(e), schema::check(doc)),
    });
    crate::timings::measure("semantic", || {
        semantic(doc, attached, source_name, typed, violations)
    })
}

fn semantic(
    doc: &Document,
    attached: &Attached,
    source_name: &str,
    typed: Result<Config, serde::de::value::Error>,
    violations: Vec<schema::Violation>,
) -> Outcome {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut pruned = BTreeSet::new();
    let mut whole_file_broken = false;
    for v in violations {
        match schema::removable_prefix(&v.path) {
            Some(u) => {
                pruned.insert(u);
            }
            None => whole_file_broken = true,
        }
        diagnostics.push(v.diagnostic);
    }
    if whole_file_broken {
        return finish(None, diagnostics);
    }
    // What was read from the document (a clean read has no violations), unless a schema error
    // removed parts of it.
    let parsed = if pruned.is_empty() {
        typed
    } else {
        let mut root = doc.root.clone();
        remove(&mut root, &pruned);
        // What a schema error removed may be a pipeline's `schedule` or `after`: reported
        // already, so the pipeline is read without it.
        <Config as serde::Deserialize>::deserialize(&root)
    };
    let config: Config = match parsed {
        Ok(c) => c,
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                codes::WRONG_TYPE,
                doc.value_span(&[]),
                format!("the config does not match platform.toml v1: {e}"),
            ));
            return finish(None, diagnostics);
        }
    };
    let mut ctx = Ctx::new(doc, &pruned);
    let allow = allowed_codes(&mut ctx, &config);
    // A manifest file that does not parse is reported once, however many namespaces list it.
    diagnostics.extend(attached.yaml_errors().cloned());
    diagnostics.extend(doc.problems.iter().cloned());
    let (platform, facts, cluster_services) = build(&mut ctx, &config, attached, source_name);
    // Lints judge a platform that is otherwise valid: on a broken one (values a schema error
    // removed, references that do not resolve) they would warn about the breakage again.
    let has_error = |d: &Diagnostic| d.severity == Severity::Error;
    if !diagnostics.iter().any(has_error) && !ctx.diags.iter().any(has_error) {
        let namespaces = written(&config, &platform, &cluster_services);
        lints::lint(&mut ctx, &platform, &namespaces);
        clusters::unused_images(&mut ctx, &platform);
        crate::timings::measure("whole", || {
            whole::check(&mut ctx, &platform, &namespaces, &facts)
        });
    }
    diagnostics.extend(ctx.diags);
    let mut outcome = finish(Some(platform), diagnostics);
    outcome.allow = allow;
    outcome
}

/// The services of each cluster that sets some apart (`[clusters.NAME.services]` merged over
/// `[services]`).
type ClusterServices = BTreeMap<String, BTreeMap<String, config::Service>>;

/// A namespace of a valid platform (or its copy on one cluster, for a namespace split per
/// cluster) beside what was written for it: what the lints and the whole-platform checks read.
pub(crate) struct Written<'a> {
    /// `namespaces.NAME`, or `namespaces.NAME.on.CLUSTER` for its copy on one cluster.
    pub path: Path,
    /// What was written: the namespace, or its copy's whole effective config.
    pub raw: &'a config::Namespace,
    /// What it was validated into.
    pub ns: &'a model::Namespace,
    /// Its position in `platform.namespaces` (and among the facts of the manifests read).
    pub at: usize,
    /// Its cluster, when it is on one.
    pub cluster: Option<&'a str>,
    /// `[services]` as they are there: with its cluster's `[clusters.NAME.services]` merged over.
    pub services: &'a BTreeMap<String, config::Service>,
    /// `[clusters.NAME.services]` of its cluster, as written.
    cluster_services: Option<&'a BTreeMap<String, config::ServiceOverride>>,
}

impl Written<'_> {
    /// Where `key` of service `svc` is set for this namespace: its cluster's
    /// `[clusters.NAME.services.SVC]` when that sets it, else `[services.SVC]`.
    pub fn service_key(&self, svc: &str, key: &str) -> Path {
        let set_apart = self
            .cluster_services
            .and_then(|s| s.get(svc))
            .is_some_and(|o| match key {
                "namespace" => o.namespace.is_some(),
                "selector" => o.selector.is_some(),
                "ports" => o.ports.is_some(),
                "strimzi_cluster" => o.strimzi_cluster.is_some(),
                _ => false,
            });
        match self.cluster {
            Some(c) if set_apart => Path::root()
                .key("clusters")
                .key(c)
                .key("services")
                .key(svc)
                .key(key),
            _ => Path::root().key("services").key(svc).key(key),
        }
    }
}

/// Every namespace of a valid platform (each copy of one split per cluster) beside what was
/// written for it, in the platform's order.
fn written<'a>(
    config: &'a Config,
    platform: &'a Platform,
    cluster_services: &'a ClusterServices,
) -> Vec<Written<'a>> {
    platform
        .namespaces
        .iter()
        .enumerate()
        .filter_map(|(at, ns)| {
            let raw = config.namespaces.get(&ns.name)?;
            let p = Path::root().key("namespaces").key(ns.name.as_str());
            let (path, raw) = match &ns.on {
                None => (p, raw),
                Some(c) => (p.key("on").key(c.as_str()), raw.on.get(c)?),
            };
            // A namespace on several clusters is split when one of them sets services apart,
            // so services differ only for a namespace on one cluster.
            let cluster = match ns.clusters.as_slice() {
                [one] => Some(one.as_str()),
                _ => None,
            };
            Some(Written {
                path,
                raw,
                ns,
                at,
                cluster,
                services: cluster
                    .and_then(|c| cluster_services.get(c))
                    .unwrap_or(&config.services),
                cluster_services: cluster
                    .and_then(|c| config.clusters.get(c))
                    .map(|c| &c.services),
            })
        })
        .collect()
}

fn finish(platform: Option<Platform>, mut diagnostics: Vec<Diagnostic>) -> Outcome {
    crate::diag::sort(&mut diagnostics);
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Outcome {
        platform: if failed { None } else { platform },
        diagnostics,
        allow: Vec::new(),
    }
}

/// `[lints] allow`: codes of warnings and notes.
fn allowed_codes(ctx: &mut Ctx<'_>, config: &Config) -> Vec<(String, crate::diag::Span)> {
    let Some(lints) = &config.lints else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, code) in lints.allow.iter().enumerate() {
        let at = ctx.val(&Path::root().key("lints").key("allow").index(i));
        let known = crate::diag::CODES
            .iter()
            .find(|(c, _, _)| c.0 == code.as_str());
        match known {
            Some((c, _, _)) if c.0.starts_with('E') => ctx.push(
                Diagnostic::error(
                    codes::INVALID_CHOICE,
                    at,
                    format!("`{code}` is an error; only warnings and notes can be allowed"),
                )
                .with_label("cannot be allowed")
                .with_help("fix what the error says: platc writes nothing while it stands"),
            ),
            Some(_) => out.push((code.clone(), at)),
            None => ctx.push(
                Diagnostic::error(
                    codes::INVALID_CHOICE,
                    at,
                    format!("unknown diagnostic code `{code}`"),
                )
                .with_label("no such code")
                .with_help(match crate::diag::explain(code) {
                    Some((c, _, _)) => format!("did you mean `{c}`?"),
                    None => "`platc explain` lists every code".into(),
                }),
            ),
        }
    }
    out
}

/// Removes what the schema errors at `pruned` name, each table's keys in one pass (a million
/// unknown keys removed one by one was quadratic).
fn remove(root: &mut Node, pruned: &BTreeSet<Path>) {
    let mut by_table: BTreeMap<&[Seg], BTreeSet<&str>> = BTreeMap::new();
    for path in pruned {
        if let Some((Seg::Key(last), parents)) = path.segs().split_last() {
            by_table.entry(parents).or_default().insert(&**last);
        }
    }
    for (parents, keys) in by_table {
        if let Some(t) = root.get_mut(parents).and_then(Node::table_mut) {
            t.retain(|k, _| !keys.contains(k.as_str()));
        }
    }
}

const IN_CLUSTER: &str = "https://kubernetes.default.svc";

fn build(
    ctx: &mut Ctx<'_>,
    config: &Config,
    attached: &Attached,
    source_name: &str,
) -> (Platform, Vec<Vec<whole::facts::Fact>>, ClusterServices) {
    let root = Path::root();
    let name_path = root.key("platform").key("name");
    ctx.dns_label(&name_path, &config.platform.name, "platform name", false);

    let default_labels = root.key("defaults").key("labels");
    ctx.labels(&default_labels, &config.defaults.labels);
    let mut common_labels = config.defaults.labels.clone();
    common_labels.insert("app.kubernetes.io/managed-by".into(), "platc".into());
    common_labels.insert(
        "app.kubernetes.io/part-of".into(),
        config.platform.name.clone(),
    );

    let schemas = manifests::Schemas::load(ctx, attached);
    let mut clusters = BTreeMap::new();
    for (name, c) in &config.clusters {
        let p = root.key("clusters").key(name.as_str());
        ctx.dns_label(&p, name, "cluster name", true);
        if name == crate::compile::ARGOCD_FOLDER && config.argocd.is_some() {
            ctx.push(
                Diagnostic::error(codes::RESERVED_NAME, ctx.key(&p), format!("a cluster named `{name}` would share `out/{name}/` with the Argo CD objects of `[argocd]`"))
                    .with_label("reserved while [argocd] is set")
                    .with_help(format!("name the cluster otherwise, e.g. `{name}-cluster`; its `server` can stay")),
            );
        }
        let server = c.server.clone().unwrap_or_else(|| IN_CLUSTER.into());
        if !(server.starts_with("https://") || server.starts_with("http://"))
            || server.contains(char::is_whitespace)
        {
            ctx.push(
                Diagnostic::error(codes::INVALID_VALUE, ctx.val(&p.key("server")), format!("`{server}` is not an API server URL"))
                    .with_label("not a URL")
                    .with_help("write the URL Argo CD uses for the cluster, e.g. `https://kubernetes.default.svc`"),
            );
        }
        let read = manifests::read(
            ctx,
            attached,
            &schemas,
            &p.key("manifests"),
            manifests::Place::Cluster(name),
        );
        let (revision, images) = clusters::settings(ctx, &p, c);
        clusters.insert(
            name.clone(),
            model::Cluster {
                server,
                manifests: read.objects,
                revision,
                images,
            },
        );
    }
    let defined_clusters: Vec<String> = config.clusters.keys().cloned().collect();
    let broken_clusters = ctx.pruned_names(&["clusters"]);
    if config.clusters.is_empty() && broken_clusters.is_empty() {
        clusters.insert(
            "default".into(),
            model::Cluster {
                server: IN_CLUSTER.into(),
                manifests: Vec::new(),
                revision: None,
                images: Vec::new(),
            },
        );
    }

    let argocd = config.argocd.as_ref().map(|a| {
        let p = root.key("argocd");
        let namespace = a.namespace.clone().unwrap_or_else(|| "argocd".into());
        if a.namespace.is_some() {
            ctx.dns_label(&p.key("namespace"), &namespace, "namespace", false);
        }
        if a.repo_url.trim().is_empty() || a.repo_url.contains(char::is_whitespace) {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.val(&p.key("repo_url")),
                    "`repo_url` must be a repository URL",
                )
                .with_label("not a URL"),
            );
        }
        let path = a.path.clone().unwrap_or_else(|| "out".into());
        let path = path.trim_matches('/').to_string();
        if path.split('/').any(|s| s == "..") {
            ctx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    ctx.val(&p.key("path")),
                    "`path` must stay inside the repository",
                )
                .with_label("contains `..`"),
            );
        }
        model::ArgoCd {
            repo_url: a.repo_url.clone(),
            revision: a.revision.clone().unwrap_or_else(|| "HEAD".into()),
            path: if path.is_empty() { ".".into() } else { path },
            path_span: ctx.val(&p.key("path")),
            namespace,
        }
    });

    let rule_labels = config
        .monitoring
        .as_ref()
        .map(|m| m.rule_labels.clone())
        .unwrap_or_default();
    ctx.labels(&root.key("monitoring").key("rule_labels"), &rule_labels);

    for (name, s) in &config.services {
        let p = root.key("services").key(name.as_str());
        ctx.dns_label(&p, name, "service name", true);
        ctx.dns_label(&p.key("namespace"), &s.namespace, "namespace", false);
        if let Some(sel) = &s.selector {
            ctx.labels(&p.key("selector"), sel);
        }
        ctx.ports(&p.key("ports"), &s.ports);
        if let Some(k) = &s.strimzi_cluster {
            ctx.dns_label(&p.key("strimzi_cluster"), k, "Strimzi cluster name", false);
        }
    }

    let stores = secrets::stores(ctx, &config.secret_stores);
    let cluster_services = clusters::services(ctx, config);
    let env = env::Env {
        config,
        clusters: &defined_clusters,
        broken_clusters: &broken_clusters,
        broken_services: ctx.pruned_names(&["services"]),
        broken_namespaces: ctx.pruned_names(&["namespaces"]),
        attached,
        schemas: &schemas,
        stores: &stores,
        broken_stores: ctx.pruned_names(&["secret_stores"]),
        cluster_services: &cluster_services,
    };
    // Namespaces are checked independently, on all cores.
    let entries: Vec<(&String, &config::Namespace)> = config.namespaces.iter().collect();
    let (mut namespaces, facts): (Vec<model::Namespace>, Vec<_>) = ctx
        .each(&entries, |ctx, (name, ns)| {
            namespace::namespaces(ctx, &env, name, ns)
        })
        .into_iter()
        .flatten()
        .unzip();
    tokens::decide(&clusters, &mut namespaces);
    let dolphinscheduler = pipeline::dolphinscheduler::settings(ctx, config);
    let workflows =
        pipeline::dolphinscheduler::chains(ctx, config, &mut namespaces, dolphinscheduler.as_ref());

    let platform = Platform {
        name: config.platform.name.clone(),
        source_name: source_name.to_string(),
        common_labels,
        clusters,
        argocd,
        rule_labels,
        namespaces,
        dolphinscheduler,
        workflows,
    };
    (platform, facts, cluster_services)
}
