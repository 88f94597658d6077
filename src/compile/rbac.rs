//! Roles and RoleBindings.

use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};

use super::meta::{Wave, meta};
use super::{Manifest, Object};
use crate::model::{self, Labels, Platform};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

pub(super) fn compile(p: &Platform, ns: &model::Namespace, folder: &str, out: &mut Vec<Object>) {
    let none = Labels::new();
    for r in &ns.roles {
        let rules = r
            .rules
            .iter()
            .map(|rule| PolicyRule {
                api_groups: Some(rule.api_groups.clone()),
                resources: Some(rule.resources.clone()),
                verbs: rule.verbs.clone(),
                resource_names: rule.resource_names.clone(),
                non_resource_urls: None,
            })
            .collect();
        let role = Role {
            metadata: meta(p, &r.name, Some(&ns.name), Wave::Prerequisite, &none),
            rules: Some(rules),
        };
        out.push(Object::generated(
            folder.to_string(),
            "Role",
            r.name.clone(),
            r.span,
            Manifest::Role(Box::new(role)),
        ));
    }
    for b in &ns.role_bindings {
        let subjects = b
            .subjects
            .iter()
            .map(|s| Subject {
                api_group: (s.kind != "ServiceAccount").then(|| RBAC_GROUP.to_string()),
                kind: s.kind.to_string(),
                name: s.name.clone(),
                namespace: s.namespace.clone(),
            })
            .collect();
        let binding = RoleBinding {
            metadata: meta(p, &b.name, Some(&ns.name), Wave::Prerequisite, &none),
            role_ref: RoleRef {
                api_group: RBAC_GROUP.into(),
                kind: b.role_kind.into(),
                name: b.role_name.clone(),
            },
            subjects: Some(subjects),
        };
        out.push(Object::generated(
            folder.to_string(),
            "RoleBinding",
            b.name.clone(),
            b.span,
            Manifest::RoleBinding(Box::new(binding)),
        ));
    }
}
