//! The command line, as clap derive structs only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compile platform.toml into a deterministic tree of Kubernetes manifests for GitOps.
#[derive(Debug, Parser)]
#[command(name = "platc", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Options every command takes.
    #[command(flatten)]
    pub common: Common,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// The platform config.
    #[arg(
        short,
        long,
        global = true,
        default_value = "platform.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
    /// The output folder.
    #[arg(short, long, global = true, default_value = "out", value_name = "DIR")]
    pub out: PathBuf,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Raise (or lower) a bound on the work an input may ask for, e.g. `--limit
    /// yaml-bytes=134217728`; repeatable. Bounds: yaml-values, yaml-bytes, patch-bytes,
    /// template-fuel, template-bytes, diagnostics (docs/security.md). Only the command line sets
    /// them, never the config.
    #[arg(long = "limit", global = true, value_name = "NAME=N", value_parser = limit)]
    pub limits: Vec<String>,
}

/// A `--limit` setting, checked.
fn limit(setting: &str) -> Result<String, String> {
    crate::limits::Limits::default().with(setting)?;
    Ok(setting.to_string())
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A unified diff of every drifted file.
    Unified,
    /// One line per drifted file with added/removed line counts.
    Stat,
    /// A pull-request comment: a table of changed objects, then each diff, collapsed.
    Markdown,
    /// For bots: one entry per object with its status and changed fields.
    Json,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// rustc-style diagnostics on standard error.
    Human,
    /// For CI bots: every diagnostic with file, line, column, code, severity and message, as
    /// one JSON document on standard output.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, compile and write the output folder (atomic; prunes stale generated files).
    Build {
        /// Fail on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Exit 1 when any file was written or removed, as formatters do in pre-commit hooks.
        #[arg(long)]
        fail_on_change: bool,
        /// Also list the findings `[lints] allow` and `# platc:allow` silenced.
        #[arg(long)]
        verbose: bool,
    },
    /// Validate and lint only; write nothing.
    Check {
        /// Fail on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// Also list the findings `[lints] allow` and `# platc:allow` silenced.
        #[arg(long)]
        verbose: bool,
    },
    /// Compile in memory and show how the output folder drifts from it (exit 1 on drift).
    Diff {
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Unified)]
        format: DiffFormat,
        /// Compare with the config as it is at this git revision instead of the output folder.
        #[arg(long, value_name = "GIT_REV")]
        base: Option<String>,
    },
    /// Compare the objects two clusters get, with the cluster left out of every path (exit 1
    /// when they differ): what does prod not have yet?
    Compare {
        /// The cluster on the old side.
        cluster_a: String,
        /// The cluster on the new side.
        cluster_b: String,
        /// Only this namespace.
        #[arg(long, value_name = "NS")]
        namespace: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Unified)]
        format: DiffFormat,
    },
    /// Print the JSON Schema of platform.toml.
    Schema,
    /// Write a starter platform.toml (never overwrites).
    Init,
    /// Print one namespace's effective configuration (after includes, templates, variables
    /// and per-cluster overrides) as TOML, each value annotated with the file:line it came
    /// from.
    Show {
        /// The namespace.
        namespace: String,
        /// Its copy on this cluster (default: on each cluster it is stamped on).
        #[arg(long, value_name = "CLUSTER")]
        cluster: Option<String>,
    },
    /// Turn existing YAML (files, folders, `-` for standard input) into a platform.toml that
    /// builds them back, keeping what platc does not model as manifests; never overwrites.
    Import {
        /// YAML files or folders (recursive); `-` reads standard input.
        #[arg(
            required_unless_present = "clusters",
            conflicts_with = "clusters",
            value_name = "PATH"
        )]
        paths: Vec<PathBuf>,
        /// One environment, one cluster: `staging=overlays/staging.yaml` (a file or folder of
        /// its YAML, e.g. `kubectl kustomize overlays/staging` output). Given several times,
        /// the environments are folded into one platform with per-cluster overrides.
        #[arg(long = "cluster", value_name = "NAME=PATH")]
        clusters: Vec<String>,
        /// Where the objects kept as manifests go, relative to the config's folder.
        #[arg(long, value_name = "DIR", default_value = "manifests")]
        manifests: PathBuf,
        /// Map a CronJob into a pipeline even when the pipeline runs it hardened (restricted
        /// security context, read-only root file system, scratch volumes, no API token), which
        /// changes it; without, such a CronJob is kept as a manifest as it is.
        #[arg(long)]
        harden: bool,
    },
    /// Explain a diagnostic code (e.g. `platc explain E0101`); without one, list them all.
    Explain {
        /// The code.
        code: Option<String>,
    },
}
