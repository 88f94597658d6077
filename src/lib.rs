//! platc compiles one `platform.toml` into a deterministic tree of Kubernetes manifests.
//!
//! The pipeline runs one way: [`syntax`] parses the TOML keeping a span for every key and
//! value; [`validate`] checks it against the JSON Schema and the semantic rules and is the only
//! way to obtain a [`model::Platform`]; [`compile`] turns the model into typed k8s-openapi
//! objects; [`render`] serialises them into a [`render::Tree`] of files; [`fs`] writes that
//! tree atomically into `out/` (or [`diff`] compares it with what is there). [`stages`] runs
//! them in sequence; [`app`] runs each command on top of it (and [`import`], the inverse of a
//! build, uses it to prove what it writes) and returns what to print; the library itself never
//! prints.

pub mod app;
pub mod cli;
pub mod compile;
pub mod diag;
pub mod diff;
pub mod expand;
pub mod fs;
pub mod git;
pub mod import;
pub mod limits;
pub mod memory;
pub mod model;
pub mod par;
pub mod render;
pub mod stages;
pub mod syntax;
#[cfg(test)]
mod testing;
pub mod timings;
pub mod validate;
pub mod vecmap;
pub mod yaml;
