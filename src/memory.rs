//! Transparent huge pages, fitted to the size of the run.
//!
//! A 2 MiB page is cleared whole on its first touch. A small platform's whole run takes a few
//! milliseconds and touches a few MiB, so those clears were a fifth of it; a large platform gains
//! from them (fewer faults, fewer TLB misses).
//!
//! - mimalloc is built with `no_thp` (Cargo.toml), so it does not ask for them
//!   (`MADV_HUGEPAGE`). Where the kernel gives them only to who asks (`madvise`, this machine's
//!   and most distributions' default), no run gets them. Measured here: a cold `build` of 10
//!   tenants 5.6 → 5.2 ms, of 100 tenants 26.5 → 24.0 ms; a clean `diff` of 10,000 tenants
//!   1.26 → 1.31 s.
//! - Where the kernel gives them to every large mapping (`always`), the binary turns them off
//!   first thing ([`start_small`]) and back on as soon as the config shows a large platform: by
//!   its size before parsing ([`fit_to_text`]; parsing 10,000 tenants without them cost ~40 ms
//!   more), or by its namespaces once includes and templates are expanded
//!   ([`fit_to_namespaces`]), for a small file that includes the rest. Measured here with
//!   `always`: 10 tenants as fast as with `madvise`, 10,000 tenants' clean `diff` 1.27 s.
//!
//! Both only set a flag the kernel reads at each page fault (`prctl(PR_SET_THP_DISABLE)`); where
//! it cannot be set, nothing changes.

/// From this many namespaces on, huge pages are used.
const LARGE_PLATFORM: usize = 2_000;

/// From this many bytes of config on (~2,000 tenants written out), huge pages are used.
const LARGE_TEXT: usize = 4 << 20;

/// Turns huge pages off for this process (and the threads it starts). The binary calls this
/// first; the library alone never does, so tests and embedders keep the system's setting.
pub fn start_small() {
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// Turns huge pages back on for a config of [`LARGE_TEXT`] bytes or more.
pub fn fit_to_text(bytes: usize) {
    if bytes >= LARGE_TEXT {
        large();
    }
}

/// Turns huge pages back on for a platform of [`LARGE_PLATFORM`] namespaces or more.
pub fn fit_to_namespaces(namespaces: usize) {
    if namespaces >= LARGE_PLATFORM {
        large();
    }
}

fn large() {
    let _ = rustix::thread::disable_transparent_huge_pages(false);
}
