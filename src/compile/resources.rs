//! Resource amounts in the API's type: canonical quantities, as the API server stores them.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::model::ResourceList;

/// Converts canonical quantities to the API type (`None` when empty).
pub(super) fn quantities(list: &ResourceList) -> Option<BTreeMap<String, Quantity>> {
    (!list.is_empty()).then(|| {
        list.iter()
            .map(|(k, v)| (k.clone(), Quantity(v.canonical())))
            .collect()
    })
}
