//! The chains of `dolphinscheduler` pipelines on each cluster: what `after` names, cycles,
//! chains with two heads, pipelines missing on a cluster; followers take their head's
//! schedule, and each chain becomes a workflow on each cluster its head is on.

use std::collections::{BTreeMap, BTreeSet};

use super::super::super::context::Ctx;
use super::DEFAULT_TIME_ZONE;
use super::graph::{Node, cycles, visit};
use crate::diag::{Diagnostic, Span, codes};
use crate::model::dolphinscheduler::{
    DolphinScheduler, ExecutionType, Predecessor, Scheduler, Task, Workflow,
};
use crate::model::{self, Concurrency, quartz};
use crate::syntax::Path;
use crate::syntax::config::Config;

/// The graph of `after` on one cluster: its namespaces (each copy of a namespace split per
/// cluster is on one), who follows whom, each pipeline's heads in an order where predecessors
/// come first, and the followers of two chains.
struct Graph {
    cluster: String,
    edges: BTreeMap<Node, Vec<(Node, Span)>>,
    heads: BTreeMap<Node, BTreeSet<Node>>,
    order: Vec<Node>,
    joined: BTreeSet<Node>,
}

/// Where a namespace of the model is written: `namespaces.NAME`, or `namespaces.NAME.on.CLUSTER`
/// for its copy on one cluster.
fn written(ns: &model::Namespace) -> Path {
    let p = Path::root().key("namespaces").key(ns.name.as_str());
    match &ns.on {
        Some(c) => p.key("on").key(c.as_str()),
        None => p,
    }
}

/// The chains: `after` resolved and checked, followers given their head's schedule and time
/// zone, and the workflows of every cluster. Chains are per cluster: an override may remove a
/// pipeline of a chain, or change what it follows, on one cluster.
pub(crate) fn chains(
    ctx: &mut Ctx<'_>,
    config: &Config,
    namespaces: &mut [model::Namespace],
    ds: Option<&DolphinScheduler>,
) -> Vec<Workflow> {
    let any = namespaces
        .iter()
        .flat_map(|ns| &ns.pipelines)
        .any(|pl| pl.scheduler != Scheduler::Kubernetes);
    if !any {
        return Vec::new();
    }
    // The namespaces on each cluster: one of each name.
    let mut on: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (n, ns) in namespaces.iter().enumerate() {
        for c in &ns.clusters {
            on.entry(c.as_str()).or_default().push(n);
        }
    }
    let graphs: Vec<Graph> = on
        .iter()
        .map(|(cluster, members)| graph(ctx, namespaces, cluster, members))
        .collect();
    // Followers take their head's schedule and time zone, and must agree on concurrency. A
    // follower on several clusters takes it from the first.
    let mut done = BTreeSet::new();
    for g in &graphs {
        for &me in &g.order {
            let Some(&head) = g.heads[&me].first().filter(|_| g.heads[&me].len() == 1) else {
                continue;
            };
            if head == me || !done.insert(me) {
                continue;
            }
            follow(ctx, config, namespaces, me, head);
        }
    }
    let Some(ds) = ds else {
        return Vec::new();
    };
    let mut out: Vec<Workflow> = graphs
        .iter()
        .flat_map(|g| workflows(ctx, namespaces, ds, g))
        .collect();
    out.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    out
}

/// The graph of `after` among the namespaces `members` on `cluster`, every problem with it
/// reported.
fn graph(
    ctx: &mut Ctx<'_>,
    namespaces: &[model::Namespace],
    cluster: &str,
    members: &[usize],
) -> Graph {
    let index: BTreeMap<(&str, &str), Node> = members
        .iter()
        .flat_map(|&n| {
            let ns = &namespaces[n];
            ns.pipelines
                .iter()
                .enumerate()
                .map(move |(i, pl)| ((ns.name.as_str(), pl.name.as_str()), Node { ns: n, pl: i }))
        })
        .collect();
    // Each follower's predecessors, with where each is named.
    let mut edges: BTreeMap<Node, Vec<(Node, Span)>> = BTreeMap::new();
    for &n in members {
        let ns = &namespaces[n];
        for (i, pl) in ns.pipelines.iter().enumerate() {
            let Scheduler::DolphinScheduler { after } = &pl.scheduler else {
                continue;
            };
            let me = Node { ns: n, pl: i };
            let p = written(ns)
                .key("pipelines")
                .key(pl.name.as_str())
                .key("after");
            for (k, predecessor) in after.iter().enumerate() {
                let at = p.index(k);
                let Predecessor { namespace, name } = predecessor;
                let Some(&other) = index.get(&(namespace.as_str(), name.as_str())) else {
                    missing(
                        ctx,
                        namespaces,
                        cluster,
                        members,
                        (ns, &pl.name),
                        predecessor,
                        &at,
                    );
                    continue;
                };
                let target = &namespaces[other.ns].pipelines[other.pl];
                if target.scheduler == Scheduler::Kubernetes {
                    ctx.push(
                        Diagnostic::error(
                            codes::AFTER_KUBERNETES,
                            ctx.val(&at),
                            format!("`{name}` is scheduled by its CronJob, not DolphinScheduler"),
                        )
                        .with_label("cannot be waited for")
                        .with_related(Some(target.span), "this pipeline has no `scheduler`")
                        .with_help(format!(
                            "set `scheduler = \"dolphinscheduler\"` on `{name}` too, so both run \
                             in one workflow"
                        )),
                    );
                    continue;
                }
                edges.entry(me).or_default().push((other, ctx.val(&at)));
            }
        }
    }
    let cyclic = cycles(ctx, namespaces, &edges);
    // The heads each pipeline descends from, in an order where predecessors come first.
    let mut heads: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    let mut order: Vec<Node> = Vec::new();
    for &n in members {
        for (i, pl) in namespaces[n].pipelines.iter().enumerate() {
            let me = Node { ns: n, pl: i };
            if matches!(pl.scheduler, Scheduler::DolphinScheduler { .. }) && !cyclic.contains(&me) {
                visit(me, &edges, &cyclic, &mut heads, &mut order);
            }
        }
    }
    let mut joined = BTreeSet::new();
    for &me in &order {
        let preds = edges.get(&me).map(Vec::as_slice).unwrap_or_default();
        if heads[&me].len() > 1
            && preds
                .iter()
                .all(|(p, _)| heads.get(p).is_some_and(|h| h.len() <= 1))
        {
            joined.insert(me);
            let ns = &namespaces[me.ns];
            let pl = &ns.pipelines[me.pl];
            let names: Vec<String> = heads[&me]
                .iter()
                .map(|h| {
                    let head = &namespaces[h.ns];
                    format!("`{}/{}`", head.name, head.pipelines[h.pl].name)
                })
                .collect();
            let mut d = Diagnostic::error(
                codes::AFTER_TWO_CHAINS,
                ctx.key(
                    &written(ns)
                        .key("pipelines")
                        .key(pl.name.as_str())
                        .key("after"),
                ),
                format!(
                    "`{}` follows pipelines of two schedules: {}",
                    pl.name,
                    names.join(" and ")
                ),
            )
            .with_label("would belong to two workflows")
            .with_help(
                "a workflow has one schedule; follow pipelines of one chain, or make one head \
                 follow the other",
            );
            for h in &heads[&me] {
                d = d.with_related(
                    Some(namespaces[h.ns].pipelines[h.pl].span),
                    "a chain head with its own schedule",
                );
            }
            ctx.push(d);
        }
    }
    Graph {
        cluster: cluster.to_string(),
        edges,
        heads,
        order,
        joined,
    }
}

/// A pipeline named by `after` that is not on `cluster`: on another cluster (its namespace is
/// not here, or an override removes it here), or nowhere.
fn missing(
    ctx: &mut Ctx<'_>,
    namespaces: &[model::Namespace],
    cluster: &str,
    members: &[usize],
    (ns, follower): (&model::Namespace, &str),
    Predecessor { namespace, name }: &Predecessor,
    at: &Path,
) {
    let here = members
        .iter()
        .map(|&n| &namespaces[n])
        .find(|x| x.name == *namespace);
    let elsewhere = namespaces
        .iter()
        .any(|x| x.name == *namespace && x.pipelines.iter().any(|q| q.name == *name));
    if elsewhere {
        let help = match here {
            // Its namespace is here: an override removes the pipeline on this cluster.
            Some(_) => format!(
                "`on.{cluster}` of namespace `{namespace}` removes `{name}` there; remove \
                 `{follower}` on `{cluster}` too (`pipelines = {{ {follower} = false }}` in \
                 `[namespaces.{}.on.{cluster}]`), or follow a pipeline that is there",
                ns.name
            ),
            None => format!(
                "each cluster's DolphinScheduler runs that cluster's workflows; put namespace \
                 `{namespace}` on cluster `{cluster}` too, or follow a pipeline that is there"
            ),
        };
        ctx.push(
            Diagnostic::error(
                codes::AFTER_ACROSS_CLUSTERS,
                ctx.val(at),
                format!(
                    "`{namespace}/{name}` is not on cluster `{cluster}`, where `{}/{follower}` \
                     runs",
                    ns.name
                ),
            )
            .with_label("not on every cluster of this pipeline")
            .with_help(help),
        );
        return;
    }
    let target = Path::root().key("namespaces").key(namespace.as_str());
    let broken = ctx.is_pruned(&target)
        || ctx.is_pruned(&target.key("pipelines").key(name.as_str()))
        || here.is_some_and(|x| ctx.is_pruned(&written(x).key("pipelines").key(name.as_str())));
    if broken {
        return;
    }
    let known: Vec<&str> = here
        .map(|x| x.pipelines.iter().map(|q| q.name.as_str()).collect())
        .unwrap_or_default();
    let offset = (*namespace != ns.name).then(|| namespace.len() + 1);
    ctx.unresolved_in(
        at,
        offset,
        "pipeline",
        name,
        &format!("namespace `{namespace}`"),
        known,
    );
}

/// Follower `me` takes the schedule, time zone and concurrency of its chain's `head`; a
/// `concurrency` of its own that differs is an error.
fn follow(
    ctx: &mut Ctx<'_>,
    config: &Config,
    namespaces: &mut [model::Namespace],
    me: Node,
    head: Node,
) {
    let (schedule, zone, concurrency, head_span) = {
        let h = &namespaces[head.ns].pipelines[head.pl];
        (
            h.schedule.clone(),
            h.time_zone.clone(),
            h.concurrency,
            h.span,
        )
    };
    let ns = &namespaces[me.ns];
    let pl = &ns.pipelines[me.pl];
    let raw = config.namespaces.get(&ns.name).and_then(|n| match &ns.on {
        Some(c) => n.on.get(c),
        None => Some(n),
    });
    let written_concurrency = raw
        .and_then(|n| n.pipelines.get(&pl.name))
        .and_then(|p| p.concurrency);
    if written_concurrency.is_some_and(|c| c != concurrency && c != Concurrency::Replace) {
        ctx.push(
            Diagnostic::error(
                codes::DOLPHINSCHEDULER_CONCURRENCY,
                ctx.val(
                    &written(ns)
                        .key("pipelines")
                        .key(pl.name.as_str())
                        .key("concurrency"),
                ),
                "a follower's `concurrency` differs from its chain head's",
            )
            .with_label("one workflow has one execution type")
            .with_related(Some(head_span), "the chain head")
            .with_help("remove `concurrency` here; the head's decides for the whole chain"),
        );
        return;
    }
    let pl = &mut namespaces[me.ns].pipelines[me.pl];
    pl.schedule = schedule;
    pl.time_zone = zone;
    pl.concurrency = concurrency;
}

/// One workflow per chain head on the graph's cluster, with the chain's pipelines there.
fn workflows(
    ctx: &mut Ctx<'_>,
    namespaces: &[model::Namespace],
    ds: &DolphinScheduler,
    g: &Graph,
) -> Vec<Workflow> {
    let Graph {
        cluster,
        edges,
        heads,
        order,
        joined,
    } = g;
    let declared = namespaces.iter().any(|n| n.name == ds.namespace);
    let ds_here = namespaces
        .iter()
        .any(|n| n.name == ds.namespace && n.clusters.contains(cluster));
    // Each chain's members: every pipeline whose only head is the chain's (a pipeline with two
    // heads is already an error), in `order`.
    let mut chains: BTreeMap<Node, Vec<Node>> = BTreeMap::new();
    for &n in order {
        if let [head] = heads[&n].iter().copied().collect::<Vec<_>>()[..]
            && !joined.contains(&n)
        {
            chains.entry(head).or_default().push(n);
        }
    }
    let mut out = Vec::new();
    for &head in order {
        let Some(members) = chains.get(&head).filter(|_| heads[&head].contains(&head)) else {
            continue;
        };
        let head_ns = &namespaces[head.ns];
        let head_pl = &head_ns.pipelines[head.pl];
        if declared && !ds_here {
            ctx.push(
                Diagnostic::error(
                    codes::DOLPHINSCHEDULER_NAMESPACE,
                    head_pl.span,
                    format!(
                        "DolphinScheduler's namespace `{}` is not on cluster `{cluster}`, \
                         where pipeline `{}` runs",
                        ds.namespace, head_pl.name
                    ),
                )
                .with_label("no DolphinScheduler to run its workflow")
                .with_related(Some(ds.span), "[dolphinscheduler]")
                .with_help(format!(
                    "add `{cluster}` to the clusters of namespace `{}`",
                    ds.namespace
                )),
            );
            continue;
        }
        let task_name = |n: &Node| {
            let ns = &namespaces[n.ns];
            let pl = &ns.pipelines[n.pl].name;
            if ns.name == head_ns.name {
                pl.clone()
            } else {
                format!("{}.{pl}", ns.name)
            }
        };
        let mut tasks: Vec<Task> = members
            .iter()
            .map(|n| {
                let pl = &namespaces[n.ns].pipelines[n.pl];
                let mut deps: Vec<String> = edges
                    .get(n)
                    .map(|e| e.iter().map(|(p, _)| task_name(p)).collect())
                    .unwrap_or_default();
                deps.sort();
                deps.dedup();
                Task {
                    name: task_name(n),
                    namespace: namespaces[n.ns].name.clone(),
                    pipeline: pl.name.clone(),
                    deadline: pl.deadline,
                    deps,
                }
            })
            .collect();
        sort_tasks(&mut tasks);
        out.push(Workflow {
            name: format!("{}.{}", head_ns.name, head_pl.name),
            cluster: cluster.clone(),
            schedule: head_pl.schedule.clone(),
            quartz: quartz::to_quartz(&head_pl.schedule).unwrap_or_default(),
            time_zone: head_pl
                .time_zone
                .clone()
                .unwrap_or_else(|| DEFAULT_TIME_ZONE.into()),
            execution_type: match head_pl.concurrency {
                Concurrency::Allow => ExecutionType::Parallel,
                _ => ExecutionType::SerialDiscard,
            },
            tasks,
            span: head_pl.span,
        });
    }
    out
}

/// Tasks in an order where each comes after the tasks it depends on; among those free to go
/// next, the smallest name first.
fn sort_tasks(tasks: &mut Vec<Task>) {
    let mut left: Vec<Task> = std::mem::take(tasks);
    left.sort_by(|a, b| a.name.cmp(&b.name));
    while !left.is_empty() {
        let placed: BTreeSet<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        let next = left
            .iter()
            .position(|t| t.deps.iter().all(|d| placed.contains(d.as_str())))
            .unwrap_or(0);
        tasks.push(left.remove(next));
    }
}
