//! All file-system access: reading the config and what it names (confined to the root of
//! [`confine`]), where `out/` is ([`resolve_out`]), reading it, the lock, all-or-nothing writes
//! and pruning, and the new files of `platc import`. Nothing here decides what to write; it only
//! refuses what would be unsafe. Each file below does one of these; they share only the
//! temporary-name rules of [`leftovers`].

mod commit;
pub mod confine;
mod input;
mod leftovers;
mod lock;
mod new_files;
mod out_path;
mod read_out;
mod write;

#[cfg(test)]
mod tests;

pub use confine::{Match, PathError, Root};
pub use input::{
    DiskLoader, MAX_CONFIG_BYTES, create_new, create_new_in_folders, read_text, read_yaml_inputs,
};
pub use lock::{OutLock, lock, lock_wait};
pub use new_files::{NotWritten, write_new_files};
pub use out_path::resolve_out;
pub use read_out::{read_out, read_out_against, read_out_for_write};
pub use write::{WriteFailed, WriteStats, write};

use crate::diag::{Diagnostic, codes};

/// An error about something in the output folder platc must not touch.
fn unsafe_output(message: String) -> Diagnostic {
    Diagnostic::error(codes::UNSAFE_OUTPUT, None, message)
}
