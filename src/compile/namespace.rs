//! One namespace on one cluster: the Namespace, its quota and limits, then delegates policies,
//! RBAC and pipelines.

use k8s_openapi::api::core::v1::{
    LimitRange, LimitRangeItem, LimitRangeSpec, Namespace, ResourceQuota, ResourceQuotaSpec,
    ServiceAccount,
};

use super::meta::{Wave, meta, no_prune};
use super::resources::quantities;
use super::{Manifest, Object, manifests, network, pipeline, rbac, secrets};
use crate::model::{self, Labels, Platform};

pub(super) fn compile(p: &Platform, ns: &model::Namespace, cluster: &str, out: &mut Vec<Object>) {
    let folder = format!("{cluster}/{}", ns.name);
    let none = Labels::new();
    let mut push = |kind, name: &str, origin, manifest| {
        out.push(Object::generated(
            folder.clone(),
            kind,
            name.to_string(),
            origin,
            manifest,
        ));
    };

    if ns.managed {
        let mut ns_meta = meta(p, &ns.name, None, Wave::Namespace, &ns.labels);
        no_prune(&mut ns_meta);
        push(
            "Namespace",
            &ns.name,
            ns.span,
            Manifest::Namespace(Box::new(Namespace {
                metadata: ns_meta,
                ..Default::default()
            })),
        );
    }

    if let Some(hard) = &ns.quota {
        let name = format!("{}-quota", ns.name);
        let q = ResourceQuota {
            metadata: meta(p, &name, Some(&ns.name), Wave::Prerequisite, &none),
            spec: Some(ResourceQuotaSpec {
                hard: quantities(hard),
                ..Default::default()
            }),
            ..Default::default()
        };
        push(
            "ResourceQuota",
            &name,
            ns.span,
            Manifest::ResourceQuota(Box::new(q)),
        );
    }
    if let Some(l) = &ns.limits {
        let name = format!("{}-limits", ns.name);
        let item = LimitRangeItem {
            type_: "Container".into(),
            default: quantities(&l.default),
            default_request: quantities(&l.default_request),
            min: quantities(&l.min),
            max: quantities(&l.max),
            ..Default::default()
        };
        let lr = LimitRange {
            metadata: meta(p, &name, Some(&ns.name), Wave::Prerequisite, &none),
            spec: Some(LimitRangeSpec { limits: vec![item] }),
        };
        push(
            "LimitRange",
            &name,
            ns.span,
            Manifest::LimitRange(Box::new(lr)),
        );
    }
    for sa in &ns.service_accounts {
        let mut m = meta(p, &sa.name, Some(&ns.name), Wave::Prerequisite, &none);
        if let Some(a) = m.annotations.as_mut() {
            a.extend(sa.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let obj = ServiceAccount {
            metadata: m,
            automount_service_account_token: sa.automount_token,
            ..Default::default()
        };
        push(
            "ServiceAccount",
            &sa.name,
            sa.span,
            Manifest::ServiceAccount(Box::new(obj)),
        );
    }
    secrets::compile(p, ns, &folder, out);
    network::compile(p, ns, &folder, out);
    rbac::compile(p, ns, &folder, out);
    pipeline::compile(p, ns, cluster, &folder, out);
    manifests::compile(p, &ns.manifests, &folder, out);
}
