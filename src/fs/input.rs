//! Reading what the user wrote: the config file, the files it names (`include`, `manifests`,
//! `crd_schemas`), and `platc init`'s new file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::expand::Loaded;

/// The largest config platc reads. A platform of 5,000 namespaces is a few MiB; anything far
/// bigger is a mistake (`-c` pointed at a dump), and reading it whole would only exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

/// Checks a config's text: not binary, not empty.
pub(crate) fn config_text(path: &Path, text: String) -> Result<String, String> {
    if looks_binary(&text) {
        return Err(format!(
            "{}: contains NUL bytes; it looks like a binary file, not TOML",
            path.display()
        ));
    }
    if text.trim().is_empty() {
        return Err(format!(
            "{}: is empty; it needs at least `[platform] name = \"...\"` (see `platc init`)",
            path.display()
        ));
    }
    Ok(text)
}

/// Whether text is binary rather than text with a stray control character: it holds a NUL
/// and several control characters, or NULs are more than one byte in a hundred. A text file
/// with one stray NUL is read, and the parser points at the NUL's line and column like at any
/// other character it cannot take.
fn looks_binary(text: &str) -> bool {
    let nuls = text.bytes().filter(|b| *b == 0).count();
    let controls = text
        .bytes()
        .filter(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r'))
        .count();
    nuls > 0 && (controls >= 3 || (nuls > 1 && nuls * 100 > text.len()))
}

/// Reads a UTF-8 text file that the user named directly (a schema `platc init` left as it was):
/// a regular file of at most [`MAX_CONFIG_BYTES`]. `expected` says what the path should have
/// named. What a config names is read through [`Root`](super::Root) instead.
pub fn read_text(path: &Path, expected: &str) -> Result<String, String> {
    let shown = path.display();
    let problem = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => {
            format!("{shown}: no such file (run `platc init` to create one)")
        }
        io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
        _ => format!("{shown}: cannot read: {e}"),
    };
    // Opening a FIFO would block: what it is is checked before it is opened.
    let meta = fs::metadata(path).map_err(problem)?;
    if meta.is_dir() {
        return Err(format!("{shown}: is a directory, not a config file"));
    }
    if !meta.is_file() {
        return Err(format!(
            "{shown}: is not a regular file (a device, pipe or socket); give the path of {expected}"
        ));
    }
    text_of(fs::File::open(path).map_err(problem)?, path, expected)
}

/// The text of an open file: a regular file of at most [`MAX_CONFIG_BYTES`], UTF-8.
pub(crate) fn text_of(file: fs::File, path: &Path, expected: &str) -> Result<String, String> {
    let shown = path.display();
    let meta = file
        .metadata()
        .map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if meta.is_dir() {
        return Err(format!("{shown}: is a directory, not a config file"));
    }
    // A FIFO would block forever and `/dev/zero` never ends: read regular files only.
    if !meta.is_file() {
        return Err(format!(
            "{shown}: is not a regular file (a device, pipe or socket); give the path of {expected}"
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "{shown}: is {} bytes, more than the {} MiB platc reads; is it really {expected}?",
            meta.len(),
            MAX_CONFIG_BYTES / 1024 / 1024
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // A file that grew since its size was read is cut at the limit, not read whole.
    io::Read::read_to_end(&mut io::Read::take(file, MAX_CONFIG_BYTES + 1), &mut bytes).map_err(
        |e| match e.kind() {
            io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
            _ => format!("{shown}: cannot read: {e}"),
        },
    )?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!(
            "{shown}: is more than the {} MiB platc reads; is it really {expected}?",
            MAX_CONFIG_BYTES / 1024 / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = &e.as_bytes()[..offset];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = offset - valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        format!(
            "{shown}: not UTF-8 text (invalid byte at line {line}, column {column}, byte offset {offset}); save it as UTF-8"
        )
    })
}

/// Writes a new file, refusing to overwrite an existing one (for `platc init`).
pub fn create_new(path: &Path, content: &str) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(content.as_bytes())
}

/// [`create_new`], creating the folders the file goes in first (`schemas/` for `platc init`).
pub fn create_new_in_folders(path: &Path, content: &str) -> io::Result<()> {
    if let Some(folder) = path.parent()
        && !folder.as_os_str().is_empty()
    {
        fs::create_dir_all(folder)?;
    }
    create_new(path, content)
}

/// Reads the files a config names (`include`, `manifests`, `crd_schemas` patterns) from disk,
/// relative to the config's folder, confined to its [`Root`](super::Root).
pub struct DiskLoader<'r> {
    root: &'r super::Root,
}

impl<'r> DiskLoader<'r> {
    /// A loader for the files the config of `root` names.
    pub fn new(root: &'r super::Root) -> Self {
        Self { root }
    }
}

impl crate::expand::Loader for DiskLoader<'_> {
    fn load(&self, pattern: &str) -> Result<Vec<Loaded>, super::PathError> {
        let matches = self.root.matches(pattern)?;
        // Every match is resolved and checked before the first file is opened.
        matches
            .into_iter()
            .map(|m| {
                let shown = self.root.shown_folder().join(&m.named);
                let text = self.root.read(&m.physical, &shown, "a text file")?;
                Ok(Loaded {
                    shown: shown.to_string_lossy().replace('\\', "/"),
                    rel: m.named,
                    key: m.physical,
                    text,
                })
            })
            .collect()
    }
}

/// The YAML inputs of `platc import`: files, folders (every `*.yaml`/`*.yml` below them, in
/// sorted order, hidden folders skipped) and `-` (standard input), as (shown name, text).
pub fn read_yaml_inputs(paths: &[PathBuf]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(("<stdin>".to_string(), read_stdin(std::io::stdin())?));
            continue;
        }
        let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            yaml_files(path, &mut files);
            files.sort();
            if files.is_empty() {
                return Err(format!("{}: holds no .yaml or .yml files", path.display()));
            }
            // Read on every core: a rendered tree is tens of thousands of small files.
            let texts = crate::par::map(&files, super::read_out::FILES_PER_THREAD, |f| {
                read_text(f, "a YAML file")
            });
            for (f, text) in files.iter().zip(texts) {
                out.push((f.to_string_lossy().replace('\\', "/"), text?));
            }
        } else {
            let text = read_text(path, "a YAML file")?;
            out.push((path.to_string_lossy().replace('\\', "/"), text));
        }
    }
    Ok(out)
}

/// Standard input as text, read as a file is: at most [`MAX_CONFIG_BYTES`] (only that much and
/// one byte more is read), UTF-8.
fn read_stdin(input: impl io::Read) -> Result<String, String> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::Read::take(input, MAX_CONFIG_BYTES + 1), &mut bytes)
        .map_err(|e| format!("standard input: {e}"))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!(
            "standard input: more than the {} MiB platc reads of one input; give the YAML as files or folders",
            MAX_CONFIG_BYTES / 1024 / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "standard input: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() && !name.starts_with('.') {
            yaml_files(&path, out);
        } else if ft.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
            out.push(path);
        }
    }
}
