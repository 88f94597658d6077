//! A namespace's `secrets`: one ExternalSecret each, in the prerequisite wave, so the Secret
//! exists before the workloads that read it.

use super::crd::external_secrets::{
    Data, DataFrom, ExternalSecret, ExternalSecretSpec, Extract, RemoteRef, StoreRef, Target,
};
use super::meta::{Wave, meta};
use super::{Manifest, Object};
use crate::model::{Labels, Namespace, Platform};

pub(super) fn compile(p: &Platform, ns: &Namespace, folder: &str, out: &mut Vec<Object>) {
    for s in &ns.secrets {
        let spec = ExternalSecretSpec {
            secret_store_ref: StoreRef {
                kind: s.store_kind,
                name: s.store_name.clone(),
            },
            refresh_interval: s.refresh.clone(),
            target: Target {
                name: s.name.clone(),
                creation_policy: "Owner",
            },
            data: s
                .data
                .iter()
                .map(|(secret_key, key, property)| Data {
                    secret_key: secret_key.clone(),
                    remote_ref: RemoteRef {
                        key: key.clone(),
                        property: property.clone(),
                    },
                })
                .collect(),
            data_from: s
                .data_from
                .iter()
                .map(|key| DataFrom {
                    extract: Extract { key: key.clone() },
                })
                .collect(),
        };
        let object = ExternalSecret::new(
            meta(
                p,
                &s.name,
                Some(&ns.name),
                Wave::Prerequisite,
                &Labels::new(),
            ),
            spec,
        );
        out.push(Object::generated(
            folder,
            "ExternalSecret",
            s.name.clone(),
            s.span,
            Manifest::ExternalSecret(Box::new(object)),
        ));
    }
}
