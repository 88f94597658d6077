//! Large platforms: includes, templates and variables (issue 7). The templated 100-tenant
//! example compiles to exactly the tree of the same platform written out longhand, and every
//! mistake in the split form is a located diagnostic naming its file.

use std::path::{Path, PathBuf};

use platc::app::{Failed, compile_file};
use platc::diag::render_all;

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn templated_example_equals_longhand() {
    let Ok(templated) = compile_file(&root().join("examples/hundred-tenants/platform.toml")) else {
        panic!("templated example does not compile");
    };
    let Ok(longhand) =
        compile_file(&root().join("examples/hundred-tenants-longhand/platform.toml"))
    else {
        panic!("longhand example does not compile");
    };
    assert_eq!(templated.objects.len(), 1100);
    assert!(
        templated.diagnostics.is_empty(),
        "{:?}",
        templated.diagnostics
    );
    assert!(
        templated.tree == longhand.tree,
        "templated and longhand trees differ"
    );
}

/// Writes `files` into a fresh folder and compiles `platform.toml` there; returns the
/// rendered diagnostics (run from that folder, so names are relative).
fn errors_of(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let main = dir.path().join("platform.toml");
    match compile_file(&main) {
        Ok(_) => String::from("<compiled>"),
        Err(Failed {
            diagnostics,
            sources,
        }) => {
            let base = format!("{}/", dir.path().display());
            render_all(&diagnostics, &sources, false).replace(&base, "")
        }
    }
}

const MAIN: &str = "[platform]\nname = \"p\"\ninclude = [\"tenants/*.toml\"]\n\n[templates.base]\nlabels = { tier = \"gold\" }\n";

#[test]
fn a_name_defined_in_two_files_names_both() {
    let out = errors_of(&[
        ("platform.toml", MAIN),
        ("tenants/a.toml", "[namespaces.risk]\n"),
        ("tenants/b.toml", "\n[namespaces.risk]\n"),
    ]);
    assert!(
        out.contains("error[E0205]: namespace `risk` is defined twice"),
        "{out}"
    );
    assert!(out.contains("tenants/b.toml:2:13"), "{out}");
    assert!(out.contains("tenants/a.toml:1:13"), "{out}");
}

#[test]
fn diagnostics_in_included_files_name_the_file() {
    let out = errors_of(&[
        ("platform.toml", MAIN),
        (
            "tenants/risk.toml",
            "[namespaces.risk]\nlabels = { tier = \"a b\" }\n",
        ),
    ]);
    assert!(out.contains("--> tenants/risk.toml:2:19"), "{out}");
}

#[test]
fn an_error_in_an_inherited_value_points_at_the_template_and_names_the_namespace() {
    let main = "[platform]\nname = \"p\"\n\n[templates.base]\nlabels = { tier = \"not valid!\" }\n\n[namespaces.risk]\ntemplate = \"base\"\n";
    let out = errors_of(&[("platform.toml", main)]);
    assert!(out.contains("--> platform.toml:5:19"), "{out}");
    assert!(
        out.contains("inherited by namespace `risk` from template `base`"),
        "{out}"
    );
}

#[test]
fn template_cycles_name_their_members() {
    let main = "[platform]\nname = \"p\"\n[templates.a]\ntemplate = \"b\"\n[templates.b]\ntemplate = \"a\"\n[namespaces.x]\ntemplate = \"a\"\n";
    let out = errors_of(&[("platform.toml", main)]);
    assert!(
        out.contains("error[E0206]: templates build on each other in a cycle: a → b → a"),
        "{out}"
    );
}

#[test]
fn unknown_templates_and_variables_are_located() {
    let main = "[platform]\nname = \"p\"\n[templates.base]\n[namespaces.x]\ntemplate = \"bsae\"\n[namespaces.y]\nlabels = { v = \"{{ vars.nope }}\" }\n";
    let out = errors_of(&[("platform.toml", main)]);
    assert!(
        out.contains("error[E0201]: unknown template `bsae`"),
        "{out}"
    );
    assert!(out.contains("did you mean `base`?"), "{out}");
    assert!(
        out.contains("error[E0207]: cannot render `{{ vars.nope }}` for namespace `y`"),
        "{out}"
    );
    assert!(out.contains("--> platform.toml:7:16"), "{out}");
}

#[test]
fn rendered_values_are_validated_like_any_other() {
    let main = "[platform]\nname = \"p\"\n[vars]\nsa = \"Not_A_Label\"\n[namespaces.x.service_accounts.etl]\n[namespaces.x.pipelines.p]\nschedule = \"@daily\"\nimage = \"i:1\"\nservice_account = \"{{ vars.sa }}\"\nsteps = [{ name = \"s\" }]\n";
    let out = errors_of(&[("platform.toml", main)]);
    assert!(
        out.contains("unknown service account `Not_A_Label`"),
        "{out}"
    );
}

#[test]
fn include_problems_are_errors() {
    let out = errors_of(&[(
        "platform.toml",
        "[platform]\nname = \"p\"\ninclude = [\"missing/*.toml\"]\n",
    )]);
    assert!(
        out.contains("error[E0208]: include `missing/*.toml`: matches no files"),
        "{out}"
    );
    let out = errors_of(&[
        ("platform.toml", MAIN),
        ("tenants/a.toml", "[platform]\nname = \"q\"\n"),
    ]);
    assert!(
        out.contains("`platform` cannot be set in an included file"),
        "{out}"
    );
}

#[test]
fn overrides_merge_tables_and_replace_scalars_and_arrays() {
    let main = "[platform]\nname = \"p\"\n[templates.t]\nlabels = { a = \"1\", b = \"2\" }\ndefault_deny = [\"ingress\", \"egress\"]\n[namespaces.x]\ntemplate = \"t\"\nlabels = { b = \"3\" }\ndefault_deny = []\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("platform.toml"), main).unwrap();
    let Ok(c) = compile_file(&dir.path().join("platform.toml")) else {
        panic!("does not compile")
    };
    let ns = String::from_utf8(c.tree["default/x/namespace-x.yaml"].clone()).unwrap();
    assert!(
        ns.contains("    a: \"1\"\n") && ns.contains("    b: \"3\"\n"),
        "{ns}"
    );
    assert!(
        !c.tree
            .contains_key("default/x/networkpolicy-default-deny.yaml")
    );
}

#[test]
fn show_annotates_every_value_with_its_origin() {
    let bin = env!("CARGO_BIN_EXE_platc");
    let dir = root().join("examples/hundred-tenants");
    let out = std::process::Command::new(bin)
        .current_dir(&dir)
        .args(["show", "risk-002"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("[namespaces.risk-002]  # tenants/risk.toml:"),
        "{text}"
    );
    assert!(
        text.contains("image = \"registry.example.com/data/etl:1.4.2\""),
        "{text}"
    );
    assert!(text.contains("(template `etl-tenant`)"), "{text}");
    let missing = std::process::Command::new(bin)
        .current_dir(&dir)
        .args(["show", "risk-02"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn diff_base_reads_included_files_at_that_revision() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| common::git(dir.path(), args);
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join("platform.toml"), MAIN).unwrap();
    std::fs::write(
        dir.path().join("tenants/a.toml"),
        "[namespaces.a]\ntemplate = \"base\"\n",
    )
    .unwrap();
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    let bin = env!("CARGO_BIN_EXE_platc");
    let run = || {
        std::process::Command::new(bin)
            .current_dir(dir.path())
            .args(["diff", "--base", "HEAD", "--format", "stat"])
            .output()
            .unwrap()
    };
    assert_eq!(
        run().status.code(),
        Some(0),
        "unchanged split config must show no change"
    );
    std::fs::write(
        dir.path().join("tenants/a.toml"),
        "[namespaces.a]\ntemplate = \"base\"\nlabels = { tier = \"silver\" }\n",
    )
    .unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("default/a/namespace-a.yaml"));
}
