//! The `platc` binary: parse the command line, run the library, print, exit.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use platc::app::{self, Colors};
use platc::cli::{Cli, ColorChoice};

// See Cargo.toml: glibc malloc was a quarter of a 10,000-tenant build.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Huge pages only once the platform shows it is large (see `platc::memory`).
    platc::memory::start_small();
    let cli = Cli::parse();
    let wants = |terminal: bool| match cli.common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let colors = Colors {
        stdout: wants(std::io::stdout().is_terminal()),
        stderr: wants(std::io::stderr().is_terminal()),
    };
    let outcome = app::run(&cli, colors);
    // A closed pipe (`platc diff | head`) is not an error worth a panic.
    let _ = std::io::stdout()
        .lock()
        .write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr()
        .lock()
        .write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.code)
}
