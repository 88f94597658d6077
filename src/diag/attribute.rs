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

use std::collections::{BTreeSet, HashMap};

use super::{Diagnostic, Origin, SourceMap, Span, VarUse};

/// At most this many namespaces are named in a note; the rest are counted.
const NAMED: usize = 5;

/// One diagnostic after the pass, with the namespaces and templates it was found through.
struct Found {
    diagnostic: Diagnostic,
    /// The places that use the variable the problem was moved to.
    uses: Vec<(Span, String)>,
    /// The namespaces (with the template each inherited through) it was found in.
    namespaces: BTreeSet<(String, Option<String>)>,
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
                    moved_to: None,
                    via: None,
                });
            }
            continue;
        };
        let (mut key, uses, moved_to) = repoint(d, origin);
        unname(&mut key, &origin.namespace);
        let member = (origin.namespace.clone(), origin.template.clone());
        match index.get(&key) {
            Some(&i) => {
                let f = &mut found[i];
                for u in uses {
                    if !f.uses.contains(&u) {
                        f.uses.push(u);
                    }
                }
                f.namespaces.insert(member);
                if f.via != Some(via) {
                    f.via = None;
                }
            }
            None => {
                index.insert(key.clone(), found.len());
                found.push(Found {
                    diagnostic: key,
                    uses,
                    namespaces: BTreeSet::from([member]),
                    moved_to,
                    via: Some(via),
                });
            }
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

/// Takes the namespace's name out of what a diagnostic says (`in namespace `risk``,
/// `namespaces.risk.pipelines`), so the same problem found in two namespaces has one key.
fn unname(d: &mut Diagnostic, namespace: &str) {
    let swap = |text: &mut String| {
        *text = text
            .replace(
                &format!("namespace `{namespace}`"),
                &format!("namespace `{NAMESPACE}`"),
            )
            .replace(
                &format!("`namespaces.{namespace}."),
                &format!("`namespaces.{NAMESPACE}."),
            );
    };
    swap(&mut d.message);
    d.label.iter_mut().for_each(swap);
    d.help.iter_mut().for_each(swap);
    d.related.iter_mut().for_each(|(_, l)| swap(l));
}

/// Puts the namespaces back into what [`unname`] took them out of: the one name, or all of
/// them (`in namespaces `a` and `b``, `namespaces.*.pipelines`).
fn rename(d: &mut Diagnostic, names: &[&str]) {
    let swap = |text: &mut String| {
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

fn finish(f: Found) -> Diagnostic {
    let Found {
        mut diagnostic,
        uses,
        namespaces,
        moved_to,
        via,
    } = f;
    diagnostic.related.extend(uses);
    if namespaces.is_empty() {
        return diagnostic;
    }
    let templates: BTreeSet<&str> = namespaces
        .iter()
        .filter_map(|(_, t)| t.as_deref())
        .collect();
    let mut names: Vec<&str> = namespaces.iter().map(|(n, _)| n.as_str()).collect();
    names.dedup();
    rename(&mut diagnostic, &names);
    let listed = list(&names);
    let templates = format!(
        "template{} {}",
        plural(templates.len()),
        list(&templates.into_iter().collect::<Vec<_>>())
    );
    let inherited = namespaces.iter().any(|(_, t)| t.is_some());
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
            (Some(via), 1) => {
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
            _ => diagnostic
                .notes
                .insert(0, format!("in namespace{} {listed}", plural(names.len()))),
        },
    }
    diagnostic
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
