//! The commands: each sequences the stages (`crate::stages`) and then writes, diffs or reports.
//! Returns what to print and the exit code; never prints.

mod build;
mod commands;
mod compare;
mod diff;
mod outcome;
mod promotion;

use crate::cli::{Cli, Command};
use crate::{timings, validate};

pub use crate::stages::{
    Compiled, Failed, compile_data, compile_file, compile_text, compile_with, has_errors,
};
use build::{build, check};
pub use commands::{STARTER, STARTER_SCHEMA};
use commands::{explain, import, init, show};
use diff::diff_cmd;
pub use outcome::{Colors, EXIT_DRIFT, EXIT_ERROR, Outcome};

/// Runs one command. Meant to be the last thing a process does: `build` and `diff` leave their
/// large values to the process's exit rather than free them.
pub fn run(cli: &Cli, colors: Colors) -> Outcome {
    let mut limits = crate::limits::Limits::default();
    for setting in &cli.common.limits {
        match limits.with(setting) {
            Ok(l) => limits = l,
            Err(why) => {
                return Outcome {
                    stderr: format!("platc: --limit {setting}: {why}\n"),
                    code: EXIT_ERROR,
                    ..Outcome::default()
                };
            }
        }
    }
    crate::limits::set(limits);
    let mut outcome = run_command(cli, colors);
    outcome.stderr.push_str(&timings::take_report());
    outcome
}

fn run_command(cli: &Cli, colors: Colors) -> Outcome {
    let common = &cli.common;
    match &cli.command {
        Command::Build {
            deny_warnings,
            fail_on_change,
            verbose,
        } => build(
            &common.config,
            &common.out,
            build::Options {
                deny_warnings: *deny_warnings,
                fail_on_change: *fail_on_change,
                verbose: *verbose,
            },
            colors,
        ),
        Command::Check {
            deny_warnings,
            format,
            verbose,
        } => check(&common.config, *deny_warnings, *format, *verbose, colors),
        Command::Diff { format, base } => diff_cmd(
            &common.config,
            &common.out,
            *format,
            base.as_deref(),
            colors,
        ),
        Command::Compare {
            cluster_a,
            cluster_b,
            namespace,
            format,
        } => compare::compare(
            &common.config,
            (cluster_a, cluster_b),
            namespace.as_deref(),
            *format,
            colors,
        ),
        Command::Schema => Outcome {
            stdout: validate::schema::schema_text(),
            ..Outcome::default()
        },
        Command::Init => init(&common.config),
        Command::Explain { code } => explain(code.as_deref()),
        Command::Import {
            paths,
            manifests,
            clusters,
            harden,
        } => import(&common.config, paths, clusters, manifests, *harden, colors),
        Command::Show { namespace, cluster } => {
            show(&common.config, namespace, cluster.as_deref(), colors)
        }
    }
}
