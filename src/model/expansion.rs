//! Kubernetes' `$(NAME)` expansion of environment variables, as the kubelet does it
//! (`third_party/forked/golang/expansion`): a value may name a variable defined *before* it in
//! the container's `env` (or by `envFrom`, which comes first); `$$` is an escaped `$`, so
//! `$$(NAME)` is the literal text `$(NAME)`; a reference to a name not defined yet is left as it
//! is, silently. This module finds the references of a value and an order of the variables in
//! which every reference follows its definition.

use std::collections::{BTreeMap, BTreeSet};

/// The names a value refers to with `$(NAME)`, in order, each once, as the kubelet reads them:
/// `$$` is an escaped `$` (so `$$(NAME)` is no reference), `$(` without a closing `)` is
/// literal text, and `$()` names nothing.
pub fn references(value: &str) -> Vec<&str> {
    let bytes = value.as_bytes();
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' || i + 1 == bytes.len() {
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'$' => i += 2,
            b'(' => match value[i + 2..].find(')') {
                Some(len) => {
                    let name = &value[i + 2..i + 2 + len];
                    if !name.is_empty() && !out.contains(&name) {
                        out.push(name);
                    }
                    i += 2 + len + 1;
                }
                None => break,
            },
            _ => i += 1,
        }
    }
    out
}

/// Why the variables cannot be ordered: each cycle, as the names along it from its smallest
/// name back to that name (`["A", "B", "A"]`; a variable that names itself: `["A", "A"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycles(pub Vec<Vec<String>>);

/// An order of the variables `names` in which each one comes after every variable of `names`
/// it refers to (`refers(name)`; references to other names are ignored). Among the variables
/// ready at each point the smallest name comes first, so the order depends on nothing but the
/// names and references: with no references at all it is alphabetical.
pub fn order<'a>(
    names: &[&'a str],
    refers: impl Fn(&str) -> Vec<&'a str>,
) -> Result<Vec<&'a str>, Cycles> {
    let defined: BTreeSet<&str> = names.iter().copied().collect();
    // name -> the defined names it needs first.
    let needs: BTreeMap<&str, BTreeSet<&str>> = names
        .iter()
        .map(|&n| {
            let deps = refers(n)
                .into_iter()
                .filter(|r| defined.contains(r))
                .collect();
            (n, deps)
        })
        .collect();
    let mut waiting: BTreeMap<&str, usize> = needs.iter().map(|(n, d)| (*n, d.len())).collect();
    let mut ready: BTreeSet<&str> = waiting
        .iter()
        .filter(|(_, count)| **count == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut out = Vec::with_capacity(names.len());
    while let Some(next) = ready.pop_first() {
        waiting.remove(next);
        out.push(next);
        for (n, deps) in &needs {
            if deps.contains(next)
                && let Some(count) = waiting.get_mut(n)
            {
                *count -= 1;
                if *count == 0 {
                    ready.insert(n);
                }
            }
        }
    }
    if waiting.is_empty() {
        return Ok(out);
    }
    Err(Cycles(cycles(&needs, &waiting.into_keys().collect())))
}

/// Every cycle among `left` (the variables the sort could not place: those on a cycle and
/// those waiting for one), each found once, from its smallest name.
fn cycles(needs: &BTreeMap<&str, BTreeSet<&str>>, left: &BTreeSet<&str>) -> Vec<Vec<String>> {
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut on_a_cycle: BTreeSet<&str> = BTreeSet::new();
    for &start in left {
        if on_a_cycle.contains(start) {
            continue;
        }
        // The shortest way from `start` back to itself, breadth first, through names in `left`
        // not yet on a reported cycle.
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closed = false;
        while let Some(at) = queue.pop_front() {
            for &next in needs.get(at).into_iter().flatten() {
                if !left.contains(next) || on_a_cycle.contains(next) {
                    continue;
                }
                if next == start {
                    came_from.insert(start, at);
                    closed = true;
                    break;
                }
                if !came_from.contains_key(next) {
                    came_from.insert(next, at);
                    queue.push_back(next);
                }
            }
            if closed {
                break;
            }
        }
        if !closed {
            continue;
        }
        // Walk back from `start` to `start`: the path in reverse.
        let mut path = vec![start];
        let mut at = came_from[start];
        while at != start {
            path.push(at);
            at = came_from[at];
        }
        path.push(start);
        path.reverse();
        on_a_cycle.extend(path.iter().copied());
        found.push(path.into_iter().map(str::to_string).collect());
    }
    found
}

/// Whether `name` has the shape of a variable the kubelet defines for a Service of the
/// namespace (`enableServiceLinks`, on by default), which platc cannot know about:
/// `X_SERVICE_HOST`, `X_SERVICE_PORT`, `X_SERVICE_PORT_NAME`, and the Docker-link ones `X_PORT`,
/// `X_PORT_80_TCP`, `X_PORT_80_TCP_PROTO`, `X_PORT_80_TCP_PORT`, `X_PORT_80_TCP_ADDR`.
pub fn is_service_link(name: &str) -> bool {
    let word = |s: &str| {
        !s.is_empty()
            && !s.starts_with('_')
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    };
    let docker = |rest: &str| {
        let Some(rest) = rest.strip_prefix('_') else {
            return rest.is_empty();
        };
        let parts: Vec<&str> = rest.split('_').collect();
        parts.len() >= 2
            && parts.len() <= 3
            && !parts[0].is_empty()
            && parts[0].bytes().all(|b| b.is_ascii_digit())
            && ["TCP", "UDP", "SCTP"].contains(&parts[1])
            && parts
                .get(2)
                .is_none_or(|t| ["PROTO", "PORT", "ADDR"].contains(t))
    };
    let at = |pattern: &'static str| {
        name.match_indices(pattern)
            .map(move |(i, _)| (&name[..i], &name[i + pattern.len()..]))
    };
    at("_SERVICE_HOST").any(|(service, rest)| word(service) && rest.is_empty())
        || at("_SERVICE_PORT").any(|(service, rest)| {
            word(service) && (rest.is_empty() || rest.strip_prefix('_').is_some_and(word))
        })
        || at("_PORT").any(|(service, rest)| word(service) && docker(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_as_the_kubelet_reads_them() {
        assert_eq!(references("https://$(HOST):$(PORT)/"), ["HOST", "PORT"]);
        assert_eq!(references("$(A)$(A)"), ["A"]);
        // `$$` escapes: `$$(A)` is the text `$(A)`; `$$$(A)` is `$` and a reference.
        assert!(references("$$(A)").is_empty());
        assert_eq!(references("$$$(A)"), ["A"]);
        assert!(references("$$$$(A)").is_empty());
        // Not references: an unclosed `$(`, `$()`, a `$` before anything else, a lone `$`.
        assert!(references("$(A").is_empty());
        assert!(references("$()").is_empty());
        assert!(references("$A ${A} $").is_empty());
        assert_eq!(references("$(unclosed $(B)"), ["unclosed $(B"]);
        assert_eq!(references("ünï $(B) ç"), ["B"]);
    }

    fn sorted(vars: &[(&'static str, &'static str)]) -> Result<Vec<&'static str>, Cycles> {
        let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
        order(&names, |n| {
            vars.iter()
                .find(|(v, _)| *v == n)
                .map(|(_, value)| references(value))
                .unwrap_or_default()
        })
    }

    #[test]
    fn every_reference_follows_its_definition_and_the_rest_is_by_name() {
        assert_eq!(
            sorted(&[("BASE_URL", "https://$(HOST)/"), ("HOST", "x"), ("A", "a")]),
            Ok(vec!["A", "HOST", "BASE_URL"])
        );
        assert_eq!(
            sorted(&[
                ("C", "$(B)"),
                ("B", "$(A)"),
                ("A", "1"),
                ("AA", "$(UNKNOWN)")
            ]),
            Ok(vec!["A", "AA", "B", "C"])
        );
        // The order of the input does not matter.
        assert_eq!(
            sorted(&[("HOST", "x"), ("A", "a"), ("BASE_URL", "https://$(HOST)/")]),
            Ok(vec!["A", "HOST", "BASE_URL"])
        );
    }

    #[test]
    fn cycles_are_reported_once_each_from_their_smallest_name() {
        let cycle = |path: &[&str]| path.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            sorted(&[("A", "$(A)")]),
            Err(Cycles(vec![cycle(&["A", "A"])]))
        );
        assert_eq!(
            sorted(&[
                ("B", "$(A)"),
                ("A", "$(C)"),
                ("C", "$(B)"),
                ("D", "$(A)"),
                ("X", "$(Y)"),
                ("Y", "$(X)"),
                ("Z", "ok"),
            ]),
            Err(Cycles(vec![
                cycle(&["A", "C", "B", "A"]),
                cycle(&["X", "Y", "X"])
            ]))
        );
    }

    #[test]
    fn service_links() {
        for name in [
            "KAFKA_SERVICE_HOST",
            "KAFKA_SERVICE_PORT",
            "KAFKA_SERVICE_PORT_HTTP_API",
            "KAFKA_PORT",
            "KAFKA_PORT_9092_TCP",
            "KAFKA_PORT_9092_TCP_ADDR",
            "MY_PORTAL_PORT_80_UDP_PROTO",
            "KUBERNETES_SERVICE_HOST",
        ] {
            assert!(is_service_link(name), "{name}");
        }
        for name in [
            "HOST",
            "PORT",
            "_SERVICE_HOST",
            "kafka_service_host",
            "KAFKA_PORT_X_TCP",
            "KAFKA_PORT_80_HTTP",
            "KAFKA_PORT_80_TCP_HOST",
            "DB_PORTS",
        ] {
            assert!(!is_service_link(name), "{name}");
        }
    }
}
