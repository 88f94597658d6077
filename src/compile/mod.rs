//! Pure compilation: a validated [`Platform`] to typed Kubernetes objects, each with the file
//! it lands in and the config span it came from. No I/O, no formatting.

mod argocd;
pub mod crd;
pub mod file_name;
mod images;
pub mod manifests;
mod meta;
mod namespace;
mod network;
mod patch;
mod pipeline;
mod rbac;
mod resources;
mod secrets;

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::Resource;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, LimitRange, Namespace, ResourceQuota, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};

use crate::diag::{Diagnostic, Span, codes};
use crate::model::Platform;

pub use argocd::FOLDER as ARGOCD_FOLDER;

/// A generated object's body, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Manifest {
    /// v1 Namespace.
    Namespace(Box<Namespace>),
    /// v1 ResourceQuota.
    ResourceQuota(Box<ResourceQuota>),
    /// v1 LimitRange.
    LimitRange(Box<LimitRange>),
    /// networking.k8s.io/v1 NetworkPolicy.
    NetworkPolicy(Box<NetworkPolicy>),
    /// v1 ServiceAccount.
    ServiceAccount(Box<ServiceAccount>),
    /// rbac.authorization.k8s.io/v1 Role.
    Role(Box<Role>),
    /// rbac.authorization.k8s.io/v1 RoleBinding.
    RoleBinding(Box<RoleBinding>),
    /// batch/v1 CronJob.
    CronJob(Box<CronJob>),
    /// batch/v1 Job.
    Job(Box<Job>),
    /// v1 ConfigMap.
    ConfigMap(Box<ConfigMap>),
    /// kafka.strimzi.io/v1 KafkaTopic.
    KafkaTopic(Box<crd::strimzi::KafkaTopic>),
    /// monitoring.coreos.com/v1 PrometheusRule.
    PrometheusRule(Box<crd::prometheus::PrometheusRule>),
    /// external-secrets.io/v1 ExternalSecret.
    ExternalSecret(Box<crd::external_secrets::ExternalSecret>),
    /// argoproj.io/v1alpha1 Application.
    Application(Box<crd::argocd::Application>),
    /// argoproj.io/v1alpha1 AppProject.
    AppProject(Box<crd::argocd::AppProject>),
    /// An object of the user's `manifests`, with the metadata platc gives it.
    User(Box<manifests::UserObject>),
    /// Any object after a patch: checked data, in the form it is written out.
    Json(Box<serde_json::Value>),
}

impl serde::Serialize for Manifest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Manifest::Namespace(x) => x.serialize(s),
            Manifest::ResourceQuota(x) => x.serialize(s),
            Manifest::LimitRange(x) => x.serialize(s),
            Manifest::NetworkPolicy(x) => x.serialize(s),
            Manifest::ServiceAccount(x) => x.serialize(s),
            Manifest::Role(x) => x.serialize(s),
            Manifest::RoleBinding(x) => x.serialize(s),
            Manifest::CronJob(x) => x.serialize(s),
            Manifest::Job(x) => x.serialize(s),
            Manifest::ConfigMap(x) => x.serialize(s),
            Manifest::KafkaTopic(x) => x.serialize(s),
            Manifest::PrometheusRule(x) => x.serialize(s),
            Manifest::ExternalSecret(x) => x.serialize(s),
            Manifest::Application(x) => x.serialize(s),
            Manifest::AppProject(x) => x.serialize(s),
            Manifest::User(x) => x.serialize(s),
            Manifest::Json(x) => x.serialize(s),
        }
    }
}

/// One generated object and where it goes. `M` is its body: the typed [`Manifest`] as
/// compiled, its file bytes once rendered, or `()` when only where it went matters.
#[derive(Debug, Clone)]
pub struct Object<M = Manifest> {
    /// Folder under `out/`: `<cluster>/<namespace>` or `argocd`.
    pub folder: String,
    /// Kubernetes kind (`CronJob`).
    pub kind: Cow<'static, str>,
    /// Its API group (`batch`; `""` for the core group).
    pub group: Cow<'static, str>,
    /// metadata.name.
    pub name: String,
    /// The config key it was generated from (for duplicate reports).
    pub origin: Span,
    /// Whether its file name carries its API group, because another object of its folder
    /// would get the same file name otherwise ([`file_name`]).
    pub qualified: bool,
    /// The body.
    pub manifest: M,
}

impl<M> Object<M> {
    /// A generated object of one of the kinds platc writes itself.
    pub fn generated(
        folder: impl Into<String>,
        kind: &'static str,
        name: impl Into<String>,
        origin: Span,
        manifest: M,
    ) -> Self {
        Object {
            folder: folder.into(),
            kind: Cow::Borrowed(kind),
            group: Cow::Borrowed(generated_group(kind)),
            name: name.into(),
            origin,
            qualified: false,
            manifest,
        }
    }

    /// The same object with its body turned into `f(body)`.
    pub fn with<N>(self, f: impl FnOnce(M) -> N) -> Object<N> {
        Object {
            folder: self.folder,
            kind: self.kind,
            group: self.group,
            name: self.name,
            origin: self.origin,
            qualified: self.qualified,
            manifest: f(self.manifest),
        }
    }

    /// Path under `out/`: `<folder>/<kind>-<name>.yaml` ([`file_name`] says how the kind and
    /// name are written, and when the group is added).
    pub fn path(&self) -> String {
        let mut path =
            String::with_capacity(self.folder.len() + self.kind.len() + self.name.len() + 8);
        path.push_str(&self.folder);
        path.push('/');
        file_name::push_object_file(
            &mut path,
            &self.kind,
            &self.group,
            &self.name,
            self.qualified,
        );
        path
    }

    /// Whether `other` is the same Kubernetes object: group, kind, namespace (its folder) and
    /// name.
    pub fn same_object<N>(&self, other: &Object<N>) -> bool {
        self.folder == other.folder
            && self.group == other.group
            && self.kind == other.kind
            && self.name == other.name
    }
}

/// The API group of a kind platc generates.
fn generated_group(kind: &str) -> &'static str {
    match kind {
        "NetworkPolicy" => NetworkPolicy::GROUP,
        "Role" | "RoleBinding" => Role::GROUP,
        "CronJob" | "Job" => CronJob::GROUP,
        "KafkaTopic" => "kafka.strimzi.io",
        "PrometheusRule" => "monitoring.coreos.com",
        "ExternalSecret" => "external-secrets.io",
        "Application" | "AppProject" => "argoproj.io",
        _ => "",
    }
}

/// Compiles every object of the platform, sorted by path. Two objects with one path (same
/// cluster, namespace, kind and name) are an error naming both origins.
pub fn compile(platform: &Platform) -> Result<Vec<Object>, Vec<Diagnostic>> {
    compile_map(platform, |m| m)
}

/// [`compile`], with every body passed through `finish` right after its namespace compiled,
/// on the same thread. Rendering there (`finish` = the YAML file) keeps only the typed objects
/// of the namespaces in flight alive, not all of them: at 10,000 tenants those are ~400 MiB.
pub fn compile_map<M: Send>(
    platform: &Platform,
    finish: impl Fn(Manifest) -> M + Sync,
) -> Result<Vec<Object<M>>, Vec<Diagnostic>> {
    // Namespaces compile independently: contiguous chunks on all cores, joined in order, so
    // the result is the same as one thread's.
    let mut errors = Vec::new();
    let mut objects: Vec<Object<M>> = Vec::new();
    let compiled = crate::par::map(&platform.namespaces, 64, |ns| {
        let mut out = Vec::new();
        let mut failed = Vec::new();
        for cluster in &ns.clusters {
            let start = out.len();
            namespace::compile(platform, ns, cluster, &mut out);
            patch::apply(ns, &mut out[start..], &mut failed);
            if let Some(c) = platform.clusters.get(cluster) {
                images::apply(&c.images, &mut out[start..]);
            }
        }
        let out: Vec<Object<M>> = out.into_iter().map(|o| o.with(&finish)).collect();
        (out, failed)
    });
    for (out, failed) in compiled {
        objects.extend(out);
        errors.extend(failed);
    }
    for (name, cluster) in &platform.clusters {
        let mut out = Vec::new();
        let folder = format!("{name}/{}", argocd::CLUSTER_FOLDER);
        manifests::compile(platform, &cluster.manifests, &folder, &mut out);
        images::apply(&cluster.images, &mut out);
        objects.extend(out.into_iter().map(|o| o.with(&finish)));
    }
    let mut out = Vec::new();
    pipeline::dolphinscheduler::compile(platform, &mut out);
    objects.extend(out.into_iter().map(|o| o.with(&finish)));
    if let Some(a) = &platform.argocd {
        let mut folders: Vec<String> = objects.iter().map(|o| o.folder.clone()).collect();
        folders.sort();
        folders.dedup();
        let argo = argocd::compile(platform, a, &folders, &objects);
        objects.extend(argo.into_iter().map(|o| o.with(&finish)));
    }
    let by_path = place(objects, &mut errors);
    if errors.is_empty() {
        Ok(by_path.into_values().collect())
    } else {
        let mut errors: Vec<Diagnostic> = errors;
        crate::diag::sort(&mut errors);
        Err(errors)
    }
}

/// Every object by its path under `out/`. Identity is group, kind, namespace and name: the
/// same object twice is an error naming both origins. Two objects that would share a file (their
/// kinds differ only in API group) both get their group in the file name; if even that is one
/// file name, an error. A file name longer than a file system takes is an error at the object.
fn place<M>(objects: Vec<Object<M>>, errors: &mut Vec<Diagnostic>) -> BTreeMap<String, Object<M>> {
    let mut by_path: BTreeMap<String, Object<M>> = BTreeMap::new();
    // The plain paths two different objects claimed, and the objects to place qualified.
    let mut shared: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut qualify = Vec::new();
    for obj in objects {
        let path = obj.path();
        if shared.contains(&path) {
            qualify.push(obj);
            continue;
        }
        let Some(first) = by_path.get(&path) else {
            by_path.insert(path, obj);
            continue;
        };
        if first.same_object(&obj) {
            errors.push(defined_twice(&obj, first));
            continue;
        }
        if let Some(first) = by_path.remove(&path) {
            qualify.push(first);
        }
        qualify.push(obj);
        shared.insert(path);
    }
    for mut obj in qualify {
        obj.qualified = true;
        let path = obj.path();
        match by_path.get(&path) {
            None => {
                by_path.insert(path, obj);
            }
            Some(first) if first.same_object(&obj) => errors.push(defined_twice(&obj, first)),
            Some(first) => errors.push(same_file(&obj, first, &path)),
        }
    }
    for (path, obj) in &by_path {
        let file = path.len() - obj.folder.len() - 1;
        if file > file_name::MAX_FILE_NAME {
            errors.push(
                Diagnostic::error(
                    codes::FILE_NAME_TOO_LONG,
                    obj.origin,
                    format!(
                        "the file of {} `{}` would be named with {file} bytes, more than the {} a file system takes",
                        obj.kind,
                        ellipsis(&obj.name),
                        file_name::MAX_FILE_NAME
                    ),
                )
                .with_label("name too long for its file")
                .with_help(format!(
                    "the file is `<kind>-<name>.yaml`; give it a name of at most {} bytes",
                    obj.name.len() - (file - file_name::MAX_FILE_NAME)
                )),
            );
        }
    }
    by_path
}

/// The first 40 characters of a long name, and `...`.
fn ellipsis(name: &str) -> String {
    match name.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &name[..i]),
        None => name.to_string(),
    }
}

/// The same object (group, kind, namespace, name) generated twice.
fn defined_twice<M>(again: &Object<M>, first: &Object<M>) -> Diagnostic {
    // One diagnostic per clash, even when a namespace is stamped onto several clusters.
    if again.kind == "KafkaTopic" {
        return topic_claimed_twice(again, first);
    }
    Diagnostic::error(
        codes::DUPLICATE_OBJECT,
        again.origin,
        format!(
            "{} `{}` is defined twice in `{}`",
            again.kind, again.name, again.folder
        ),
    )
    .with_label("defined again here")
    .with_related(Some(first.origin), "first defined here")
    .with_help("rename one of them; Kubernetes keeps one object per kind, namespace and name")
}

/// Two different objects whose files would have one name even with their groups in it.
fn same_file<M>(again: &Object<M>, first: &Object<M>, path: &str) -> Diagnostic {
    let what = |o: &Object<M>| {
        let group = if o.group.is_empty() { "core" } else { &o.group };
        format!("{} `{}` ({group})", o.kind, o.name)
    };
    Diagnostic::error(
        codes::FILE_NAMES_COLLIDE,
        again.origin,
        format!(
            "{} and {} would both be written to `{path}`",
            what(again),
            what(first)
        ),
    )
    .with_label("same file as another object")
    .with_related(Some(first.origin), "the other object")
    .with_help(
        "rename one of them; kinds that differ only in upper and lower case cannot share a folder",
    )
}

fn topic_claimed_twice<M>(again: &Object<M>, first: &Object<M>) -> Diagnostic {
    let cluster = again.folder.split('/').next().unwrap_or_default();
    Diagnostic::error(
        codes::DUPLICATE_OBJECT,
        again.origin,
        format!(
            "Kafka topic `{}` on cluster `{cluster}` is claimed by two pipelines",
            again.name
        ),
    )
    .with_label("claimed again here")
    .with_related(Some(first.origin), "first claimed here")
    .with_help("one pipeline owns a topic; give the other a different `name` in its `topic`")
}

/// The objects a valid config at `path` (with text `text`) compiles to, with the files it
/// names read from disk, for tests.
#[cfg(test)]
pub(crate) fn objects_of(path: &std::path::Path, text: &str) -> Vec<Object> {
    let what = path.display();
    let mut sources = crate::diag::SourceMap::default();
    let main = sources.add(what.to_string(), text);
    let root = crate::fs::Root::find(path).unwrap_or_else(|e| panic!("{e}"));
    let loader = crate::fs::DiskLoader::new(&root);
    let (doc, attached) = crate::expand::expand(main, &mut sources, &loader)
        .unwrap_or_else(|_| panic!("{what} does not expand"));
    let Some(platform) = crate::validate::validate(&doc, &attached, "platform.toml").platform
    else {
        panic!("{what} does not validate");
    };
    compile(&platform).unwrap_or_else(|_| panic!("{what} does not compile"))
}
