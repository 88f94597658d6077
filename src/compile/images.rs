//! `[clusters.NAME] images`: on that cluster, every container image of a repository gets the
//! tag or digest the cluster sets, in pipelines and manifests alike, after patches (the
//! Kustomize `images` transformer, run last).

use k8s_openapi::api::core::v1::Container;

use super::{Manifest, Object};
use crate::model::environment::{ImageOverride, retag_containers, retagged};

/// Retags the images of `objects` (what one namespace compiled to on one cluster).
pub(super) fn apply(overrides: &[ImageOverride], objects: &mut [Object]) {
    if overrides.is_empty() {
        return;
    }
    for object in objects {
        match &mut object.manifest {
            Manifest::CronJob(cron) => {
                let pod = cron
                    .spec
                    .as_mut()
                    .and_then(|s| s.job_template.spec.as_mut())
                    .and_then(|j| j.template.spec.as_mut());
                if let Some(pod) = pod {
                    let init = pod.init_containers.iter_mut().flatten();
                    pod.containers
                        .iter_mut()
                        .chain(init)
                        .for_each(|c| retag(c, overrides));
                }
            }
            Manifest::User(_) | Manifest::Json(_) => {
                let mut json = serde_json::to_value(&object.manifest).unwrap_or_default();
                if retag_containers(&mut json, overrides) {
                    object.manifest = Manifest::Json(Box::new(json));
                }
            }
            _ => {}
        }
    }
}

fn retag(container: &mut Container, overrides: &[ImageOverride]) {
    if let Some(image) = container.image.as_mut()
        && let Some(new) = retagged(image, overrides)
    {
        *image = new;
    }
}
