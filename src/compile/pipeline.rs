//! A pipeline: its CronJob, with steps as init containers and the last one as the main
//! container, all sharing a scratch volume, hardened to the Pod Security "restricted" profile.

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapEnvSource, Container, EmptyDirVolumeSource, EnvFromSource, EnvVar,
    PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements, SeccompProfile,
    SecretEnvSource, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::meta::{Wave, labels, meta};
use super::namespace::quantities;
use super::{Manifest, Object};
use crate::model::{self, Concurrency, Labels, Platform};

/// Where every step finds the previous steps' output.
pub const SCRATCH_MOUNT: &str = "/work";

fn seccomp() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".into(),
        localhost_profile: None,
    }
}

fn container(pl: &model::Pipeline, step: &model::Step) -> Container {
    let env: Vec<EnvVar> = pl
        .env
        .iter()
        .map(|(k, v)| EnvVar {
            name: k.clone(),
            value: Some(v.clone()),
            value_from: None,
        })
        .collect();
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
        (!pl.requests.is_empty() || !pl.limits.is_empty()).then(|| ResourceRequirements {
            requests: quantities(&pl.requests),
            limits: quantities(&pl.limits),
            ..Default::default()
        });
    Container {
        name: step.name.clone(),
        image: Some(step.image.clone()),
        command: step.command.clone(),
        args: (!step.args.is_empty()).then(|| step.args.clone()),
        env: (!env.is_empty()).then_some(env),
        env_from: (!env_from.is_empty()).then_some(env_from),
        resources,
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                add: None,
            }),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            seccomp_profile: Some(seccomp()),
            ..Default::default()
        }),
        volume_mounts: Some(vec![
            VolumeMount {
                name: "scratch".into(),
                mount_path: SCRATCH_MOUNT.into(),
                ..Default::default()
            },
            VolumeMount {
                name: "tmp".into(),
                mount_path: "/tmp".into(),
                ..Default::default()
            },
        ]),
        ..Default::default()
    }
}

fn cron_job(p: &Platform, ns: &model::Namespace, pl: &model::Pipeline) -> CronJob {
    let pod_labels = labels(
        p,
        &Labels::from([("app.kubernetes.io/name".to_string(), pl.name.clone())]),
    );
    let (init, main) = match pl.steps.split_last() {
        Some((last, init)) => (init, Some(last)),
        None => (&[][..], None),
    };
    let pod = PodSpec {
        service_account_name: pl.service_account.clone(),
        restart_policy: Some("Never".into()),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            seccomp_profile: Some(seccomp()),
            ..Default::default()
        }),
        init_containers: (!init.is_empty())
            .then(|| init.iter().map(|s| container(pl, s)).collect()),
        containers: main.map(|s| container(pl, s)).into_iter().collect(),
        volumes: Some(vec![
            Volume {
                name: "scratch".into(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Default::default()
            },
            Volume {
                name: "tmp".into(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Default::default()
            },
        ]),
        ..Default::default()
    };
    let concurrency = match pl.concurrency {
        Concurrency::Forbid => "Forbid",
        Concurrency::Allow => "Allow",
        Concurrency::Replace => "Replace",
    };
    let seconds = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
    CronJob {
        metadata: meta(p, &pl.name, Some(&ns.name), Wave::Workload, &Labels::new()),
        spec: Some(CronJobSpec {
            schedule: pl.schedule.clone(),
            time_zone: pl.time_zone.clone(),
            concurrency_policy: Some(concurrency.into()),
            successful_jobs_history_limit: pl
                .history_successful
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            failed_jobs_history_limit: pl
                .history_failed
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            starting_deadline_seconds: pl.starting_deadline.map(seconds),
            suspend: pl.suspend,
            job_template: JobTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels.clone()),
                    ..Default::default()
                }),
                spec: Some(JobSpec {
                    backoff_limit: pl.retries.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
                    active_deadline_seconds: pl.deadline.map(seconds),
                    template: PodTemplateSpec {
                        metadata: Some(ObjectMeta {
                            labels: Some(pod_labels),
                            ..Default::default()
                        }),
                        spec: Some(pod),
                    },
                    ..Default::default()
                }),
            },
        }),
        ..Default::default()
    }
}

pub(super) fn compile(
    p: &Platform,
    ns: &model::Namespace,
    _cluster: &str,
    folder: &str,
    out: &mut Vec<Object>,
) {
    for pl in &ns.pipelines {
        out.push(Object {
            folder: folder.to_string(),
            kind: "CronJob",
            name: pl.name.clone(),
            origin: pl.span,
            manifest: Manifest::CronJob(Box::new(cron_job(p, ns, pl))),
        });
    }
}
