//! The settings of a CronJob's pod besides its containers, read as the build writes them:
//! `image_pull_secrets`, `node_selector`, `tolerations`, `files` (the volumes `files-0`,
//! `files-1`, ... mounted in every container) and `scratch` (the size limit of the `scratch`
//! and `tmp` volumes, left out when it is the default). A setting that does not fit the model
//! is left out, and the proof restores it with a patch as before.

use serde_json::Value as Json;

use crate::import::read::Pointer;
use crate::import::toml::V;
use crate::model::Quantity;

/// The scratch size the build writes when `scratch` is not set and no ephemeral-storage limit
/// is smaller (validate's `DEFAULT_SCRATCH`).
const DEFAULT_SCRATCH: &str = "1Gi";

/// Where the build mounts its own writable volumes; `files` stay away from them.
const SCRATCH_MOUNTS: [&str; 2] = ["/work", "/tmp"];

/// `imagePullSecrets` as names, each once.
pub(super) fn image_pull_secrets(pod: &Json) -> Option<V> {
    let mut names: Vec<String> = Vec::new();
    for s in pod.get("imagePullSecrets")?.as_array()? {
        let o = s.as_object()?;
        let name = o.get("name")?.as_str()?;
        if o.len() != 1 || names.iter().any(|n| n == name) {
            return None;
        }
        names.push(name.to_string());
    }
    (!names.is_empty()).then(|| V::strings(&names))
}

/// `nodeSelector`, when every value is text.
pub(super) fn node_selector(pod: &Json) -> Option<V> {
    let map = pod.get("nodeSelector")?.as_object()?;
    let pairs: Vec<(String, String)> = map
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect::<Option<_>>()?;
    (!pairs.is_empty()).then(|| V::map(pairs.iter().map(|(k, v)| (k, v))))
}

/// One toleration as the config writes it, when it is one platc accepts.
fn toleration(t: &Json) -> Option<V> {
    let mut out = Vec::new();
    let text = |key: &str| t.get(key).map(|v| v.as_str().filter(|s| !s.is_empty()));
    for (key, v) in t.as_object()? {
        if !matches!(
            key.as_str(),
            "key" | "operator" | "value" | "effect" | "tolerationSeconds"
        ) || v.is_null()
        {
            return None;
        }
    }
    let exists = match text("operator") {
        None => false,
        Some(Some("Equal")) => false,
        Some(Some("Exists")) => true,
        Some(_) => return None,
    };
    match text("key") {
        None if exists => {}
        Some(Some(k)) => out.push(("key".to_string(), V::s(k))),
        _ => return None,
    }
    if let Some(Some(op)) = text("operator") {
        out.push(("operator".to_string(), V::s(op)));
    }
    match text("value") {
        None => {}
        Some(Some(v)) if !exists => out.push(("value".to_string(), V::s(v))),
        _ => return None,
    }
    let effect = match text("effect") {
        None => None,
        Some(Some(e @ ("NoSchedule" | "PreferNoSchedule" | "NoExecute"))) => Some(e),
        Some(_) => return None,
    };
    if let Some(e) = effect {
        out.push(("effect".to_string(), V::s(e)));
    }
    if let Some(s) = t.get("tolerationSeconds") {
        let s = u32::try_from(s.as_i64()?).ok()?;
        if effect != Some("NoExecute") {
            return None;
        }
        out.push(("toleration_seconds".to_string(), V::Int(i64::from(s))));
    }
    Some(V::Inline(out))
}

/// `tolerations`, when each one fits the model (else the whole list is left to a patch).
pub(super) fn tolerations(pod: &Json) -> Option<V> {
    let list: Vec<V> = pod
        .get("tolerations")?
        .as_array()?
        .iter()
        .map(toleration)
        .collect::<Option<_>>()?;
    (!list.is_empty()).then_some(V::Arr(list))
}

/// Whether `path` is an absolute folder in plain form, as `files` needs.
fn plain(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    path.starts_with('/')
        && !parts.is_empty()
        && parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != "..")
        && !path.chars().any(char::is_control)
}

/// Whether `inner` is `outer` or a folder under it.
fn within(inner: &str, outer: &str) -> bool {
    inner == outer
        || inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `files`: the Secret and ConfigMap volumes named as the build names them (`files-0`,
/// `files-1`, ..., every one from 0), each mounted at one path in every container (read-only
/// or unmarked: the build marks it). Anything else is left to a patch.
pub(super) fn files(pod: &Json, containers: &[&Json]) -> Option<V> {
    let volumes = pod.get("volumes").and_then(Json::as_array)?;
    let mut found: Vec<(usize, &Json)> = volumes
        .iter()
        .filter_map(|v| {
            let name = v.get("name")?.as_str()?;
            let i: usize = name.strip_prefix("files-")?.parse().ok()?;
            (name == format!("files-{i}")).then_some((i, v))
        })
        .collect();
    found.sort_by_key(|(i, _)| *i);
    if found.is_empty() || found.iter().enumerate().any(|(n, (i, _))| n != *i) {
        return None;
    }
    let mut out: Vec<V> = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    for (i, volume) in found {
        let name = format!("files-{i}");
        let source = match (
            volume.at("/secret/secretName").and_then(Json::as_str),
            volume.at("/configMap/name").and_then(Json::as_str),
        ) {
            (Some(s), None) => ("secret", s),
            (None, Some(c)) => ("config_map", c),
            _ => return None,
        };
        let mut path: Option<&str> = None;
        for c in containers {
            let mount = c
                .get("volumeMounts")
                .and_then(Json::as_array)?
                .iter()
                .find(|m| m.get("name").and_then(Json::as_str) == Some(&name))?;
            let here = mount.get("mountPath").and_then(Json::as_str)?;
            let read_only = mount
                .get("readOnly")
                .and_then(Json::as_bool)
                .unwrap_or(true);
            if !read_only || path.is_some_and(|p| p != here) {
                return None;
            }
            path = Some(here);
        }
        let path = path?;
        let clash = paths.iter().any(|p| within(p, path) || within(path, p));
        if !plain(path) || clash || SCRATCH_MOUNTS.iter().any(|s| within(path, s)) {
            return None;
        }
        paths.push(path.to_string());
        out.push(V::Inline(vec![
            (source.0.to_string(), V::s(source.1)),
            ("path".to_string(), V::s(path)),
        ]));
    }
    Some(V::Arr(out))
}

/// The LimitRange amounts of ephemeral-storage a container without its own limit gets:
/// (`default`, `max`).
pub(super) type StorageDefaults = (Option<Quantity>, Option<Quantity>);

/// The ephemeral-storage limit the pod is evicted at, as validation computes it: the largest
/// container's, each its own, else the LimitRange's `default`, else its `max`.
fn pod_storage_limit(containers: &[&Json], range: &StorageDefaults) -> Option<Quantity> {
    containers
        .iter()
        .filter_map(|c| {
            c.at("/resources/limits/ephemeral-storage")
                .and_then(super::super::namespace::quantity)
                .and_then(|q| Quantity::parse(&q).ok())
                .or_else(|| range.0.clone())
                .or_else(|| range.1.clone())
        })
        .reduce(|a, b| if b > a { b } else { a })
}

/// `scratch`: the `sizeLimit` of the `scratch` volume, unless it is what the build writes
/// without it (1Gi, or the pod's ephemeral-storage limit when smaller); left out when the
/// model refuses it (above that limit, or not more than 0).
pub(super) fn scratch(pod: &Json, containers: &[&Json], range: &StorageDefaults) -> Option<V> {
    let volume = pod
        .get("volumes")
        .and_then(Json::as_array)?
        .iter()
        .find(|v| v.get("name").and_then(Json::as_str) == Some("scratch"))?;
    let text = volume
        .at("/emptyDir/sizeLimit")
        .and_then(super::super::namespace::quantity)?;
    let size = Quantity::parse(&text).ok()?;
    let limit = pod_storage_limit(containers, range);
    let default = Quantity::parse(DEFAULT_SCRATCH).ok()?;
    let default = match &limit {
        Some(l) if *l < default => l.clone(),
        _ => default,
    };
    let refused = size.nanos() <= 0 || limit.is_some_and(|l| size > l);
    (size != default && !refused).then(|| V::s(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tolerations_as_the_config_writes_them() {
        let pod = json!({"tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"},
            {"key": "spot", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"operator": "Exists"},
        ]});
        let V::Arr(list) = tolerations(&pod).unwrap() else {
            panic!()
        };
        assert_eq!(list.len(), 3);
        assert_eq!(
            list[1],
            V::Inline(vec![
                ("key".into(), V::s("spot")),
                ("operator".into(), V::s("Exists")),
                ("effect".into(), V::s("NoExecute")),
                ("toleration_seconds".into(), V::Int(300)),
            ])
        );
        // Ones platc refuses leave the whole list to a patch.
        for bad in [
            json!({"key": "x", "effect": "NoSchedule", "tolerationSeconds": 5}),
            json!({"effect": "NoSchedule"}),
            json!({"key": "x", "operator": "Exists", "value": "y"}),
            json!({"key": "x", "operator": "Gt"}),
        ] {
            assert_eq!(tolerations(&json!({ "tolerations": [bad] })), None, "{bad}");
        }
    }

    fn mount(name: &str, path: &str) -> Json {
        json!({"name": name, "mountPath": path, "readOnly": true})
    }

    #[test]
    fn files_are_the_volumes_named_as_the_build_names_them() {
        let pod = json!({"volumes": [
            {"name": "scratch", "emptyDir": {}},
            {"name": "files-1", "configMap": {"name": "settings"}},
            {"name": "files-0", "secret": {"secretName": "catalog"}},
        ]});
        let c = json!({"volumeMounts": [mount("files-0", "/etc/iceberg"), mount("files-1", "/etc/loader")]});
        assert_eq!(
            files(&pod, &[&c, &c]),
            Some(V::Arr(vec![
                V::Inline(vec![
                    ("secret".into(), V::s("catalog")),
                    ("path".into(), V::s("/etc/iceberg"))
                ]),
                V::Inline(vec![
                    ("config_map".into(), V::s("settings")),
                    ("path".into(), V::s("/etc/loader"))
                ]),
            ]))
        );
        // A step without the mount, or another path in one step: not what the build writes.
        let other = json!({"volumeMounts": [mount("files-0", "/etc/other"), mount("files-1", "/etc/loader")]});
        assert_eq!(files(&pod, &[&c, &other]), None);
        assert_eq!(files(&pod, &[&c, &json!({})]), None);
        // A gap in the numbers, a path under /tmp.
        let gap = json!({"volumes": [{"name": "files-1", "secret": {"secretName": "x"}}]});
        assert_eq!(files(&gap, &[&c]), None);
        let tmp =
            json!({"volumeMounts": [mount("files-0", "/tmp/x"), mount("files-1", "/etc/loader")]});
        assert_eq!(files(&pod, &[&tmp]), None);
    }

    #[test]
    fn scratch_is_left_out_when_it_is_the_default() {
        let pod =
            |size: &str| json!({"volumes": [{"name": "scratch", "emptyDir": {"sizeLimit": size}}]});
        let limited = |l: &str| json!({"resources": {"limits": {"ephemeral-storage": l}}});
        let none: StorageDefaults = (None, None);
        assert_eq!(scratch(&pod("1Gi"), &[&json!({})], &none), None);
        assert_eq!(
            scratch(&pod("4Gi"), &[&json!({})], &none),
            Some(V::s("4Gi"))
        );
        // The default shrinks to the largest container's limit.
        let (small, big) = (limited("256Mi"), limited("512Mi"));
        assert_eq!(scratch(&pod("512Mi"), &[&small, &big], &none), None);
        assert_eq!(
            scratch(&pod("256Mi"), &[&small, &big], &none),
            Some(V::s("256Mi"))
        );
        // Above the limit platc refuses it: left to a patch.
        assert_eq!(scratch(&pod("1Gi"), &[&big], &none), None);
        // A LimitRange default counts for a container without its own limit.
        let range = (Quantity::parse("300Mi").ok(), None);
        assert_eq!(scratch(&pod("300Mi"), &[&json!({})], &range), None);
    }
}
