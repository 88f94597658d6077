//! `platc import`: the inverse of `build`. YAML objects in; a `platform.toml` that models what
//! it can, and manifests for the rest, out; and a report of what became of each object.
//!
//! The promise: every object of the input is an object of what `build` writes from the
//! import, the same as data but for what docs/import.md lists (platc's labels and sync waves,
//! the namespace, what the API server sets anyway), and `build` writes no object the input did
//! not have; or import says why it cannot and writes nothing.
//!
//! The stages: [`read`] the objects (and place them: their scope, the same object twice);
//! [`map`] them into a draft of the config (what fits the typed model, the rest kept); [`write`]
//! the draft as files; build those in-process and [`verify`] every object against what the
//! build writes for it ([`rounds`]). A field the build loses is restored by a patch, an object
//! that still does not come back the same is kept as a manifest, and the loop runs again until
//! the build gives every object back. What the build of the import says is said at the input's
//! lines ([`locate`]).

mod draft;
mod locate;
mod map;
mod read;
mod report;
mod rounds;
mod toml;
mod verify;
mod write;

use crate::diag::{Diagnostic, FileId, SourceMap, Span, codes};
use crate::stages::Failed;
use crate::timings::measure;

/// How to import.
pub struct Options {
    /// The config's file name (the header of generated files names it).
    pub config_name: String,
    /// Where kept manifests go, relative to the config's folder.
    pub manifests_dir: String,
    /// The platform's name when no object says (`app.kubernetes.io/part-of`).
    pub fallback_name: String,
    /// Map CronJobs into pipelines even when the pipeline runs them hardened (restricted
    /// security context, scratch volumes, no API token), which changes them.
    pub harden: bool,
}

/// What an import writes and says.
pub struct Imported {
    /// The config's text.
    pub config: String,
    /// Manifest files: (path relative to the config's folder, text).
    pub files: Vec<(String, String)>,
    /// One line per object.
    pub report: String,
    /// How many objects were mapped, kept and not copied.
    pub counts: (usize, usize, usize),
    /// The large values the import worked with (the objects read, the inputs' text, what the
    /// build wrote), handed over so that a process about to exit can leave them to the exit
    /// instead of freeing them one allocation at a time (~0.7 s at 10,000 tenants).
    pub scratch: Box<dyn std::any::Any + Send>,
}

/// An input object equal to an earlier one, folded into it.
pub struct Folded {
    /// Where the copy's name is written.
    pub at: Span,
    /// `Kind namespace/name`.
    pub what: String,
    /// Where the object it is a copy of has its name.
    pub first: Span,
}

/// Imports the YAML files `inputs` (registered in `sources`).
pub fn import(sources: SourceMap, inputs: &[FileId], opts: &Options) -> Result<Imported, Failed> {
    let fail = |diagnostics: Vec<Diagnostic>, sources: SourceMap| {
        let mut diagnostics = diagnostics;
        crate::diag::sort(&mut diagnostics);
        Err(Failed {
            diagnostics,
            sources,
        })
    };
    let read = match measure("import-read", || read::objects(&sources, inputs)) {
        Ok(o) => o,
        Err(diagnostics) => return fail(diagnostics, sources),
    };
    let mut objects = read.objects;
    let mut errors = read::scopes(&mut objects);
    let (objects, folded, twice) = read::fold_duplicates(objects);
    errors.extend(twice);
    if !errors.is_empty() {
        return fail(errors, sources);
    }
    if objects.is_empty() {
        let d = match read.empty_lists.first() {
            Some(&at) => Diagnostic::error(
                codes::EMPTY_LIST,
                at,
                "nothing to import: the List is empty",
            )
            .with_label("no items"),
            None => Diagnostic::error(
                codes::UNREADABLE,
                None,
                "no objects to import (the inputs hold no YAML documents)",
            ),
        };
        return fail(vec![d], sources);
    }
    let settled = match rounds::settle(&objects, opts) {
        Ok(s) => s,
        Err(e) => {
            let diagnostics = locate::in_input(e, &sources, &objects);
            return fail(diagnostics, sources);
        }
    };
    let report = measure("import-report", || {
        report::lines(&sources, &objects, &settled, &folded, &read.empty_lists)
    });
    let counts = settled.counts();
    Ok(Imported {
        config: settled.config,
        files: settled.files,
        report,
        counts,
        scratch: Box::new((objects, settled.built, sources, settled.draft)),
    })
}
