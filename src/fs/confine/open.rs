//! Opening a resolved file so that what was checked is what is read. On Linux the file is
//! opened with `openat2` beneath the root's own handle, refusing any symlink on the way
//! (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`): a folder swapped for a symlink after the check
//! fails the open instead of leading outside. Where `openat2` is missing (Linux before 5.6, a
//! sandbox that forbids it, other systems) the absolute resolved path is opened with
//! `O_NOFOLLOW`, which protects its last component. Every open is non-blocking, so a FIFO put
//! in the file's place is refused rather than waited on.

use std::fs::File;
use std::io;
use std::path::Path;

use super::PathError;

/// The root, opened once for opening files beneath it.
pub(super) struct Handle {
    #[cfg(target_os = "linux")]
    dir: Option<rustix::fd::OwnedFd>,
    #[cfg(target_os = "linux")]
    beneath: std::sync::atomic::AtomicBool,
}

impl Handle {
    pub(super) fn new(top: &Path) -> Self {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let dir = rustix::fs::open(
                top,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ok();
            Self {
                beneath: std::sync::atomic::AtomicBool::new(dir.is_some()),
                dir,
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = top;
            Self {}
        }
    }
}

/// Reads the file at `parts` below `top` (a path [`super::Root`] resolved: no symlink on it).
pub(super) fn read(
    handle: &Handle,
    top: &Path,
    parts: &[String],
    shown: &Path,
    expected: &str,
) -> Result<String, PathError> {
    let file = open(handle, top, parts).map_err(|e| {
        let shown = shown.display();
        match e.raw_os_error() {
            Some(code) if is_link_refusal(code) => PathError::Outside(format!(
                "{shown}: a symlink is in its way now (it changed while platc read it)"
            )),
            _ if e.kind() == io::ErrorKind::PermissionDenied => {
                PathError::Failed(format!("{shown}: permission denied"))
            }
            _ => PathError::Failed(format!("{shown}: cannot read: {e}")),
        }
    })?;
    crate::fs::input::text_of(file, shown, expected).map_err(PathError::Failed)
}

/// Whether an open failed because of a symlink (`ELOOP`) or a path leaving the root (`EXDEV`).
fn is_link_refusal(code: i32) -> bool {
    #[cfg(unix)]
    {
        code == rustix::io::Errno::LOOP.raw_os_error()
            || code == rustix::io::Errno::XDEV.raw_os_error()
    }
    #[cfg(not(unix))]
    {
        let _ = code;
        false
    }
}

fn open(handle: &Handle, top: &Path, parts: &[String]) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{Mode, OFlags, ResolveFlags};
        use std::sync::atomic::Ordering;
        if let Some(dir) = &handle.dir
            && handle.beneath.load(Ordering::Relaxed)
        {
            let flags = OFlags::RDONLY
                | OFlags::NOFOLLOW
                | OFlags::NONBLOCK
                | OFlags::CLOEXEC
                | OFlags::NOCTTY;
            let resolve =
                ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
            match rustix::fs::openat2(dir, parts.join("/"), flags, Mode::empty(), resolve) {
                Ok(fd) => return Ok(File::from(fd)),
                // No openat2 here (old kernel, a seccomp profile that forbids it): the
                // fallback below, for the rest of the run.
                Err(e) if e == rustix::io::Errno::NOSYS || e == rustix::io::Errno::PERM => {
                    handle.beneath.store(false, Ordering::Relaxed);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let mut path = top.to_path_buf();
    path.extend(parts);
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let _ = handle;
        Ok(File::from(rustix::fs::open(&path, flags, Mode::empty())?))
    }
    #[cfg(not(unix))]
    {
        let _ = handle;
        File::open(path)
    }
}
