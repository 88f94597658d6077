//! Bounds on the work an input can ask of platc. A pull request controls `platform.toml` and
//! every file it names, so what those files can make platc do is bounded: the values and bytes
//! a YAML file expands to (aliases), what one patch writes into an object (`copy`), the fuel
//! and output of the `{{ }}` templates of a run, and the diagnostics a run shows. Each bound
//! that is hit is one located error (E0315) that names it and how to raise it.
//!
//! A bound is raised only from the command line (`--limit NAME=N`), which the CI operator
//! controls, never from the config, which the pull request controls. The defaults are far
//! above what an honest platform needs (docs/security.md gives the numbers).

use std::sync::RwLock;

/// Every bound, each by the name `--limit NAME=N` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `yaml-values`: the values one YAML file holds, each alias counted at what it repeats.
    pub yaml_values: u64,
    /// `yaml-bytes`: the bytes of the keys and strings one YAML file expands to, each alias
    /// (and `<<` merge) counted at what it repeats.
    pub yaml_bytes: u64,
    /// `patch-bytes`: the bytes one patch writes into an object: its values and what its
    /// `copy` operations copy.
    pub patch_bytes: u64,
    /// `template-fuel`: minijinja's fuel for every `{{ }}` string of a run together (about one
    /// an instruction, and one per 64 bytes of data a template makes).
    pub template_fuel: u64,
    /// `template-bytes`: the bytes every `{{ }}` string of a run renders to, together.
    pub template_bytes: u64,
    /// `diagnostics`: the diagnostics a run shows; the rest are counted in one line.
    pub diagnostics: u64,
}

const MIB: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Self {
            yaml_values: 1_000_000,
            yaml_bytes: 64 * MIB,
            patch_bytes: 8 * MIB,
            template_fuel: 20_000_000,
            template_bytes: 64 * MIB,
            diagnostics: 1_000,
        }
    }
}

/// One bound: its name on the command line and what it counts, in words.
pub struct Bound {
    /// `yaml-values`.
    pub name: &'static str,
    /// What it bounds (for the help of an error and `--help`).
    pub what: &'static str,
    field: fn(&mut Limits) -> &mut u64,
}

/// Every bound, in the order the docs list them.
pub const BOUNDS: [Bound; 6] = [
    Bound {
        name: "yaml-values",
        what: "values one YAML file holds, aliases counted at what they repeat",
        field: |l| &mut l.yaml_values,
    },
    Bound {
        name: "yaml-bytes",
        what: "bytes of keys and strings one YAML file expands to, aliases counted at what they repeat",
        field: |l| &mut l.yaml_bytes,
    },
    Bound {
        name: "patch-bytes",
        what: "bytes one patch writes into an object (its values and what its `copy` operations copy)",
        field: |l| &mut l.patch_bytes,
    },
    Bound {
        name: "template-fuel",
        what: "template fuel of all `{{ }}` strings of a run",
        field: |l| &mut l.template_fuel,
    },
    Bound {
        name: "template-bytes",
        what: "bytes all `{{ }}` strings of a run render to",
        field: |l| &mut l.template_bytes,
    },
    Bound {
        name: "diagnostics",
        what: "diagnostics a run shows (the rest are counted)",
        field: |l| &mut l.diagnostics,
    },
];

impl Limits {
    /// These limits with `NAME=N` applied, or why it is not a limit.
    pub fn with(mut self, setting: &str) -> Result<Self, String> {
        let names = || BOUNDS.iter().map(|b| b.name).collect::<Vec<_>>().join(", ");
        let (name, value) = setting
            .split_once('=')
            .ok_or_else(|| format!("`{setting}` is not NAME=N; the limits are {}", names()))?;
        let bound = BOUNDS
            .iter()
            .find(|b| b.name == name.trim())
            .ok_or_else(|| format!("no limit `{}`; the limits are {}", name.trim(), names()))?;
        let n: u64 = value
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|_| format!("`{}` is not a whole number", value.trim()))?;
        *(bound.field)(&mut self) = n;
        Ok(self)
    }

    /// The value of the bound named `name`.
    pub fn value(mut self, name: &str) -> Option<u64> {
        BOUNDS
            .iter()
            .find(|b| b.name == name)
            .map(|b| *(b.field)(&mut self))
    }
}

/// A bound's value as an error says it: `64 MiB` for bytes, `1,000,000` for a count.
pub fn show(name: &str, value: u64) -> String {
    if name.ends_with("-bytes") && value >= MIB && value.is_multiple_of(MIB) {
        return format!("{} MiB", value / MIB);
    }
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if name.ends_with("-bytes") {
        out.push_str(" bytes");
    }
    out
}

/// The help of an error about the bound `name`: how to raise it.
pub fn raise(name: &str) -> String {
    let now = get().value(name).unwrap_or_default();
    format!(
        "if a real platform needs more, whoever runs platc raises it on the command line: `--limit {name}={}` (the config cannot raise it; docs/security.md)",
        now.saturating_mul(2).max(1)
    )
}

static CURRENT: RwLock<Option<Limits>> = RwLock::new(None);

/// The limits of this process: what [`set`] set, else the defaults.
pub fn get() -> Limits {
    CURRENT
        .read()
        .map(|l| l.unwrap_or_default())
        .unwrap_or_default()
}

/// Sets the limits of this process (from `--limit`). The library reads them where the work is.
pub fn set(limits: Limits) {
    if let Ok(mut current) = CURRENT.write() {
        *current = Some(limits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_name_the_limits() {
        let l = Limits::default().with("yaml-bytes=1_000").unwrap();
        assert_eq!(l.yaml_bytes, 1000);
        assert_eq!(l.value("yaml-bytes"), Some(1000));
        assert!(
            Limits::default()
                .with("nope=1")
                .unwrap_err()
                .contains("yaml-values")
        );
        assert!(Limits::default().with("diagnostics").is_err());
        assert!(Limits::default().with("diagnostics=-1").is_err());
        assert_eq!(show("yaml-bytes", 64 * MIB), "64 MiB");
        assert_eq!(show("yaml-bytes", 1000), "1,000 bytes");
        assert_eq!(show("yaml-values", 1_000_000), "1,000,000");
        for b in BOUNDS {
            assert!(Limits::default().value(b.name).unwrap() > 0, "{}", b.name);
        }
    }
}
