//! The Pod Security Standards (`baseline` and `restricted`, as Kubernetes 1.33's Pod Security
//! admission enforces them): what in a pod spec a namespace of that level refuses. Each
//! violation names the path of the field (or of the container or pod missing a setting),
//! relative to the pod spec, so the caller can point at the line where it is written.

use k8s_openapi::api::core::v1::{Container, PodSpec, SecurityContext};

use super::PodSecurity;
use crate::yaml::Step;

/// The Kubernetes minor these rules are those of (k8s-openapi's `v1_33` feature): a Namespace
/// pins its `pod-security.kubernetes.io/*-version` labels to it, so the cluster judges pods by
/// the same rules platc checked them with, whatever version it runs.
pub const STANDARD_VERSION: &str = "v1.33";

/// The level's name in a Pod Security label (`restricted`, `baseline`, `privileged`).
pub fn level_name(level: PodSecurity) -> &'static str {
    match level {
        PodSecurity::Restricted => "restricted",
        PodSecurity::Baseline => "baseline",
        PodSecurity::Privileged => "privileged",
    }
}

/// One thing the level refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where, relative to the pod spec: the field, or the container/pod that lacks it.
    pub path: Vec<Step>,
    /// What, in a few words (`privileged`, `allowPrivilegeEscalation != false`).
    pub what: String,
    /// How to fix it.
    pub help: &'static str,
}

/// Capabilities `baseline` lets a container add.
const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls `baseline` allows.
const SAFE_SYSCTLS: [&str; 10] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// SELinux types `baseline` allows.
const SELINUX_TYPES: [&str; 5] = [
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// Volume types `restricted` allows.
const RESTRICTED_VOLUMES: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const HELP_CONTAINER: &str = "give the container `securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: [ALL] }, seccompProfile: { type: RuntimeDefault } }`, or set `pod_security = \"baseline\"` on the namespace";

/// The fields of a pod spec that [`check`] reads: a change anywhere else (`nodeSelector`,
/// `tolerations`, `affinity`, ...) cannot make a pod break its level.
const FIELDS_CHECKED: [&str; 7] = [
    "containers",
    "hostIPC",
    "hostNetwork",
    "hostPID",
    "initContainers",
    "securityContext",
    "volumes",
];

/// Whether changing what is at JSON Pointer `pointer` of an object of `kind` may change what
/// [`check`] finds in its pods: the pod spec, one of its parents, or a field of it that
/// [`check`] reads.
pub fn may_change_level(kind: &str, pointer: &str) -> bool {
    let Some(path) = pod_spec_path(kind) else {
        return false;
    };
    let mut segments = pointer.split('/').skip(1);
    for key in path {
        match segments.next() {
            None => return true,
            Some(s) if s == *key => {}
            Some(_) => return false,
        }
    }
    segments
        .next()
        .is_none_or(|field| FIELDS_CHECKED.contains(&field))
}

/// Where a kind keeps its pod spec, as keys from the object's root (`None`: it has none).
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// The pod spec of an object of `kind` written as `object`, with its path there: `None` for a
/// kind without pods, or a pod spec that does not read as one.
pub fn pod_spec_of(
    kind: &str,
    object: &serde_json::Value,
) -> Option<(&'static [&'static str], PodSpec)> {
    let path = pod_spec_path(kind)?;
    let pointer: String = path.iter().map(|p| format!("/{p}")).collect();
    let spec = serde::Deserialize::deserialize(object.pointer(&pointer)?).ok()?;
    Some((path, spec))
}

fn key(k: &str) -> Step {
    Step::Key(k.to_string())
}

/// Everything in `pod` a namespace enforcing `level` refuses (nothing for `privileged`).
pub fn check(level: PodSecurity, pod: &PodSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    if level == PodSecurity::Privileged {
        return out;
    }
    let restricted = level == PodSecurity::Restricted;
    let mut v = |path: Vec<Step>, what: String, help: &'static str| {
        out.push(Violation { path, what, help });
    };
    for (field, set) in [
        ("hostNetwork", pod.host_network),
        ("hostPID", pod.host_pid),
        ("hostIPC", pod.host_ipc),
    ] {
        if set == Some(true) {
            v(
                vec![key(field)],
                format!("{field}: true"),
                "pods share the node's namespaces only in a `privileged` namespace; remove it",
            );
        }
    }
    let pod_sc = pod.security_context.as_ref();
    if let Some(sc) = pod_sc {
        let at = |f: &str| vec![key("securityContext"), key(f)];
        if sc.windows_options.as_ref().and_then(|w| w.host_process) == Some(true) {
            v(
                at("windowsOptions"),
                "hostProcess: true".into(),
                "remove `hostProcess`",
            );
        }
        if let Some(se) = &sc.se_linux_options {
            selinux(se, at("seLinuxOptions"), &mut v);
        }
        if let Some(p) = &sc.seccomp_profile
            && p.type_ == "Unconfined"
        {
            v(
                at("seccompProfile"),
                "seccompProfile Unconfined".into(),
                "use `type: RuntimeDefault`",
            );
        }
        if let Some(p) = &sc.app_armor_profile
            && p.type_ == "Unconfined"
        {
            v(
                at("appArmorProfile"),
                "appArmorProfile Unconfined".into(),
                "use `type: RuntimeDefault`",
            );
        }
        for (i, s) in sc.sysctls.iter().flatten().enumerate() {
            if !SAFE_SYSCTLS.contains(&s.name.as_str()) {
                v(
                    vec![key("securityContext"), key("sysctls"), Step::Index(i)],
                    format!("sysctl `{}`", s.name),
                    "only the sysctls Kubernetes counts as safe are allowed",
                );
            }
        }
        if restricted && sc.run_as_user == Some(0) {
            v(
                at("runAsUser"),
                "runAsUser: 0".into(),
                "run as a non-root user id",
            );
        }
    }
    for (i, vol) in pod.volumes.iter().flatten().enumerate() {
        let at = vec![key("volumes"), Step::Index(i)];
        if vol.host_path.is_some() {
            v(
                at.clone(),
                format!("hostPath volume `{}`", vol.name),
                "use a persistentVolumeClaim or emptyDir instead of the node's file system",
            );
        } else if restricted {
            let json = serde_json::to_value(vol).unwrap_or_default();
            let kinds: Vec<&String> = json
                .as_object()
                .map(|m| m.keys().filter(|k| *k != "name").collect())
                .unwrap_or_default();
            if let Some(other) = kinds
                .iter()
                .find(|k| !RESTRICTED_VOLUMES.contains(&k.as_str()))
            {
                v(
                    at,
                    format!("{other} volume `{}`", vol.name),
                    "`restricted` allows configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes",
                );
            }
        }
    }
    let pod_non_root = pod_sc.and_then(|s| s.run_as_non_root) == Some(true);
    let pod_seccomp = pod_sc
        .and_then(|s| s.seccomp_profile.as_ref())
        .is_some_and(|p| p.type_ == "RuntimeDefault" || p.type_ == "Localhost");
    let groups = [
        (
            "initContainers",
            pod.init_containers.as_deref().unwrap_or_default(),
        ),
        ("containers", pod.containers.as_slice()),
    ];
    for (group, containers) in groups {
        for (i, c) in containers.iter().enumerate() {
            let at = vec![key(group), Step::Index(i)];
            container(c, &at, restricted, pod_non_root, pod_seccomp, &mut v);
        }
    }
    out
}

fn selinux(
    se: &k8s_openapi::api::core::v1::SELinuxOptions,
    at: Vec<Step>,
    v: &mut impl FnMut(Vec<Step>, String, &'static str),
) {
    let t = se.type_.as_deref().unwrap_or_default();
    if !SELINUX_TYPES.contains(&t) {
        v(
            at.clone(),
            format!("seLinuxOptions type `{t}`"),
            "use container_t, container_init_t, container_kvm_t or container_engine_t",
        );
    }
    if se.user.is_some() || se.role.is_some() {
        v(
            at,
            "seLinuxOptions user or role".into(),
            "remove `user` and `role`",
        );
    }
}

fn container(
    c: &Container,
    at: &[Step],
    restricted: bool,
    pod_non_root: bool,
    pod_seccomp: bool,
    v: &mut impl FnMut(Vec<Step>, String, &'static str),
) {
    let field = |f: &[&str]| {
        let mut p = at.to_vec();
        p.extend(f.iter().map(|s| key(s)));
        p
    };
    for (i, port) in c.ports.iter().flatten().enumerate() {
        if port.host_port.is_some_and(|p| p != 0) {
            let mut p = field(&["ports"]);
            p.extend([Step::Index(i), key("hostPort")]);
            v(
                p,
                format!("hostPort {}", port.host_port.unwrap_or(0)),
                "remove `hostPort`; expose the port through a Service",
            );
        }
    }
    let sc: Option<&SecurityContext> = c.security_context.as_ref();
    let sc_field = |f: &str| field(&["securityContext", f]);
    if let Some(sc) = sc {
        if sc.privileged == Some(true) {
            v(
                sc_field("privileged"),
                "privileged: true".into(),
                "remove `privileged`; add only the capabilities the container needs",
            );
        }
        if sc.windows_options.as_ref().and_then(|w| w.host_process) == Some(true) {
            v(
                sc_field("windowsOptions"),
                "hostProcess: true".into(),
                "remove `hostProcess`",
            );
        }
        if let Some(se) = &sc.se_linux_options {
            selinux(se, sc_field("seLinuxOptions"), v);
        }
        if sc.proc_mount.as_deref().is_some_and(|m| m != "Default") {
            v(
                sc_field("procMount"),
                "procMount Unmasked".into(),
                "remove `procMount`",
            );
        }
        if let Some(p) = &sc.seccomp_profile
            && p.type_ == "Unconfined"
        {
            v(
                sc_field("seccompProfile"),
                "seccompProfile Unconfined".into(),
                "use `type: RuntimeDefault`",
            );
        }
        if let Some(p) = &sc.app_armor_profile
            && p.type_ == "Unconfined"
        {
            v(
                sc_field("appArmorProfile"),
                "appArmorProfile Unconfined".into(),
                "use `type: RuntimeDefault`",
            );
        }
        let added = sc.capabilities.as_ref().and_then(|c| c.add.as_ref());
        for (i, cap) in added.into_iter().flatten().enumerate() {
            let allowed = if restricted {
                cap == "NET_BIND_SERVICE"
            } else {
                BASELINE_CAPABILITIES.contains(&cap.as_str())
            };
            if !allowed {
                let mut p = sc_field("capabilities");
                p.extend([key("add"), Step::Index(i)]);
                v(
                    p,
                    format!("capability {cap}"),
                    if restricted {
                        "`restricted` lets a container add only NET_BIND_SERVICE"
                    } else {
                        "`baseline` does not let a container add this capability"
                    },
                );
            }
        }
        if restricted && sc.run_as_user == Some(0) {
            v(
                sc_field("runAsUser"),
                "runAsUser: 0".into(),
                "run as a non-root user id",
            );
        }
    }
    if !restricted {
        return;
    }
    let mut missing = Vec::new();
    if sc.and_then(|s| s.allow_privilege_escalation) != Some(false) {
        missing.push("allowPrivilegeEscalation != false");
    }
    let drops_all = sc
        .and_then(|s| s.capabilities.as_ref())
        .and_then(|c| c.drop.as_ref())
        .is_some_and(|d| d.iter().any(|x| x == "ALL"));
    if !drops_all {
        missing.push("capabilities not dropped (drop: [ALL])");
    }
    match sc.and_then(|s| s.run_as_non_root) {
        Some(false) => missing.push("runAsNonRoot: false"),
        None if !pod_non_root => missing.push("runAsNonRoot != true"),
        _ => {}
    }
    let seccomp = sc.and_then(|s| s.seccomp_profile.as_ref());
    if seccomp.is_none() && !pod_seccomp {
        missing.push("no seccompProfile (RuntimeDefault)");
    }
    if !missing.is_empty() {
        v(at.to_vec(), missing.join(", "), HELP_CONTAINER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(yaml: &str) -> PodSpec {
        let docs = crate::yaml::parse(crate::diag::FileId(0), yaml).unwrap();
        let (p, problems) = crate::yaml::de::read::<PodSpec>(&docs[0].root);
        assert!(problems.is_empty(), "{problems:?}");
        p.unwrap()
    }

    fn whats(level: PodSecurity, yaml: &str) -> Vec<String> {
        check(level, &pod(yaml))
            .into_iter()
            .map(|v| v.what)
            .collect()
    }

    const HARDENED: &str =
        "securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
containers:
  - name: a
    image: a:1
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
";

    #[test]
    fn only_changes_to_what_the_check_reads_may_change_the_level() {
        let spec = "/spec/jobTemplate/spec/template/spec";
        for pointer in [
            "",
            "/spec",
            "/spec/jobTemplate/spec/template",
            spec,
            "/spec/jobTemplate/spec/template/spec/hostNetwork",
            "/spec/jobTemplate/spec/template/spec/containers/0/securityContext",
            "/spec/jobTemplate/spec/template/spec/volumes/-",
        ] {
            assert!(may_change_level("CronJob", pointer), "{pointer:?}");
        }
        for pointer in [
            "/metadata/labels/tier",
            "/spec/schedule",
            "/spec/jobTemplate/metadata",
            "/spec/jobTemplate/spec/template/metadata/labels",
            "/spec/jobTemplate/spec/template/spec/nodeSelector",
            "/spec/jobTemplate/spec/template/spec/tolerations/0",
        ] {
            assert!(!may_change_level("CronJob", pointer), "{pointer:?}");
        }
        assert!(may_change_level(
            "Deployment",
            "/spec/template/spec/hostPID"
        ));
        assert!(!may_change_level("ConfigMap", "/data"));
    }

    #[test]
    fn every_field_said_to_be_checked_is_read_by_the_check() {
        let container = "  - name: a\n    image: a:1\n";
        let hardened_container =
            "    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n";
        let pod_sc =
            "securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n";
        let good = format!("{pod_sc}containers:\n{container}{hardened_container}");
        assert!(whats(PodSecurity::Restricted, &good).is_empty());
        for field in FIELDS_CHECKED {
            let bad = match field {
                "containers" => format!("{pod_sc}containers:\n{container}"),
                "initContainers" => format!("{good}initContainers:\n{container}"),
                "securityContext" => format!(
                    "securityContext: {{seccompProfile: {{type: RuntimeDefault}}}}\ncontainers:\n{container}{hardened_container}"
                ),
                "volumes" => format!("{good}volumes: [{{name: h, hostPath: {{path: /}}}}]\n"),
                host => format!("{good}{host}: true\n"),
            };
            assert!(
                !whats(PodSecurity::Restricted, &bad).is_empty(),
                "{field}: {bad}"
            );
        }
    }

    #[test]
    fn a_hardened_pod_passes_both_levels() {
        assert!(whats(PodSecurity::Restricted, HARDENED).is_empty());
        assert!(whats(PodSecurity::Baseline, HARDENED).is_empty());
    }

    #[test]
    fn a_plain_pod_is_baseline_but_not_restricted() {
        let plain = "containers: [{name: a, image: a:1}]\n";
        assert!(whats(PodSecurity::Baseline, plain).is_empty());
        assert_eq!(
            whats(PodSecurity::Restricted, plain),
            [
                "allowPrivilegeEscalation != false, capabilities not dropped (drop: [ALL]), runAsNonRoot != true, no seccompProfile (RuntimeDefault)"
            ]
        );
    }

    #[test]
    fn baseline_refuses_host_access_and_privilege() {
        let bad = "hostNetwork: true
volumes: [{name: h, hostPath: {path: /}}]
containers:
  - name: a
    image: a:1
    ports: [{containerPort: 80, hostPort: 80}]
    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN, CHOWN]}}
";
        let found = check(PodSecurity::Baseline, &pod(bad));
        let w: Vec<&str> = found.iter().map(|v| v.what.as_str()).collect();
        assert_eq!(
            w,
            [
                "hostNetwork: true",
                "hostPath volume `h`",
                "hostPort 80",
                "privileged: true",
                "capability SYS_ADMIN"
            ]
        );
        assert_eq!(
            crate::yaml::schema::show(&found[4].path),
            "containers[0].securityContext.capabilities.add[0]"
        );
        assert!(whats(PodSecurity::Privileged, bad).is_empty());
    }

    #[test]
    fn restricted_volumes() {
        let y = HARDENED.replace("containers:", "volumes: [{name: g, gitRepo: {repository: x}}, {name: c, configMap: {name: c}}]\ncontainers:");
        assert_eq!(whats(PodSecurity::Restricted, &y), ["gitRepo volume `g`"]);
        assert!(whats(PodSecurity::Baseline, &y).is_empty());
    }

    /// The pinned version is the one the crate's typed Kubernetes objects are built for.
    #[test]
    fn the_standard_version_is_the_k8s_openapi_feature() {
        let cargo = include_str!("../../Cargo.toml");
        let feature = format!(
            "features = [\"v{}\"]",
            super::STANDARD_VERSION
                .trim_start_matches('v')
                .replace('.', "_")
        );
        assert!(
            cargo
                .lines()
                .any(|l| l.starts_with("k8s-openapi") && l.contains(&feature)),
            "Cargo.toml's k8s-openapi does not have {feature}"
        );
    }
}
