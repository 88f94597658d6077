//! Pipelines run by Apache DolphinScheduler (`scheduler = "dolphinscheduler"`): each chain is a
//! workflow in pydolphinscheduler's YAML format whose Shell tasks create a Job from the
//! pipeline's suspended CronJob, wait for it and print its pods' logs. The workflows live in a
//! ConfigMap in DolphinScheduler's namespace, where an Argo CD PostSync hook Job submits them
//! with `pydolphinscheduler yaml -f`; in each pipeline's namespace a Role lets exactly the
//! workers' ServiceAccount create and watch those Jobs.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    PodSpec, PodTemplateSpec, ResourceRequirements, SecretKeySelector, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Serialize;

use super::super::meta::{Wave, meta};
use super::super::{Manifest, Object};
use super::pod::{container_security, pod_security};
use crate::model::dolphinscheduler::{DolphinScheduler, Scheduler, Task, Workflow};
use crate::model::{self, Labels, Platform};

/// The ConfigMap holding every workflow of a cluster, one `NAME.yaml` key each.
pub const WORKFLOWS: &str = "dolphinscheduler-workflows";
/// The hook Job that submits them.
pub const SUBMIT: &str = "dolphinscheduler-submit";
/// The Role (and RoleBinding) in each pipeline namespace for the workers.
pub const RUNS: &str = "dolphinscheduler-runs";
/// Where the submit Job mounts the workflows.
const MOUNT: &str = "/workflows";
/// Seconds between two looks at a running Job.
const POLL_SECONDS: u64 = 10;
/// Seconds past `deadline` the task still waits for the Job controller to mark the Job
/// failed (its `activeDeadlineSeconds`) before giving up itself.
const DEADLINE_GRACE_SECONDS: u64 = 60;

/// Whether `pl` is run by DolphinScheduler.
pub(super) fn is_dolphinscheduler(pl: &model::Pipeline) -> bool {
    matches!(pl.scheduler, Scheduler::DolphinScheduler { .. })
}

/// The Role and RoleBinding of namespace `ns` (into `folder`) when it has pipelines that
/// DolphinScheduler runs: its workers may create Jobs, read those pipelines' CronJobs, and
/// watch Jobs, pods and their logs. Nothing else.
pub(super) fn rbac(p: &Platform, ns: &model::Namespace, folder: &str, out: &mut Vec<Object>) {
    let Some(ds) = &p.dolphinscheduler else {
        return;
    };
    let cronjobs: Vec<String> = ns
        .pipelines
        .iter()
        .filter(|pl| is_dolphinscheduler(pl))
        .map(|pl| pl.name.clone())
        .collect();
    let Some(first) = ns.pipelines.iter().find(|pl| is_dolphinscheduler(pl)) else {
        return;
    };
    let rule =
        |group: &str, resources: &[&str], verbs: &[&str], names: Option<&[String]>| PolicyRule {
            api_groups: Some(vec![group.to_string()]),
            resources: Some(resources.iter().map(|r| r.to_string()).collect()),
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
            resource_names: names.map(<[String]>::to_vec),
            non_resource_urls: None,
        };
    let none = Labels::new();
    let role = Role {
        metadata: meta(p, RUNS, Some(&ns.name), Wave::Prerequisite, &none),
        rules: Some(vec![
            rule("batch", &["cronjobs"], &["get"], Some(&cronjobs)),
            rule(
                "batch",
                &["jobs"],
                &["create", "get", "list", "watch"],
                None,
            ),
            rule("", &["pods", "pods/log"], &["get", "list", "watch"], None),
        ]),
    };
    let binding = RoleBinding {
        metadata: meta(p, RUNS, Some(&ns.name), Wave::Prerequisite, &none),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: RUNS.into(),
        },
        subjects: Some(vec![Subject {
            api_group: None,
            kind: "ServiceAccount".into(),
            name: ds.worker_service_account.clone(),
            namespace: Some(ds.namespace.clone()),
        }]),
    };
    out.push(Object::generated(
        folder.to_string(),
        "Role",
        RUNS,
        first.span,
        Manifest::Role(Box::new(role)),
    ));
    out.push(Object::generated(
        folder.to_string(),
        "RoleBinding",
        RUNS,
        first.span,
        Manifest::RoleBinding(Box::new(binding)),
    ));
}

/// The workflows' ConfigMap and the submit Job of every cluster that has workflows, in
/// DolphinScheduler's namespace there.
pub(in crate::compile) fn compile(p: &Platform, out: &mut Vec<Object>) {
    let Some(ds) = &p.dolphinscheduler else {
        return;
    };
    let mut by_cluster: BTreeMap<&str, Vec<&Workflow>> = BTreeMap::new();
    for w in &p.workflows {
        by_cluster.entry(&w.cluster).or_default().push(w);
    }
    for (cluster, workflows) in by_cluster {
        let folder = format!("{cluster}/{}", ds.namespace);
        let data: BTreeMap<String, String> = workflows
            .iter()
            .map(|w| (file_name(w), workflow_yaml(ds, w)))
            .collect();
        let files: Vec<String> = data.keys().cloned().collect();
        let config_map = ConfigMap {
            metadata: meta(
                p,
                WORKFLOWS,
                Some(&ds.namespace),
                Wave::Workload,
                &Labels::new(),
            ),
            data: Some(data),
            ..Default::default()
        };
        out.push(Object::generated(
            folder.clone(),
            "ConfigMap",
            WORKFLOWS,
            ds.span,
            Manifest::ConfigMap(Box::new(config_map)),
        ));
        out.push(Object::generated(
            folder,
            "Job",
            SUBMIT,
            ds.span,
            Manifest::Job(Box::new(submit_job(p, ds, &files))),
        ));
    }
}

/// The ConfigMap key of a workflow.
pub fn file_name(w: &Workflow) -> String {
    format!("{}.yaml", w.name)
}

/// A workflow in pydolphinscheduler's YAML format. Every key is one `Workflow` or `Shell`
/// takes as a parameter (the SDK ignores others without a word, a test holds us to it); the
/// ones whose SDK defaults would be wrong are always written: the time zone (the SDK's is
/// `Asia/Shanghai`), project, worker group (per task too: a task's default is the SDK's
/// configuration, not its workflow's), release state.
#[derive(Serialize)]
struct WorkflowFile<'a> {
    workflow: WorkflowKeys<'a>,
    tasks: Vec<TaskKeys<'a>>,
}

#[derive(Serialize)]
struct WorkflowKeys<'a> {
    name: &'a str,
    description: String,
    project: &'a str,
    worker_group: &'a str,
    schedule: &'a str,
    timezone: &'a str,
    execution_type: &'static str,
    release_state: &'static str,
}

#[derive(Serialize)]
struct TaskKeys<'a> {
    name: &'a str,
    task_type: &'static str,
    description: String,
    worker_group: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    deps: &'a [String],
    command: String,
}

fn workflow_yaml(ds: &DolphinScheduler, w: &Workflow) -> String {
    let file = WorkflowFile {
        workflow: WorkflowKeys {
            name: &w.name,
            description: format!("Generated by platc; cron `{}`. DO NOT EDIT.", w.schedule),
            project: &ds.project,
            worker_group: &ds.worker_group,
            schedule: &w.quartz,
            timezone: &w.time_zone,
            execution_type: w.execution_type.as_str(),
            release_state: "online",
        },
        tasks: w
            .tasks
            .iter()
            .map(|t| TaskKeys {
                name: &t.name,
                task_type: "Shell",
                description: format!("A run of CronJob {}/{}", t.namespace, t.pipeline),
                worker_group: &ds.worker_group,
                deps: &t.deps,
                command: task_script(t),
            })
            .collect(),
    };
    crate::render::yaml(&file)
}

/// The Shell task of one pipeline run: creates a Job from the suspended CronJob under a name
/// unique to the run (`NAME-<seconds since the epoch>`, the `NAME-<digits>` the CronJob
/// controller's own Jobs have, so the dashboard counts it), waits until the Job completes or
/// fails (or until `deadline` and a minute have passed, when the pipeline has one), prints its
/// pods' logs into the task log, and exits 0 only when the Job succeeded.
///
/// Written for `sh` and `bash` alike, and free of `${` and `$[` (DolphinScheduler replaces
/// those with parameters) and of `$ENV{`, `$FILE{`, `$WORKFLOW{` (pydolphinscheduler's YAML
/// loader does).
pub fn task_script(t: &Task) -> String {
    let deadline = t.deadline.map_or(0, |d| d + DEADLINE_GRACE_SECONDS);
    format!(
        r#"# Generated by platc: one run of this pipeline, a Job from its suspended CronJob.
namespace='{ns}'
cronjob='{name}'
give_up_after={deadline}
run="$cronjob-$(date +%s)"
echo "platc: creating Job $namespace/$run from cronjob/$cronjob"
kubectl -n "$namespace" create job "$run" --from="cronjob/$cronjob" || exit 1
waited=0
result=
while [ -z "$result" ]; do
  conditions=$(kubectl -n "$namespace" get job "$run" \
    -o 'jsonpath={{range .status.conditions[?(@.status=="True")]}}{{.type}} {{end}}') || conditions=
  case " $conditions " in
    *" Complete "*) result=succeeded ;;
    *" Failed "*) result=failed ;;
    *)
      if [ "$give_up_after" -gt 0 ] && [ "$waited" -ge "$give_up_after" ]; then
        result="still running after the pipeline's deadline"
      else
        sleep {poll}
        waited=$((waited + {poll}))
      fi
      ;;
  esac
done
echo "platc: Job $namespace/$run: $result; its pods' logs follow"
kubectl -n "$namespace" logs -l "job-name=$run" --all-containers=true --prefix=true \
  --tail=-1 --ignore-errors=true || true
if [ "$result" = succeeded ]; then
  exit 0
fi
exit 1
"#,
        ns = t.namespace,
        name = t.pipeline,
        poll = POLL_SECONDS,
    )
}

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        value_from: None,
    }
}

/// The Argo CD PostSync hook that submits each workflow file with `pydolphinscheduler yaml -f`,
/// the gateway's token read from its Secret; recreated at every sync (BeforeHookCreation).
fn submit_job(p: &Platform, ds: &DolphinScheduler, files: &[String]) -> Job {
    let mut metadata = meta(
        p,
        SUBMIT,
        Some(&ds.namespace),
        Wave::Workload,
        &Labels::new(),
    );
    let annotations = metadata.annotations.get_or_insert_with(BTreeMap::new);
    annotations.insert("argocd.argoproj.io/hook".into(), "PostSync".into());
    annotations.insert(
        "argocd.argoproj.io/hook-delete-policy".into(),
        "BeforeHookCreation".into(),
    );
    let mut command: Vec<String> = vec![
        "/bin/sh".into(),
        "-ec".into(),
        "for f in \"$@\"; do echo \"submitting $f\"; pydolphinscheduler yaml -f \"$f\"; done"
            .into(),
        "submit".into(),
    ];
    command.extend(files.iter().map(|f| format!("{MOUNT}/{f}")));
    let quantities = |cpu: &str, memory: &str| {
        BTreeMap::from([
            ("cpu".to_string(), Quantity(cpu.into())),
            ("memory".to_string(), Quantity(memory.into())),
        ])
    };
    let container = Container {
        name: "submit".into(),
        image: Some(ds.submit_image.clone()),
        command: Some(command),
        env: Some(vec![
            env("HOME", "/tmp"),
            env("PYDS_HOME", "/tmp/pydolphinscheduler"),
            env("PYDS_JAVA_GATEWAY_ADDRESS", &ds.gateway_address),
            env("PYDS_JAVA_GATEWAY_PORT", &ds.gateway_port.to_string()),
            EnvVar {
                name: "PYDS_JAVA_GATEWAY_AUTH_TOKEN".into(),
                value: None,
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: ds.token_secret.clone(),
                        key: ds.token_key.clone(),
                        optional: None,
                    }),
                    ..Default::default()
                }),
            },
            env("PYDS_USER_TENANT", &ds.tenant),
            env("PYDS_WORKFLOW_PROJECT", &ds.project),
            env("PYDS_WORKFLOW_WORKER_GROUP", &ds.worker_group),
        ]),
        resources: Some(ResourceRequirements {
            requests: Some(quantities("100m", "128Mi")),
            limits: Some(quantities("500m", "256Mi")),
            ..Default::default()
        }),
        security_context: Some(container_security()),
        volume_mounts: Some(vec![
            VolumeMount {
                name: "workflows".into(),
                mount_path: MOUNT.into(),
                read_only: Some(true),
                ..Default::default()
            },
            VolumeMount {
                name: "tmp".into(),
                mount_path: "/tmp".into(),
                ..Default::default()
            },
        ]),
        ..Default::default()
    };
    Job {
        metadata,
        spec: Some(JobSpec {
            backoff_limit: Some(2),
            active_deadline_seconds: Some(600),
            template: PodTemplateSpec {
                metadata: None,
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    automount_service_account_token: Some(false),
                    security_context: Some(pod_security()),
                    containers: vec![container],
                    volumes: Some(vec![
                        Volume {
                            name: "workflows".into(),
                            config_map: Some(ConfigMapVolumeSource {
                                name: WORKFLOWS.into(),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                        Volume {
                            name: "tmp".into(),
                            empty_dir: Some(EmptyDirVolumeSource {
                                size_limit: Some(Quantity("64Mi".into())),
                                medium: None,
                            }),
                            ..Default::default()
                        },
                    ]),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The script passes through two substitutions before bash sees it: pydolphinscheduler's
    /// YAML loader (`$ENV{..}`, `${CONFIG..}`, `$FILE{..}`, `$WORKFLOW{..}`, and a command
    /// ending in `.sh` is read as a file name) and DolphinScheduler's parameters (`${..}`,
    /// `$[..]`). It must hold none of them, whatever the names.
    #[test]
    fn the_task_script_survives_both_substitutions() {
        for deadline in [None, Some(60)] {
            let t = Task {
                name: "n".repeat(52),
                namespace: "s".repeat(63),
                pipeline: "p".repeat(52),
                deadline,
                deps: Vec::new(),
            };
            let script = task_script(&t);
            for bad in ["${", "$[", "$ENV{", "$FILE{", "$WORKFLOW{"] {
                assert!(!script.contains(bad), "{bad} in\n{script}");
            }
            assert!(!script.trim_end().ends_with(".sh") && !script.trim_end().ends_with(".zsh"));
            assert!(script.lines().all(|l| l.len() + 8 <= 160), "{script}");
        }
    }
}
