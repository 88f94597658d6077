//! Diagnostics about values a namespace did not write itself, pointed at their cause and
//! reported once per cause.
//!
//! A value inherited from a template is checked once per namespace that inherits it, and a
//! string rendered from `{{ vars.NAME }}` is written at the template's line but holds the
//! variable's value. Checks report at the value, knowing neither; this pass, run on every
//! diagnostic of a run, uses the [`Origin`] behind a span's `via`:
//!
//! - a problem with a part of a rendered string that one variable produced (the whole string
//!   when it is just `{{ vars.NAME }}`, or the [`Diagnostic::part`] a check names) moves to where
//!   that variable is set (`[vars]` or the namespace's `vars`), and shows the line that uses it;
//! - a problem with a rendered string it cannot pin on one variable stays at the string and
//!   shows where each variable it used is set;
//! - the same problem found in several namespaces (the same message at the same place) is one
//!   diagnostic whose note names them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Diagnostic, Origin, SourceMap, Span, VarUse};

/// At most this many namespaces are named in a note; the rest are counted.
const NAMED: usize = 5;

/// A namespace a problem was found in: its name, the template it inherited the value from, and
/// the cluster of its copy (a namespace split per cluster).
type Member = (String, Option<String>, Option<String>);

/// One diagnostic after the pass, with the namespaces and templates it was found through.
struct Found {
    diagnostic: Diagnostic,
    /// The places that use the variable the problem was moved to.
    uses: Vec<(Span, String)>,
    /// The namespaces (with the template each inherited through, and the cluster of the copy
    /// of a namespace split per cluster) it was found in.
    namespaces: BTreeSet<Member>,
    /// For each namespace split per cluster it was found in: on how many clusters it is.
    copies: BTreeMap<String, u32>,
    /// Whether it is about a value an override (`on.CLUSTER`) wrote.
    overridden: bool,
    /// The variable the problem was moved to, if it was.
    moved_to: Option<String>,
    /// The span's `via`, while the diagnostic was found in one namespace only.
    via: Option<u32>,
}

/// Points diagnostics about inherited and rendered values at their cause and merges the
/// copies of one problem found in several namespaces. The order of `diags` is kept (first
/// occurrence); callers sort afterwards.
pub fn attribute(diags: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut found: Vec<Found> = Vec::with_capacity(diags.len());
    let mut index: HashMap<Diagnostic, usize> = HashMap::new();
    for d in diags {
        let origin = d
            .span
            .and_then(|s| s.via)
            .and_then(|v| sources.origin(v).map(|o| (v, o)));
        let Some((via, origin)) = origin else {
            // Not inherited, not rendered: only exact copies merge.
            if !index.contains_key(&d) {
                index.insert(d.clone(), found.len());
                found.push(Found {
                    diagnostic: d,
                    uses: Vec::new(),
                    namespaces: BTreeSet::new(),
                    copies: BTreeMap::new(),
                    overridden: false,
                    moved_to: None,
                    via: None,
                });
            }
            continue;
        };
        let (mut key, uses, moved_to) = repoint(d, origin);
        let stamp = origin.stamp.as_ref();
        unname(
            &mut key,
            &origin.namespace,
            stamp.map(|s| s.cluster.as_str()),
        );
        let member = (
            origin.namespace.clone(),
            origin.template.clone(),
            stamp.map(|s| s.cluster.clone()),
        );
        let i = *index.entry(key.clone()).or_insert_with(|| {
            found.push(Found {
                diagnostic: key,
                uses: Vec::new(),
                namespaces: BTreeSet::new(),
                copies: BTreeMap::new(),
                overridden: false,
                moved_to,
                via: Some(via),
            });
            found.len() - 1
        });
        let f = &mut found[i];
        for u in uses {
            if !f.uses.contains(&u) {
                f.uses.push(u);
            }
        }
        f.namespaces.insert(member);
        if let Some(stamp) = stamp {
            f.copies.insert(origin.namespace.clone(), stamp.copies);
            f.overridden |= stamp.overridden;
        }
        if f.via != Some(via) {
            f.via = None;
        }
    }
    found.into_iter().map(finish).collect()
}

/// The diagnostic with its span moved to the cause and without the namespace it was found in
/// (the key that merges copies), the places that use the variable it was moved to, and that
/// variable.
fn repoint(
    mut d: Diagnostic,
    origin: &Origin,
) -> (Diagnostic, Vec<(Span, String)>, Option<String>) {
    // Other places the diagnostic shows are the same for every copy that finds it.
    for (related, _) in &mut d.related {
        related.via = None;
    }
    let Some(span) = d.span else {
        return (d, Vec::new(), None);
    };
    let at = Span { via: None, ..span };
    if let Some(var) = culprit(&d, origin) {
        let used = match &origin.template {
            Some(t) => format!("`vars.{}` is used here, in template `{t}`", var.name),
            None => format!("`vars.{}` is used here", var.name),
        };
        // Where the variable is set is the same place for every namespace that reads it
        // there (a template's `vars` is inherited by each): the key must not name one.
        d.span = Some(Span {
            via: None,
            ..var.set_at
        });
        d.part = None;
        return (d, vec![(at, used)], Some(var.name.clone()));
    }
    d.span = Some(at);
    let mut named = BTreeSet::new();
    for var in &origin.vars {
        if named.insert(var.name.as_str()) {
            let set_at = Span {
                via: None,
                ..var.set_at
            };
            d.related
                .push((set_at, format!("`vars.{}` is set here", var.name)));
        }
    }
    (d, Vec::new(), None)
}

/// The one variable that produced the offending part of the value (the whole value without a
/// [`Diagnostic::part`]), if one did.
fn culprit<'o>(d: &Diagnostic, origin: &'o Origin) -> Option<&'o VarUse> {
    let (start, end) = d.part.unwrap_or((0, origin.rendered_len));
    let mut producers = origin.vars.iter().filter(|v| {
        v.produced
            .is_some_and(|(from, to)| from <= start && end <= to && (from < to || start == end))
    });
    let first = producers.next()?;
    // Two uses of different variables cannot both hold the same bytes; be sure.
    producers.all(|v| v.name == first.name).then_some(first)
}

/// Stands for the namespace's name in a merge key.
const NAMESPACE: &str = "\u{1}";
/// Stands for `.on.CLUSTER` (the copy of a namespace on one cluster) in a merge key.
const COPY: &str = "\u{2}";

/// Takes the namespace's name (and the cluster of its copy) out of what a diagnostic says (`in
/// namespace `risk``, `namespaces.risk.pipelines`, `namespaces.risk.on.prod.quota`), so the
/// same problem found in two namespaces, or in two copies of one, has one key.
fn unname(d: &mut Diagnostic, namespace: &str, cluster: Option<&str>) {
    let swap = |text: &mut String| {
        if let Some(c) = cluster {
            *text = text.replace(
                &format!("`namespaces.{namespace}.on.{c}."),
                &format!("`namespaces.{namespace}{COPY}."),
            );
        }
        *text = text
            .replace(
                &format!("namespace `{namespace}`"),
                &format!("namespace `{NAMESPACE}`"),
            )
            .replace(
                &format!("`namespaces.{namespace}."),
                &format!("`namespaces.{NAMESPACE}."),
            )
            .replace(
                &format!("`namespaces.{namespace}{COPY}."),
                &format!("`namespaces.{NAMESPACE}{COPY}."),
            );
    };
    swap(&mut d.message);
    d.label.iter_mut().for_each(swap);
    d.help.iter_mut().for_each(swap);
    d.related.iter_mut().for_each(|(_, l)| swap(l));
}

/// Puts the namespaces back into what [`unname`] took them out of: the one name, or all of
/// them (`in namespaces `a` and `b``, `namespaces.*.pipelines`); and the copy, where it was
/// found on one cluster only (`.on.prod`), or nothing where on every cluster.
fn rename(d: &mut Diagnostic, names: &[&str], copy: Option<&str>) {
    let swap = |text: &mut String| {
        if text.contains(COPY) {
            *text = text.replace(COPY, &copy.map(|c| format!(".on.{c}")).unwrap_or_default());
        }
        if !text.contains(NAMESPACE) {
            return;
        }
        *text = match names {
            [one] => text.replace(NAMESPACE, one),
            many => text
                .replace(
                    &format!("namespace `{NAMESPACE}`"),
                    &format!("namespaces {}", list(many)),
                )
                .replace(NAMESPACE, "*"),
        };
    };
    swap(&mut d.message);
    d.label.iter_mut().for_each(swap);
    d.help.iter_mut().for_each(swap);
    d.related.iter_mut().for_each(|(_, l)| swap(l));
}

/// The clusters on which a problem was found where it was not found on every cluster of a
/// namespace split per cluster (empty: found on all of them, or no namespace was split).
fn partial<'f>(namespaces: &'f BTreeSet<Member>, copies: &BTreeMap<String, u32>) -> Vec<&'f str> {
    let mut clusters: BTreeSet<&str> = BTreeSet::new();
    for (ns, of) in copies {
        let on: BTreeSet<&str> = namespaces
            .iter()
            .filter(|(n, _, _)| n == ns)
            .filter_map(|(_, _, c)| c.as_deref())
            .collect();
        if on.len() < *of as usize {
            clusters.extend(on);
        }
    }
    clusters.into_iter().collect()
}

fn finish(f: Found) -> Diagnostic {
    let Found {
        mut diagnostic,
        uses,
        namespaces,
        copies,
        overridden,
        moved_to,
        via,
    } = f;
    diagnostic.related.extend(uses);
    if namespaces.is_empty() {
        return diagnostic;
    }
    let templates: BTreeSet<&str> = namespaces
        .iter()
        .filter_map(|(_, t, _)| t.as_deref())
        .collect();
    let mut names: Vec<&str> = namespaces.iter().map(|(n, _, _)| n.as_str()).collect();
    names.dedup();
    let on = partial(&namespaces, &copies);
    rename(
        &mut diagnostic,
        &names,
        if on.len() == 1 {
            on.first().copied()
        } else {
            None
        },
    );
    let stamped = !copies.is_empty();
    let cluster_note = match (on.as_slice(), overridden) {
        ([], _) => None,
        ([one], true) => Some(format!("on cluster `{one}`, where `on.{one}` sets it")),
        (many, _) => Some(only_on(many)),
    };
    let listed = list(&names);
    let templates = format!(
        "template{} {}",
        plural(templates.len()),
        list(&templates.into_iter().collect::<Vec<_>>())
    );
    let inherited = namespaces.iter().any(|(_, t, _)| t.is_some());
    match moved_to {
        Some(_) if !inherited && names.len() == 1 => {}
        Some(_) => {
            let by = if inherited {
                format!(" through {templates}")
            } else {
                String::new()
            };
            let verb = if names.len() == 1 { "gets" } else { "get" };
            diagnostic.notes.insert(
                0,
                format!(
                    "namespace{} {listed} {verb} this value{by}",
                    plural(names.len())
                ),
            );
        }
        None => match (via, names.len()) {
            // One namespace: the span keeps its origin, whose note names it.
            (Some(via), 1) if !stamped => {
                if let Some(span) = diagnostic.span.as_mut() {
                    span.via = Some(via);
                }
            }
            _ if inherited => diagnostic.notes.insert(
                0,
                format!(
                    "inherited by namespace{} {listed} from {templates}",
                    plural(names.len())
                ),
            ),
            // One namespace's own value, on each of its clusters.
            (_, 1) if stamped => {}
            _ => diagnostic
                .notes
                .insert(0, format!("in namespace{} {listed}", plural(names.len()))),
        },
    }
    diagnostic.notes.extend(cluster_note);
    // A namespace's own patch whose target an override removes on some clusters: say where a
    // patch for only the other clusters goes.
    if diagnostic.code == super::codes::PATCH_TARGET
        && !on.is_empty()
        && !overridden
        && let [ns] = names.as_slice()
    {
        diagnostic.notes.push(format!(
            "a namespace's own patches apply on every cluster it is on; a patch for some \
             clusters only goes in `[[namespaces.{ns}.on.CLUSTER.patches]]` of each of them"
        ));
    }
    diagnostic
}

/// The note of a problem found on some clusters of a namespace split per cluster:
/// "only on cluster `a`", "only on clusters `a` and `b`".
pub fn only_on(clusters: &[&str]) -> String {
    format!(
        "only on cluster{} {}",
        plural(clusters.len()),
        list(clusters)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "`a`", "`a` and `b`", "`a`, `b` and `c`", "`a`, `b`, `c`, `d`, `e` and 7 more".
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().take(NAMED).map(|n| format!("`{n}`")).collect();
    let rest = names.len().saturating_sub(NAMED);
    match (quoted.as_slice(), rest) {
        ([], _) => String::new(),
        ([one], 0) => one.clone(),
        (many, 0) => format!(
            "{} and {}",
            many[..many.len() - 1].join(", "),
            many[many.len() - 1]
        ),
        (many, more) => format!("{} and {more} more", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::list;
    use crate::diag::{SourceMap, codes};
    use crate::stages::compile_text;

    /// A `[vars]` value that twelve tenants render through a template is one error, at the
    /// variable, showing the template's line and counting the tenants.
    #[test]
    fn a_variable_is_one_cause_however_many_namespaces_render_it() {
        let mut toml = String::from(
            "[platform]\nname = \"p\"\n[vars]\nmemory = \"16GB\"\n\
             [templates.tenant.quota]\nrequests = { memory = \"{{ vars.memory }}\" }\n",
        );
        for i in 0..12 {
            toml.push_str(&format!("[namespaces.t{i:02}]\ntemplate = \"tenant\"\n"));
        }
        let failed = compile_text("p.toml", "p.toml", toml, SourceMap::default())
            .err()
            .expect("an invalid quantity must not compile");
        let errors: Vec<_> = failed.diagnostics.iter().collect();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let d = errors[0];
        assert_eq!(d.code, codes::INVALID_QUANTITY);
        let at = |s: crate::diag::Span| failed.sources.location(s);
        assert_eq!(d.span.map(at).as_deref(), Some("p.toml:4:10"));
        let related: Vec<(String, &str)> = d
            .related
            .iter()
            .map(|(s, l)| (at(*s), l.as_str()))
            .collect();
        assert_eq!(
            related,
            [(
                "p.toml:6:23".to_string(),
                "`vars.memory` is used here, in template `tenant`"
            )]
        );
        assert_eq!(
            d.notes,
            [
                "namespaces `t00`, `t01`, `t02`, `t03`, `t04` and 7 more get this value through template `tenant`"
            ]
        );
    }

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b"]), "`a` and `b`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
        let many: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(list(&many), "`t00`, `t01`, `t02`, `t03`, `t04` and 7 more");
    }
}
