//! The module-cycle check on small crates written to a temporary
//! directory: planted cycles it must find, and trees it must pass.

use std::{env, process};

use super::*;

/// A crate written to a temporary folder, removed when dropped.
struct Fixture {
    dir: PathBuf,
}

/// What the check found in a fixture, as text.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    cycles: Vec<String>,
    reaches: Vec<String>,
}

impl Fixture {
    /// `files` are paths under `src/` and their text; `lib.rs` is the
    /// root.
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = env::temp_dir().join(format!("xtask-cycles-{}-{name}", process::id()));
        let _ = fs::remove_dir_all(&dir);
        for (path, text) in files {
            let file = dir.join("src").join(path);
            fs::create_dir_all(file.parent().expect("fixture files lie in src/"))
                .expect("the temporary folder is writable");
            fs::write(&file, text).expect("the temporary folder is writable");
        }
        Self { dir }
    }

    fn check(&self) -> Found {
        let tree = Tree::load(&self.dir.join("src").join("lib.rs"), &self.dir)
            .expect("the fixture is a complete crate");
        let findings = Findings::of(&tree);
        let cycles = findings.cycles.iter().map(|cycle| {
            let names: Vec<String> = cycle.iter().map(|&id| tree.name(id)).collect();
            names.join(" -> ")
        });
        let reaches = findings.reaches.iter().map(|reach| {
            let names: Vec<&str> = reach.names.iter().map(String::as_str).collect();
            format!(
                "{} -> {}: {}",
                tree.name(reach.module),
                tree.name(reach.ancestor),
                names.join(", ")
            )
        });
        Found {
            cycles: cycles.collect(),
            reaches: reaches.collect(),
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn cycles(cycles: &[&str]) -> Found {
    Found {
        cycles: cycles.iter().map(|cycle| (*cycle).to_owned()).collect(),
        reaches: Vec::new(),
    }
}

#[test]
fn finds_two_modules_importing_each_other() {
    let fixture = Fixture::new(
        "pair",
        &[
            ("lib.rs", "mod broker;\nmod cluster;\n"),
            (
                "broker.rs",
                "use crate::cluster::Cluster;\npub(crate) enum Broker {}\n",
            ),
            (
                "cluster.rs",
                "use crate::broker::Broker;\npub(crate) struct Cluster;\n",
            ),
        ],
    );
    assert_eq!(fixture.check(), cycles(&["broker -> cluster -> broker"]));
}

#[test]
fn finds_a_three_module_cycle_through_grouped_uses_and_qualified_paths() {
    let fixture = Fixture::new(
        "three",
        &[
            ("lib.rs", "pub mod components;\n"),
            (
                "components.rs",
                "pub mod dropped_item;\npub mod event_list;\npub mod live_feed;\n",
            ),
            (
                "components/dropped_item.rs",
                "pub fn flush() -> u32 { crate::components::live_feed::FLUSH_MS }\n",
            ),
            (
                "components/live_feed.rs",
                "use crate::{components::{event_list::EventList, self}, other};\n\
                 pub const FLUSH_MS: u32 = 1;\n",
            ),
            (
                "components/event_list.rs",
                "use super::dropped_item;\npub struct EventList;\n",
            ),
        ],
    );
    assert_eq!(
        fixture.check(),
        cycles(&[
            "components::dropped_item -> components::live_feed -> components::event_list \
             -> components::dropped_item"
        ])
    );
}

#[test]
fn finds_a_cycle_through_super_paths_in_mod_rs_layout() {
    let fixture = Fixture::new(
        "super",
        &[
            ("lib.rs", "mod hub;\n"),
            ("hub/mod.rs", "mod reader;\nmod topic;\n"),
            (
                "hub/reader.rs",
                "use super::topic::Cell;\npub(super) struct Reader;\n",
            ),
            (
                "hub/topic.rs",
                "pub(super) struct Cell;\nfn f() { let _ = super::super::hub::reader::Reader; }\n",
            ),
        ],
    );
    assert_eq!(
        fixture.check(),
        cycles(&["hub::reader -> hub::topic -> hub::reader"])
    );
}

#[test]
fn collapses_dependencies_between_subtrees_to_siblings() {
    let fixture = Fixture::new(
        "subtrees",
        &[
            ("lib.rs", "mod error;\nmod routes;\n"),
            (
                "error.rs",
                "pub(crate) struct ApiError(crate::routes::TooSlow);\n",
            ),
            ("routes.rs", "mod publish;\npub(crate) struct TooSlow;\n"),
            (
                "routes/publish.rs",
                "mod body { use crate::error::ApiError; }\n",
            ),
        ],
    );
    assert_eq!(fixture.check(), cycles(&["error -> routes -> error"]));
}

#[test]
fn passes_an_acyclic_tree_whatever_tests_comments_and_strings_say() {
    let fixture = Fixture::new(
        "acyclic",
        &[
            (
                "lib.rs",
                "//! Uses [`crate::b`].\nmod a;\nmod b;\npub use a::Hub;\n\
                 #[cfg(test)]\nmod tests { use crate::a::*; use crate::b::*; }\n",
            ),
            (
                "a.rs",
                "mod reader;\npub use reader::Reader;\npub struct Hub;\n\
                 fn f() -> crate::b::Topic { todo!() }\n",
            ),
            (
                "a/reader.rs",
                "use super::Hub;\npub struct Reader(Hub, crate::b::Topic);\n",
            ),
            (
                "b.rs",
                "/* crate::a::Hub */\npub struct Topic;\n\
                 const NOTE: &str = \"see crate::a::Hub\";\n\
                 #[cfg(test)]\nmod tests;\n",
            ),
            ("b/tests.rs", "use crate::a::Hub;\n"),
        ],
    );
    assert_eq!(fixture.check(), cycles(&[]));
}

#[test]
fn lists_a_child_using_private_names_of_a_parent_that_uses_it() {
    let fixture = Fixture::new(
        "private",
        &[
            ("lib.rs", "mod hub;\nmod server;\n"),
            (
                "hub.rs",
                "mod reader;\npub(crate) use reader::Subscription;\n\
                 struct Inner;\nfn write() {}\npub(crate) struct Hub;\n",
            ),
            (
                "hub/reader.rs",
                "use super::{Hub, Inner, write};\npub(crate) struct Subscription;\n",
            ),
            // The child uses a private name, but the parent never uses
            // the child: nothing to list.
            ("server.rs", "mod direct;\nconst READ_BUFFER: usize = 1;\n"),
            (
                "server/direct.rs",
                "const MAX: usize = super::READ_BUFFER;\n",
            ),
        ],
    );
    assert_eq!(
        fixture.check(),
        Found {
            cycles: Vec::new(),
            reaches: vec!["hub::reader -> hub: Inner, write".to_owned()],
        }
    );
}

#[test]
fn reads_the_workspace_members() {
    let manifest = "[workspace]\nresolver = \"3\"\nmembers = [\"shared\", \"bench/raw\"]\n\
                    default-members = [\"shared\"]\n";
    assert_eq!(members(manifest), ["shared", "bench/raw"]);
    let package = "[package]\nname = \"bench-raw\"\nversion = \"0.1.0\"\n";
    assert_eq!(package_name(package).as_deref(), Some("bench-raw"));
}
