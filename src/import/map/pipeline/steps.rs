//! A CronJob's containers as a pipeline's steps: their names, images, commands and arguments;
//! the resources they share as the pipeline's `resources` and, where a step differs, its own
//! (a step's amounts replace the pipeline's one by one, as the build merges them); and the
//! environment, which the model has once for every step, so the containers must share it.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::import::read::Pointer;
use crate::import::toml::V;
use crate::model::Quantity;

/// Requests or limits: resource name → quantity as written.
type Amounts = BTreeMap<String, String>;

/// One resource's request and limit, each when the pipeline can have it.
type Pair = (Option<String>, Option<String>);

/// A container's (or the pipeline's, or a step's own) requests and limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Resources {
    requests: Amounts,
    limits: Amounts,
}

impl Resources {
    /// `{ requests = {...}, limits = {...} }`, or nothing when both are empty.
    fn value(&self) -> Option<V> {
        let mut out = Vec::new();
        for (key, amounts) in [("requests", &self.requests), ("limits", &self.limits)] {
            if !amounts.is_empty() {
                out.push((key.to_string(), V::map(amounts)));
            }
        }
        (!out.is_empty()).then_some(V::Inline(out))
    }
}

/// Quantities equal as the API server reads them (`1000m` and `1`).
fn same_amount(a: &str, b: &str) -> bool {
    a == b || matches!((Quantity::parse(a), Quantity::parse(b)), (Ok(x), Ok(y)) if x == y)
}

/// The requests and limits of a container, when they hold only what platc models.
fn resources(c: &Json) -> Result<Resources, String> {
    let r = c.get("resources");
    let amounts = |key: &str| -> Result<Amounts, String> {
        let Some(map) = r.and_then(|r| r.get(key)).and_then(Json::as_object) else {
            return Ok(Amounts::new());
        };
        map.iter()
            .map(|(k, v)| {
                if !matches!(k.as_str(), "cpu" | "memory" | "ephemeral-storage") {
                    return Err(format!("resource `{k}` is not one platc models"));
                }
                let q =
                    super::super::namespace::quantity(v).ok_or("a quantity that is not text")?;
                Ok((k.clone(), q))
            })
            .collect()
    };
    Ok(Resources {
        requests: amounts("requests")?,
        limits: amounts("limits")?,
    })
}

/// Splits the containers' resources (the main container last) into the pipeline's and each
/// step's own. The pipeline gets an amount only when every container has one (a step cannot
/// take an amount away), and a resource's request and limit come from one container, so they
/// stay a valid pair: the pair most containers share, the main container's on a tie.
pub(super) fn split(all: &[Resources]) -> (Resources, Vec<Resources>) {
    let mut shared = Resources::default();
    let names: std::collections::BTreeSet<&String> = all
        .iter()
        .flat_map(|r| r.requests.keys().chain(r.limits.keys()))
        .collect();
    for name in names {
        let in_all =
            |pick: fn(&Resources) -> &Amounts| all.iter().all(|r| pick(r).contains_key(name));
        let (req, lim) = (in_all(|r| &r.requests), in_all(|r| &r.limits));
        if !req && !lim {
            continue;
        }
        let pair = |r: &Resources| {
            (
                req.then(|| r.requests[name].clone()),
                lim.then(|| r.limits[name].clone()),
            )
        };
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => same_amount(a, b),
            (a, b) => a == b,
        };
        // The main container first, so that it wins a tie.
        let mut best: Option<(Pair, usize)> = None;
        for r in all.iter().rev() {
            let p = pair(r);
            let n = all
                .iter()
                .filter(|o| {
                    let q = pair(o);
                    same(&p.0, &q.0) && same(&p.1, &q.1)
                })
                .count();
            if best.as_ref().is_none_or(|(_, m)| n > *m) {
                best = Some((p, n));
            }
        }
        if let Some(((r, l), _)) = best {
            if let Some(r) = r {
                shared.requests.insert(name.clone(), r);
            }
            if let Some(l) = l {
                shared.limits.insert(name.clone(), l);
            }
        }
    }
    let own = |mine: &Amounts, base: &Amounts| -> Amounts {
        mine.iter()
            .filter(|(k, v)| base.get(*k).is_none_or(|b| !same_amount(b, v)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let steps = all
        .iter()
        .map(|r| Resources {
            requests: own(&r.requests, &shared.requests),
            limits: own(&r.limits, &shared.limits),
        })
        .collect();
    (shared, steps)
}

/// One `env` item: a string, or `{ secret, key }` / `{ config_map, key }` for a key of a
/// Secret or ConfigMap; other sources (`fieldRef`, `resourceFieldRef`) are not modelled.
pub(super) fn env_var(e: &Json) -> Result<(String, V), String> {
    let name = e
        .get("name")
        .and_then(Json::as_str)
        .ok_or("an env var without a name")?;
    let Some(from) = e.get("valueFrom") else {
        // No value is the empty string; the build writes it out.
        let value = e.get("value").and_then(Json::as_str).unwrap_or_default();
        return Ok((name.to_string(), V::s(value)));
    };
    let kinds: Vec<&String> = from
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .collect();
    let source = match kinds.as_slice() {
        [k] if *k == "secretKeyRef" => "secret",
        [k] if *k == "configMapKeyRef" => "config_map",
        [k] => return Err(format!("an env var from `{k}`, which platc does not model")),
        _ => return Err("an env var from a reference platc does not model".into()),
    };
    let selector = &from[kinds[0].as_str()];
    let (Some(object), Some(key)) = (
        selector.get("name").and_then(Json::as_str),
        selector.get("key").and_then(Json::as_str),
    ) else {
        return Err(format!(
            "an env var from `{}` without a name or key",
            kinds[0]
        ));
    };
    Ok((
        name.to_string(),
        V::Inline(vec![
            (source.to_string(), V::s(object)),
            ("key".to_string(), V::s(key)),
        ]),
    ))
}

fn strings(v: Option<&Json>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// The pipeline's entries the containers give (`resources`, `env`, `secrets`, `config_maps`)
/// and its `steps`, each with its own `image` and `resources` where it differs from the
/// pipeline's. `containers` are the init containers, then the main one.
pub(super) fn steps(containers: &[&Json], image: &str) -> Result<Vec<(String, V)>, String> {
    let Some(main) = containers.last() else {
        return Err("a pod without a container".into());
    };
    for key in ["env", "envFrom"] {
        if containers
            .windows(2)
            .any(|w| w[0].get(key) != w[1].get(key))
        {
            return Err(format!(
                "steps with different `{key}` (a pipeline has one for every step)"
            ));
        }
    }
    let all: Vec<Resources> = containers
        .iter()
        .map(|c| resources(c))
        .collect::<Result<_, _>>()?;
    let (shared, own) = split(&all);
    let mut t = Vec::new();
    if let Some(v) = shared.value() {
        t.push(("resources".to_string(), v));
    }
    let env: Vec<(String, V)> = main
        .get("env")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(env_var)
        .collect::<Result<_, _>>()?;
    if !env.is_empty() {
        // A long `env` reads better as its own `[...env]` table, one variable a line.
        let inline = V::Inline(env);
        let value = match inline {
            V::Inline(env) if !crate::import::toml::fits("env", &inline) => V::Table(env),
            v => v,
        };
        t.push(("env".to_string(), value));
    }
    let (mut secrets, mut config_maps) = (Vec::new(), Vec::new());
    for e in main
        .get("envFrom")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        match (e.at("/secretRef/name"), e.at("/configMapRef/name")) {
            (Some(Json::String(s)), None) => secrets.push(V::s(s.clone())),
            (None, Some(Json::String(c))) => config_maps.push(V::s(c.clone())),
            _ => return Err("an envFrom platc does not model".into()),
        }
    }
    if !secrets.is_empty() {
        t.push(("secrets".to_string(), V::Arr(secrets)));
    }
    if !config_maps.is_empty() {
        t.push(("config_maps".to_string(), V::Arr(config_maps)));
    }
    let mut steps = Vec::new();
    for (c, own) in containers.iter().zip(own) {
        let name = c
            .get("name")
            .and_then(Json::as_str)
            .ok_or("a container without a name")?;
        let mut s = vec![("name".to_string(), V::s(name))];
        if let Some(args) = strings(c.get("args")) {
            s.push(("args".to_string(), V::strings(&args)));
        }
        if let Some(command) = strings(c.get("command")) {
            s.push(("command".to_string(), V::strings(&command)));
        }
        let mine = c
            .get("image")
            .and_then(Json::as_str)
            .ok_or("a container without an image")?;
        if mine != image {
            s.push(("image".to_string(), V::s(mine)));
        }
        if let Some(v) = own.value() {
            s.push(("resources".to_string(), v));
        }
        steps.push(V::Inline(s));
    }
    t.push(("steps".to_string(), V::Arr(steps)));
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Resources {
        let m = |l: &[(&str, &str)]| {
            l.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        Resources {
            requests: m(requests),
            limits: m(limits),
        }
    }

    #[test]
    fn the_pipeline_gets_what_most_steps_share_and_a_step_its_differences() {
        let base = res(
            &[("cpu", "500m"), ("memory", "1Gi")],
            &[("cpu", "1"), ("memory", "2Gi")],
        );
        let big = res(
            &[("cpu", "2"), ("memory", "1Gi")],
            &[("cpu", "4"), ("memory", "2Gi")],
        );
        let (shared, own) = split(&[base.clone(), big, base.clone()]);
        assert_eq!(shared, base);
        assert_eq!(own[0], Resources::default());
        assert_eq!(own[1], res(&[("cpu", "2")], &[("cpu", "4")]));
        assert_eq!(own[2], Resources::default());
    }

    #[test]
    fn on_a_tie_the_main_container_wins_and_equal_quantities_are_equal() {
        let a = res(&[("cpu", "1")], &[]);
        let b = res(&[("cpu", "1000m")], &[]);
        let c = res(&[("cpu", "2")], &[]);
        let (shared, own) = split(&[a.clone(), b, c.clone()]);
        assert!(
            same_amount(&shared.requests["cpu"], "1"),
            "1 and 1000m are one value, shared by two: {shared:?}"
        );
        assert_eq!(
            (&own[0], &own[1]),
            (&Resources::default(), &Resources::default())
        );
        let (shared, own) = split(&[a.clone(), c.clone()]);
        assert_eq!(shared, c, "the main container's on a tie");
        assert_eq!(own[0], a);
    }

    #[test]
    fn an_amount_not_every_container_has_is_the_steps_own() {
        let with = res(&[("cpu", "1")], &[("ephemeral-storage", "2Gi")]);
        let without = res(&[("cpu", "1")], &[]);
        let (shared, own) = split(&[with, without]);
        assert_eq!(shared, res(&[("cpu", "1")], &[]));
        assert_eq!(own[0], res(&[], &[("ephemeral-storage", "2Gi")]));
        assert_eq!(own[1], Resources::default());
    }

    #[test]
    fn a_request_and_its_limit_come_from_one_container() {
        // Most share request 1, most share limit 4, but no container has 1 and 4: the
        // pipeline must not get a pair no step has (it could put a limit under a request).
        let a = res(&[("cpu", "1")], &[("cpu", "2")]);
        let b = res(&[("cpu", "1")], &[("cpu", "1")]);
        let c = res(&[("cpu", "3")], &[("cpu", "4")]);
        let d = res(&[("cpu", "3")], &[("cpu", "4")]);
        let (shared, _) = split(&[a, b, c.clone(), d]);
        assert_eq!(shared, c);
    }

    #[test]
    fn env_from_keys_and_the_sources_not_modelled() {
        let v: Json = serde_json::json!({"name": "K", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}});
        assert_eq!(
            env_var(&v).unwrap(),
            (
                "K".into(),
                V::Inline(vec![
                    ("secret".into(), V::s("s")),
                    ("key".into(), V::s("k"))
                ])
            )
        );
        let v: Json = serde_json::json!({"name": "R", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "region"}}});
        assert_eq!(
            env_var(&v).unwrap().1,
            V::Inline(vec![
                ("config_map".into(), V::s("c")),
                ("key".into(), V::s("region"))
            ])
        );
        let v: Json = serde_json::json!({"name": "P", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}});
        assert_eq!(
            env_var(&v).unwrap_err(),
            "an env var from `fieldRef`, which platc does not model"
        );
        let v: Json = serde_json::json!({"name": "E"});
        assert_eq!(env_var(&v).unwrap().1, V::s(""));
    }
}
