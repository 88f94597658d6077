//! Reading what the user wrote: the config file, the files it names (`include`, `manifests`,
//! `crd_schemas`), and `platc init`'s new file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::expand::Loaded;

/// The largest config platc reads. A platform of 5,000 namespaces is a few MiB; anything far
/// bigger is a mistake (`-c` pointed at a dump), and reading it whole would only exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a config file, with one clear error for every way that can fail.
pub fn read_config(path: &Path) -> Result<String, String> {
    let text = read_text(path, "a .toml file")?;
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

/// Reads a UTF-8 text file (a config, an included file, a manifest, a schema): a regular file
/// of at most [`MAX_CONFIG_BYTES`]. `expected` says what the path should have named.
pub fn read_text(path: &Path, expected: &str) -> Result<String, String> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            format!("{shown}: no such file (run `platc init` to create one)")
        }
        io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
        _ => format!("{shown}: cannot read: {e}"),
    })?;
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
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => format!("{shown}: permission denied"),
        _ => format!("{shown}: cannot read: {e}"),
    })?;
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
/// relative to the main config's folder.
pub struct DiskLoader {
    /// The main config's folder on disk.
    pub base: PathBuf,
    /// The same folder as diagnostics show it (relative to where platc runs, as the user typed).
    pub shown_base: PathBuf,
}

impl DiskLoader {
    /// A loader for the files the config at `config` names.
    pub fn for_config(config: &Path) -> Self {
        let base = config.parent().map(Path::to_path_buf).unwrap_or_default();
        Self {
            shown_base: base.clone(),
            base,
        }
    }
}

impl crate::expand::Loader for DiskLoader {
    fn load(&self, pattern: &str) -> Result<Vec<Loaded>, String> {
        if pattern.trim().is_empty() {
            return Err("empty pattern".into());
        }
        if Path::new(pattern).is_absolute() {
            return Err("patterns are relative to the file that names them".into());
        }
        let full = self.base.join(pattern);
        // A plain path needs no listing of its folder (which glob would read whole, once per
        // pattern: 10,000 tenants naming their own file in one folder made that quadratic).
        let literal = !pattern.contains(['*', '?', '[', ']']);
        let mut paths: Vec<PathBuf> = if literal {
            vec![full.clone()]
                .into_iter()
                .filter(|p| p.is_file())
                .collect()
        } else {
            let options = glob::MatchOptions {
                require_literal_leading_dot: true,
                ..Default::default()
            };
            glob::glob_with(&full.to_string_lossy(), options)
                .map_err(|e| format!("invalid pattern: {e}"))?
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect()
        };
        paths.sort();
        if paths.is_empty() {
            return Err("matches no files".into());
        }
        paths
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(&self.base).unwrap_or(&p);
                let shown = self.shown_base.join(rel);
                let shown = shown.to_string_lossy().replace('\\', "/");
                let rel = rel.to_string_lossy().replace('\\', "/");
                read_text(&p, "a text file").map(|text| Loaded { shown, rel, text })
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
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| format!("standard input: {e}"))?;
            out.push(("<stdin>".to_string(), text));
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
