//! The state semantic checks share: the document (for spans), the diagnostics found so far,
//! and the items a schema error removed (so references to them are not reported twice).

use std::collections::BTreeSet;

use crate::diag::{Diagnostic, Span, codes, did_you_mean};
use crate::model::names::{
    dns_label_problem, label_key_problem, label_value_problem, suggest_dns_label,
};
use crate::model::{Quantity, ResourceList};
use crate::syntax::config::Resources;
use crate::syntax::{Document, Path, Seg};

pub(crate) struct Ctx<'a> {
    doc: &'a Document,
    pub diags: Vec<Diagnostic>,
    pruned: &'a BTreeSet<Path>,
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a Document, pruned: &'a BTreeSet<Path>) -> Self {
        Self {
            doc,
            diags: Vec::new(),
            pruned,
        }
    }

    /// A context on the same document with no diagnostics yet, for checks run on another
    /// thread; its diagnostics are appended to this one's afterwards, in order.
    pub fn fork(&self) -> Ctx<'a> {
        Ctx::new(self.doc, self.pruned)
    }

    /// Runs `check` on every item on all cores, each with a [`fork`](Self::fork), and appends
    /// the diagnostics in the order of `items`: the same as one `for` loop.
    pub fn each<T: Sync, R: Send>(
        &mut self,
        items: &[T],
        check: impl Fn(&mut Ctx<'a>, &T) -> R + Sync,
    ) -> Vec<R> {
        let this = &*self;
        let done = crate::par::map(items, 256, |item| {
            let mut ctx = this.fork();
            let out = check(&mut ctx, item);
            (out, ctx.diags)
        });
        let mut results = Vec::with_capacity(done.len());
        for (out, diags) in done {
            self.diags.extend(diags);
            results.push(out);
        }
        results
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The node at `path`, when it exists.
    pub fn node(&self, path: &Path) -> Option<&'a crate::syntax::Node> {
        self.doc.root.get(path.segs())
    }

    /// Span of the key at `path`.
    pub fn key(&self, path: &Path) -> Span {
        self.doc.key_span(path.segs())
    }

    /// Span of the value at `path`.
    pub fn val(&self, path: &Path) -> Span {
        self.doc.value_span(path.segs())
    }

    /// Whether a schema error removed the item at `path`.
    pub fn is_pruned(&self, path: &Path) -> bool {
        self.pruned.contains(path)
    }

    /// Names of pruned items directly under `prefix` (e.g. `["services"]`).
    pub fn pruned_names(&self, prefix: &[&str]) -> BTreeSet<String> {
        self.pruned
            .iter()
            .filter(|p| {
                p.segs().len() == prefix.len() + 1
                    && p.segs()
                        .iter()
                        .zip(prefix)
                        .all(|(s, k)| matches!(s, Seg::Key(x) if &**x == *k))
            })
            .filter_map(|p| match p.segs().last() {
                Some(Seg::Key(k)) => Some(k.to_string()),
                _ => None,
            })
            .collect()
    }

    /// Checks a DNS-1123 label. `is_key`: the name is the table key at `path` (else its value).
    pub fn dns_label(&mut self, path: &Path, name: &str, what: &str, is_key: bool) -> bool {
        let span = if is_key {
            self.key(path)
        } else {
            self.val(path)
        };
        self.dns_label_at(span, None, name, what)
    }

    /// Checks a DNS-1123 label written in the value at `path` from byte `offset` on
    /// (`monitoring` in `namespace:monitoring`).
    pub fn dns_label_in(&mut self, path: &Path, offset: usize, name: &str, what: &str) -> bool {
        let part = offset..offset + name.len();
        self.dns_label_at(self.val(path), Some(part), name, what)
    }

    fn dns_label_at(
        &mut self,
        span: Span,
        part: Option<std::ops::Range<usize>>,
        name: &str,
        what: &str,
    ) -> bool {
        let Some(problem) = dns_label_problem(name) else {
            return true;
        };
        let suggestion = suggest_dns_label(name);
        let help = if !suggestion.is_empty()
            && dns_label_problem(&suggestion).is_none()
            && suggestion != name
        {
            format!("use a DNS-1123 label such as `{suggestion}`")
        } else {
            "use a DNS-1123 label: at most 63 of `a-z`, `0-9` and `-`, starting and ending with a letter or digit".into()
        };
        let d = Diagnostic::error(
            codes::INVALID_NAME,
            span,
            format!("invalid {what} `{name}`: {problem}"),
        )
        .with_label("not a DNS-1123 label")
        .with_help(help);
        self.push(match part {
            Some(part) => d.with_part(part),
            None => d,
        });
        false
    }

    /// Checks every key and value of a label map.
    pub fn labels(&mut self, path: &Path, labels: &crate::model::Labels) {
        for (k, v) in labels {
            let p = path.key(k.as_str());
            if let Some(problem) = label_key_problem(k) {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_LABEL,
                        self.key(&p),
                        format!("invalid label key `{k}`: {problem}"),
                    )
                    .with_label("invalid key")
                    .with_help("label keys look like `team` or `app.kubernetes.io/name`"),
                );
            }
            if let Some(problem) = label_value_problem(v) {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_LABEL,
                        self.val(&p),
                        format!("invalid value for label `{k}`: {problem}"),
                    )
                    .with_label("invalid value")
                    .with_help(format!("e.g. `{}`", suggest_label_value(v))),
                );
            }
        }
    }

    /// Parses a quantity at `path`, reporting a located error.
    pub fn quantity(&mut self, path: &Path, text: &str) -> Option<Quantity> {
        match Quantity::parse(text) {
            Ok(q) => Some(q),
            Err(problem) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_QUANTITY,
                        self.val(path),
                        format!("invalid quantity `{text}`: {problem}"),
                    )
                    .with_label("not a Kubernetes quantity")
                    .with_help(crate::model::quantity::help(text)),
                );
                None
            }
        }
    }

    /// Parses every amount of a `{ cpu, memory, ephemeral-storage }` table.
    pub fn resources(&mut self, path: &Path, r: &Resources) -> ResourceList {
        let mut out = ResourceList::new();
        for (key, value) in [
            ("cpu", &r.cpu),
            ("memory", &r.memory),
            ("ephemeral-storage", &r.ephemeral_storage),
        ] {
            if let Some(text) = value
                && let Some(q) = self.quantity(&path.key(key), text)
            {
                out.insert(key.to_string(), q);
            }
        }
        out
    }

    /// Reports each limit below its request (`requests`/`limits` are sibling tables of `path`).
    pub fn limit_at_least_request(
        &mut self,
        path: &Path,
        requests_key: &str,
        limits_key: &str,
        requests: &ResourceList,
        limits: &ResourceList,
    ) {
        for (name, limit) in limits {
            if let Some(request) = requests.get(name)
                && limit < request
            {
                let lp = path.key(limits_key).key(name.as_str());
                let rp = path.key(requests_key).key(name.as_str());
                let d = Diagnostic::error(
                    codes::LIMIT_BELOW_REQUEST,
                    self.val(&lp),
                    format!("{name} limit {limit} is below its request {request}"),
                )
                .with_label("limit below request")
                .with_related(Some(self.val(&rp)), "request set here")
                .with_help(format!(
                    "raise the limit to at least {request} or lower the request"
                ));
                self.push(d);
            }
        }
    }

    /// Parses a duration at `path` (`30s`, `10m`, `26h`, `7d`) into seconds, reporting a located
    /// error.
    pub fn duration(&mut self, path: &Path, text: &str) -> Option<u64> {
        match crate::model::duration::parse_seconds(text) {
            Ok(s) => Some(s),
            Err(problem) => {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_DURATION,
                        self.val(path),
                        format!("invalid duration `{text}`: {problem}"),
                    )
                    .with_label("not a duration")
                    .with_help("e.g. `30s`, `10m`, `26h`, `7d`"),
                );
                None
            }
        }
    }

    /// Checks a port list (1-65535, no duplicates).
    pub fn ports(&mut self, path: &Path, ports: &[u16]) {
        let mut seen = BTreeSet::new();
        for (i, port) in ports.iter().enumerate() {
            let p = path.index(i);
            if *port == 0 {
                self.push(
                    Diagnostic::error(codes::OUT_OF_RANGE, self.val(&p), "port 0 is not a port")
                        .with_label("must be 1-65535"),
                );
            } else if !seen.insert(*port) {
                self.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        self.val(&p),
                        format!("port {port} is listed twice"),
                    )
                    .with_label("duplicate"),
                );
            }
        }
    }

    /// Reports an unresolved reference at the value of `path`, listing what exists.
    pub fn unresolved<'n>(
        &mut self,
        path: &Path,
        what: &str,
        name: &str,
        scope: &str,
        known: impl IntoIterator<Item = &'n str> + Clone,
    ) {
        self.unresolved_in(path, None, what, name, scope, known);
    }

    /// [`unresolved`](Self::unresolved) for a name written in the value at `path` from byte
    /// `offset` on (`kafka` in `service:kafka`), when not the whole value.
    pub fn unresolved_in<'n>(
        &mut self,
        path: &Path,
        offset: Option<usize>,
        what: &str,
        name: &str,
        scope: &str,
        known: impl IntoIterator<Item = &'n str> + Clone,
    ) {
        let list: Vec<&str> = known.clone().into_iter().collect();
        let help = did_you_mean(name, known).unwrap_or_else(|| {
            if list.is_empty() {
                format!("{scope} defines no {what}s")
            } else {
                format!("defined {what}s: {}", list.join(", "))
            }
        });
        let d = Diagnostic::error(
            codes::UNRESOLVED_REFERENCE,
            self.val(path),
            format!(
                "unknown {what} `{name}`{}",
                if scope.is_empty() {
                    String::new()
                } else {
                    format!(" in {scope}")
                }
            ),
        )
        .with_label(format!("no such {what}"))
        .with_help(help);
        self.push(match offset {
            Some(o) => d.with_part(o..o + name.len()),
            None => d,
        });
    }
}

fn suggest_label_value(v: &str) -> String {
    let s: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    s.chars().take(63).collect()
}
