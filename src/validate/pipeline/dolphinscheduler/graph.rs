//! The graph of `after`: each follower's heads in an order where predecessors come first, and
//! the circles, found without recursion so that no chain is too long.

use std::collections::{BTreeMap, BTreeSet};

use super::super::super::context::Ctx;
use crate::diag::{Diagnostic, Span, codes};
use crate::model;

/// A pipeline in the graph: where it is in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Node {
    pub ns: usize,
    pub pl: usize,
}

/// Depth-first: `me`'s heads from its predecessors', each predecessor placed before it.
/// Iterative, so a chain of any length cannot overflow the stack.
pub(super) fn visit(
    me: Node,
    edges: &BTreeMap<Node, Vec<(Node, Span)>>,
    cyclic: &BTreeSet<Node>,
    heads: &mut BTreeMap<Node, BTreeSet<Node>>,
    order: &mut Vec<Node>,
) {
    let preds = |n: Node| -> Vec<Node> {
        edges
            .get(&n)
            .map(|e| {
                e.iter()
                    .map(|(p, _)| *p)
                    .filter(|p| !cyclic.contains(p))
                    .collect()
            })
            .unwrap_or_default()
    };
    // (node, whether its predecessors are done)
    let mut stack = vec![(me, false)];
    while let Some((n, ready)) = stack.pop() {
        if heads.contains_key(&n) {
            continue;
        }
        if !ready {
            stack.push((n, true));
            stack.extend(preds(n).into_iter().map(|p| (p, false)));
            continue;
        }
        let mut mine = BTreeSet::new();
        if edges.get(&n).is_none_or(Vec::is_empty) {
            mine.insert(n);
        }
        for p in preds(n) {
            if let Some(h) = heads.get(&p) {
                mine.extend(h.iter().copied());
            }
        }
        heads.insert(n, mine);
        order.push(n);
    }
}

/// The strongly connected components of `edges` (Tarjan's algorithm, iterative so a long
/// chain cannot overflow the stack), each in the order its nodes were found.
fn components(edges: &BTreeMap<Node, Vec<(Node, Span)>>) -> Vec<Vec<Node>> {
    let mut index: BTreeMap<Node, usize> = BTreeMap::new();
    let mut low: BTreeMap<Node, usize> = BTreeMap::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut on_stack: BTreeSet<Node> = BTreeSet::new();
    let mut out = Vec::new();
    let successors = |v: &Node| edges.get(v).map(Vec::as_slice).unwrap_or_default();
    for &root in edges.keys() {
        if index.contains_key(&root) {
            continue;
        }
        // (node, how many of its successors were looked at)
        let mut calls: Vec<(Node, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut next)) = calls.last_mut() {
            if *next == 0 && !index.contains_key(&v) {
                let i = index.len();
                index.insert(v, i);
                low.insert(v, i);
                stack.push(v);
                on_stack.insert(v);
            }
            if let Some((w, _)) = successors(&v).get(*next) {
                *next += 1;
                let w = *w;
                if !index.contains_key(&w) {
                    calls.push((w, 0));
                } else if on_stack.contains(&w) {
                    let l = low[&v].min(index[&w]);
                    low.insert(v, l);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                let l = low[&parent].min(low[&v]);
                low.insert(parent, l);
            }
            if low[&v] == index[&v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack.remove(&w);
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

/// Every pipeline on a cycle of `after`, each cycle reported once (at its first member's
/// `after`, naming all its members).
pub(super) fn cycles(
    ctx: &mut Ctx<'_>,
    namespaces: &[model::Namespace],
    edges: &BTreeMap<Node, Vec<(Node, Span)>>,
) -> BTreeSet<Node> {
    let mut cyclic = BTreeSet::new();
    for mut component in components(edges) {
        let own_loop = |v: &Node| edges.get(v).is_some_and(|e| e.iter().any(|(w, _)| w == v));
        if component.len() == 1 && !own_loop(&component[0]) {
            continue;
        }
        component.sort();
        let name = |v: &Node| {
            let ns = &namespaces[v.ns];
            format!("`{}/{}`", ns.name, ns.pipelines[v.pl].name)
        };
        let names: Vec<String> = component.iter().map(name).collect();
        let first = component[0];
        let members: BTreeSet<Node> = component.iter().copied().collect();
        let spans_of = |v: &Node| -> Vec<Span> {
            edges[v]
                .iter()
                .filter(|(w, _)| members.contains(w))
                .map(|(_, s)| *s)
                .collect()
        };
        let at = spans_of(&first)[0];
        let mut d = Diagnostic::error(
            codes::AFTER_CYCLE,
            at,
            if component.len() == 1 {
                format!("{} runs after itself", names[0])
            } else {
                format!(
                    "pipelines {} wait for each other in a circle",
                    join_and(&names)
                )
            },
        )
        .with_label("this `after` closes the circle")
        .with_help(
            "none of them could ever start; remove one `after` and give that pipeline a \
             `schedule`",
        );
        for v in &component[1..] {
            for span in spans_of(v) {
                d = d.with_related(Some(span), "and this one");
            }
        }
        ctx.push(d);
        cyclic.extend(members);
    }
    cyclic
}

fn join_and(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of 30,000 pipelines, each after the one before, and the same chain closed into
    /// a circle: found without recursion (a test thread has a 2 MiB stack).
    #[test]
    fn long_chains_and_circles_do_not_overflow_the_stack() {
        let n = 30_000;
        let node = |i: usize| Node { ns: 0, pl: i };
        let span = Span::new(crate::diag::FileId(0), 0..0);
        let mut edges: BTreeMap<Node, Vec<(Node, Span)>> = (1..n)
            .map(|i| (node(i), vec![(node(i - 1), span)]))
            .collect();
        let (mut heads, mut order) = (BTreeMap::new(), Vec::new());
        visit(
            node(n - 1),
            &edges,
            &BTreeSet::new(),
            &mut heads,
            &mut order,
        );
        assert_eq!(order.len(), n);
        assert_eq!(order[0], node(0), "predecessors first");
        assert_eq!(heads[&node(n - 1)], BTreeSet::from([node(0)]));
        assert!(components(&edges).iter().all(|c| c.len() == 1));
        edges.insert(node(0), vec![(node(n - 1), span)]);
        let circles: Vec<usize> = components(&edges).iter().map(Vec::len).collect();
        assert_eq!(circles, [n]);
    }
}
