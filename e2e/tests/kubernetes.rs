//! The Kubernetes manifests in `deploy/kubernetes` against the API they are
//! applied to: every resource validates, strictly (no field the API does not
//! have), against the schemas of the oldest and the newest Kubernetes they
//! are written for (`kubernetes-validate`, with the schemas it bundles, from
//! `e2e/python/requirements.txt`); the kustomization lists every manifest;
//! and every `HERALD_*` variable they set is one `herald serve` reads.

use std::fs;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use e2e::python;
use herald_hub::config::Config;

/// The oldest Kubernetes the manifests are for: the first whose API has
/// the `sleep` action of `preStop` on by default.
const OLDEST: &str = "1.30.0";
/// The newest schemas `kubernetes-validate` carries.
const NEWEST: &str = "1.37.0";

fn manifests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/kubernetes")
}

/// The manifests: every YAML file but the kustomization, which is
/// kustomize's, not the API's.
fn manifests() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(manifests_dir())
        .expect("deploy/kubernetes is there")
        .map(|entry| entry.expect("deploy/kubernetes lists").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .filter(|path| !path.ends_with("kustomization.yaml"))
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn every_manifest_validates_strictly_against_the_oldest_and_newest_api() {
    let files = manifests();
    assert!(
        files.len() >= 2,
        "the hub's and Redis's manifests: {files:?}"
    );
    for version in [OLDEST, NEWEST] {
        let mut args = vec![
            "--strict".to_owned(),
            "--kubernetes-version".to_owned(),
            version.to_owned(),
        ];
        args.extend(files.iter().map(|path| path.to_string_lossy().into_owned()));
        let name = format!("kubernetes-validate-{version}");
        let outcome = python::run(&name, "kubernetes-validate", &args)
            .await
            .expect("kubernetes-validate runs");
        let log = fs::read_to_string(&outcome.log).expect("its log is written");
        outcome
            .ensure_success()
            .unwrap_or_else(|error| panic!("{version}: {error}\n{log}"));
        // A kind it has no schema for is a warning, not a failure: every
        // resource must have been checked.
        assert!(!log.contains("WARN"), "{version}: {log}");
        for kind in [
            "deployment/herald",
            "service/herald",
            "poddisruptionbudget/herald",
        ] {
            assert!(
                log.contains(&format!("passed for resource {kind} ")),
                "{version}: {kind} was checked: {log}"
            );
        }
    }
}

#[tokio::test]
async fn the_validator_refuses_a_field_the_api_does_not_have() {
    // The check above could pass by checking nothing: a manifest with one
    // misspelt field must fail it.
    let herald = manifests_dir().join("herald.yaml");
    let text = fs::read_to_string(&herald).expect("herald.yaml is there");
    assert!(
        text.contains("periodSeconds: 10"),
        "the liveness probe's period"
    );
    let broken = text.replacen("periodSeconds: 10", "periodSecond: 10", 1);
    let path = e2e::artifact("herald-misspelt.yaml").expect("target/e2e is writable");
    fs::write(&path, broken).expect("the copy is written");
    let args = [
        "--strict".to_owned(),
        "--kubernetes-version".to_owned(),
        OLDEST.to_owned(),
        path.to_string_lossy().into_owned(),
    ];
    let outcome = python::run("kubernetes-validate-misspelt", "kubernetes-validate", &args)
        .await
        .expect("kubernetes-validate runs");
    let log = fs::read_to_string(&outcome.log).expect("its log is written");
    assert!(!outcome.success(), "{log}");
    assert!(log.contains("'periodSecond' was unexpected"), "{log}");
}

#[test]
fn the_kustomization_lists_every_manifest() {
    let kustomization =
        fs::read_to_string(manifests_dir().join("kustomization.yaml")).expect("it is there");
    for path in manifests() {
        let name = path.file_name().expect("a file").to_string_lossy();
        assert!(
            kustomization.contains(&format!("  - {name}\n")),
            "kustomization.yaml lists {name}"
        );
    }
}

#[test]
fn every_variable_the_manifests_set_is_one_herald_serve_reads() {
    let known: Vec<String> = Config::command()
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    let mut set = Vec::new();
    for path in manifests() {
        let text = fs::read_to_string(&path).expect("a manifest reads");
        set.extend(
            text.lines()
                .filter_map(|line| line.trim().strip_prefix("- name: HERALD_"))
                .map(|rest| format!("HERALD_{}", rest.trim())),
        );
    }
    assert!(set.len() >= 5, "the hub's settings: {set:?}");
    let unknown: Vec<&String> = set.iter().filter(|name| !known.contains(name)).collect();
    assert!(unknown.is_empty(), "herald serve reads no {unknown:?}");
}
