//! The schema of `[namespaces.NAME.on.CLUSTER]`: a namespace's keys but those that place it.
//! The typed config reads an override as a [`Namespace`] (once expanded it holds the whole
//! effective namespace on that cluster); its schema is the namespace's without the keys an
//! override may not set.

use std::cell::Cell;

use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::Namespace;

/// The named tables of a namespace: in an override, an entry set to `false` removes it.
pub const NAMED_TABLES: [&str; 6] = [
    "network_policies",
    "pipelines",
    "role_bindings",
    "roles",
    "secrets",
    "service_accounts",
];

/// The keys of a namespace that an override may not set: where it is placed, what it starts
/// from, and overrides themselves.
pub const PLACEMENT: [&str; 4] = ["cluster", "clusters", "on", "template"];

thread_local! {
    /// Whether the namespace schema is being generated for an override (which has no `on`).
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// `on`: per cluster, a namespace's schema without [`PLACEMENT`].
pub(super) fn schema(generator: &mut SchemaGenerator) -> Schema {
    if INSIDE.get() {
        // The `on` of an override, removed below.
        return Schema::default();
    }
    INSIDE.set(true);
    let mut namespace = Namespace::json_schema(generator);
    INSIDE.set(false);
    if let Some(properties) = namespace
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        for key in PLACEMENT {
            properties.remove(key);
        }
    }
    namespace.insert(
        "description".into(),
        "Any keys of a namespace but `cluster`, `clusters`, `template` and `on`, for the \
         namespace where it is stamped on this cluster; in a named table (pipelines, roles, \
         ...), `false` removes an entry there."
            .into(),
    );
    let mut on = Schema::default();
    on.insert("type".into(), "object".into());
    on.insert("additionalProperties".into(), namespace.to_value());
    on
}
