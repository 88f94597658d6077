//! Issue 25, valid input refused: what teams keep as manifests is read as kubectl reads it.
//! `tests/manifests-realworld/` holds Gateway API routes (v1 and v1beta1) and a VolumeSnapshot
//! (`*.k8s.io` groups Kubernetes does not serve itself: custom resources), a `ConfigMapList`,
//! and a cluster-scoped kind whose CRD has an RE2 `(?i)` pattern, all checked against the
//! CRDs of `[platform] crds`. The refusals are in `tests/invalid/` (131-133).

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn case() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/manifests-realworld"
    ))
}

#[test]
fn custom_resources_of_k8s_io_groups_lists_and_crds_build() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(case(), dir.path());
    let o = Command::cargo_bin("platc")
        .unwrap()
        .current_dir(dir.path())
        .args(["build", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = dir.path().join("out/default");
    for file in [
        "production/httproute-web.yaml",
        "production/httproute-web-legacy.yaml",
        "production/volumesnapshot-prices-daily.yaml",
        "production/configmap-dashboards-a.yaml",
        "production/configmap-dashboards-b.yaml",
        "_cluster/policy-strict.yaml",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let route = fs::read_to_string(out.join("production/httproute-web-legacy.yaml")).unwrap();
    assert!(
        route.contains("apiVersion: gateway.networking.k8s.io/v1beta1"),
        "{route}"
    );
}

#[test]
fn a_schema_violation_of_a_gateway_route_is_located() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(case(), dir.path());
    let routes = dir.path().join("routes.yaml");
    let text = fs::read_to_string(&routes).unwrap().replace(
        "hostnames: [prices.example.com]",
        "hostnames: [Prices.example.com]\n  rules: []",
    );
    fs::write(&routes, text).unwrap();
    let o = Command::cargo_bin("platc")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "--color", "never"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error[E0707]: HTTPRoute `web`: `spec.hostnames[0]`: \"Prices.example.com\" does not match the pattern")
            && err.contains("--> routes.yaml:6:15")
            && err.contains("unknown field `rules` in `spec`"),
        "{err}"
    );
}
