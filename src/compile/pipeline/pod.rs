//! A pipeline's pod: steps as init containers and the last one as the main container, each
//! with its resources, the environment in expansion order, the scratch volumes (size-limited)
//! and the mounted files, hardened to the Pod Security "restricted" profile; where the pod may
//! run; and the service-account token only where a role needs it.

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapEnvSource, ConfigMapKeySelector, ConfigMapVolumeSource, Container,
    EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource, LocalObjectReference,
    PodSecurityContext, PodSpec, ResourceRequirements, SeccompProfile, SecretEnvSource,
    SecretKeySelector, SecretVolumeSource, SecurityContext, Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::super::resources::quantities;
use crate::model::{self, EnvValue, FileSource, TaintEffect, TolerationOperator};

/// Where every step finds the previous steps' output.
const SCRATCH_MOUNT: &str = "/work";
/// The other writable folder, for programs that write temporary files.
const TMP_MOUNT: &str = "/tmp";

fn seccomp() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".into(),
        localhost_profile: None,
    }
}

/// A container hardened to the Pod Security "restricted" profile, with a read-only root.
pub(super) fn container_security() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: None,
        }),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        seccomp_profile: Some(seccomp()),
        ..Default::default()
    }
}

/// A pod's part of the "restricted" profile.
pub(super) fn pod_security() -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        seccomp_profile: Some(seccomp()),
        ..Default::default()
    }
}

/// The name of the volume of the `i`th entry of `files`.
fn files_volume(i: usize) -> String {
    format!("files-{i}")
}

fn env_var(v: &model::EnvVar) -> EnvVar {
    let (value, value_from) = match &v.value {
        EnvValue::Text(text) => (Some(text.clone()), None),
        EnvValue::SecretKey { secret, key } => (
            None,
            Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secret.clone(),
                    key: key.clone(),
                    optional: None,
                }),
                ..Default::default()
            }),
        ),
        EnvValue::ConfigMapKey { config_map, key } => (
            None,
            Some(EnvVarSource {
                config_map_key_ref: Some(ConfigMapKeySelector {
                    name: config_map.clone(),
                    key: key.clone(),
                    optional: None,
                }),
                ..Default::default()
            }),
        ),
    };
    EnvVar {
        name: v.name.clone(),
        value,
        value_from,
    }
}

fn container(pl: &model::Pipeline, step: &model::Step) -> Container {
    // Kept in the model's order: a `$(NAME)` must come after NAME's definition.
    let env: Vec<EnvVar> = pl.env.iter().map(env_var).collect();
    let env_from: Vec<EnvFromSource> = pl
        .config_maps
        .iter()
        .map(|c| EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: c.clone(),
                optional: None,
            }),
            ..Default::default()
        })
        .chain(pl.secrets.iter().map(|s| EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: s.clone(),
                optional: None,
            }),
            ..Default::default()
        }))
        .collect();
    let resources =
        (!step.requests.is_empty() || !step.limits.is_empty()).then(|| ResourceRequirements {
            requests: quantities(&step.requests),
            limits: quantities(&step.limits),
            ..Default::default()
        });
    let mut mounts = vec![
        VolumeMount {
            name: "scratch".into(),
            mount_path: SCRATCH_MOUNT.into(),
            ..Default::default()
        },
        VolumeMount {
            name: "tmp".into(),
            mount_path: TMP_MOUNT.into(),
            ..Default::default()
        },
    ];
    mounts.extend(pl.files.iter().enumerate().map(|(i, f)| VolumeMount {
        name: files_volume(i),
        mount_path: f.path.clone(),
        read_only: Some(true),
        ..Default::default()
    }));
    Container {
        name: step.name.clone(),
        image: Some(step.image.clone()),
        command: step.command.clone(),
        args: (!step.args.is_empty()).then(|| step.args.clone()),
        env: (!env.is_empty()).then_some(env),
        env_from: (!env_from.is_empty()).then_some(env_from),
        resources,
        security_context: Some(container_security()),
        volume_mounts: Some(mounts),
        ..Default::default()
    }
}

fn volumes(pl: &model::Pipeline) -> Vec<Volume> {
    let scratch = |name: &str| Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: Some(Quantity(pl.scratch.canonical())),
            medium: None,
        }),
        ..Default::default()
    };
    let mut out = vec![scratch("scratch"), scratch("tmp")];
    out.extend(pl.files.iter().enumerate().map(|(i, f)| match &f.source {
        FileSource::Secret(name) => Volume {
            name: files_volume(i),
            secret: Some(SecretVolumeSource {
                secret_name: Some(name.clone()),
                ..Default::default()
            }),
            ..Default::default()
        },
        FileSource::ConfigMap(name) => Volume {
            name: files_volume(i),
            config_map: Some(ConfigMapVolumeSource {
                name: name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
    }));
    out
}

fn toleration(t: &model::Toleration) -> Toleration {
    Toleration {
        key: t.key.clone(),
        operator: t.operator.map(|o| {
            match o {
                TolerationOperator::Equal => "Equal",
                TolerationOperator::Exists => "Exists",
            }
            .into()
        }),
        value: t.value.clone(),
        effect: t.effect.map(|e| {
            match e {
                TaintEffect::NoSchedule => "NoSchedule",
                TaintEffect::PreferNoSchedule => "PreferNoSchedule",
                TaintEffect::NoExecute => "NoExecute",
            }
            .into()
        }),
        toleration_seconds: t.seconds.map(i64::from),
    }
}

/// The pod spec of every run of `pl`.
pub(super) fn pod_spec(pl: &model::Pipeline) -> PodSpec {
    let (init, main) = match pl.steps.split_last() {
        Some((last, init)) => (init, Some(last)),
        None => (&[][..], None),
    };
    PodSpec {
        service_account_name: pl.service_account.clone(),
        automount_service_account_token: (!pl.mount_token).then_some(false),
        image_pull_secrets: (!pl.image_pull_secrets.is_empty()).then(|| {
            pl.image_pull_secrets
                .iter()
                .map(|name| LocalObjectReference { name: name.clone() })
                .collect()
        }),
        node_selector: (!pl.node_selector.is_empty())
            .then(|| std::collections::BTreeMap::from(&pl.node_selector)),
        tolerations: (!pl.tolerations.is_empty())
            .then(|| pl.tolerations.iter().map(toleration).collect()),
        restart_policy: Some("Never".into()),
        security_context: Some(pod_security()),
        init_containers: (!init.is_empty())
            .then(|| init.iter().map(|s| container(pl, s)).collect()),
        containers: main.map(|s| container(pl, s)).into_iter().collect(),
        volumes: Some(volumes(pl)),
        ..Default::default()
    }
}
