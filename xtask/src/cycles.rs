//! `cargo xtask cycles`: no two modules of a crate lean on each other.
//!
//! For each target (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`) of each
//! workspace member, [`modules`] reads the module tree and every path each
//! module writes: `use` trees, `super::` paths and fully qualified
//! `crate::…` paths anywhere in code. A path written in module `m` that
//! names module `t` (the deepest module it reaches; the rest is an item)
//! is a dependency of `m` on `t`.
//!
//! Between modules that are neither ancestor nor descendant of each other,
//! a dependency counts for the two siblings they fall under: both collapse
//! to their ancestors that are children of their lowest common ancestor, so
//! `routes::stream -> hub::reader` is `routes -> hub`. Any cycle among
//! siblings fails the check: such modules can be neither understood nor
//! changed one at a time. Each dependency on a cycle is printed in the
//! shortest cycle through it, with the paths that make it.
//!
//! A parent and its own descendants are not siblings: a parent that
//! re-exports its child while the child uses the parent's items is how Rust
//! splits a module into files. What the check lists, without failing, is
//! the case where that split is by text rather than by interface: a module
//! reaching into an ancestor's *private* names (declared without `pub`, or
//! imported by a private `use`, or a glob of them) while that ancestor uses
//! the module's subtree.
//!
//! The scanner reads tokens, not syntax trees (the xtask builds from std
//! and anyhow alone), which is enough for paths: comments and literals are
//! dropped first ([`lexer`]) and test code is skipped, since tests may
//! import anything.

mod lexer;
mod modules;
#[cfg(test)]
mod tests;
mod use_tree;

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque, btree_map::Entry},
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};

use crate::step;
use modules::{ModuleId, Reference, Tree, Visibility};

/// How many of the places (file and line) behind one dependency are
/// printed.
const SHOWN_PLACES: usize = 3;

/// Checks every target of every workspace member and prints what it finds.
///
/// # Errors
/// When a crate cannot be read, or when any crate has a module cycle.
pub(crate) fn run() -> anyhow::Result<()> {
    let root = step::project_root();
    let mut cycles = 0;
    let mut targets = 0;
    for target in targets_of(&root)? {
        let tree = Tree::load(&target.root, &root)?;
        let findings = Findings::of(&tree);
        eprint!("{}", findings.report(&tree, &target.label));
        cycles += findings.cycles.len();
        targets += 1;
    }
    if cycles > 0 {
        let noun = if cycles == 1 { "cycle" } else { "cycles" };
        bail!("{cycles} module {noun} in the workspace; cut one dependency of each");
    }
    eprintln!("no module cycles in {targets} crate targets");
    Ok(())
}

/// A crate root and how the report names it.
struct Target {
    label: String,
    root: PathBuf,
}

/// What the check found in one tree.
struct Findings<'tree> {
    /// Each cycle among siblings, the first module repeated at the end.
    cycles: Vec<Vec<ModuleId>>,
    /// The paths behind each dependency between siblings.
    dependencies: BTreeMap<(ModuleId, ModuleId), Vec<&'tree Reference>>,
    /// Modules reaching into an ancestor's private names.
    reaches: Vec<Reach>,
}

/// A module using an ancestor's private names while the ancestor uses the
/// module's subtree.
struct Reach {
    module: ModuleId,
    ancestor: ModuleId,
    /// The ancestor's private names the module uses.
    names: BTreeSet<String>,
    /// What the ancestor uses from the subtree the module is in.
    used: BTreeSet<String>,
}

impl<'tree> Findings<'tree> {
    fn of(tree: &'tree Tree) -> Self {
        let mut dependencies: BTreeMap<_, Vec<_>> = BTreeMap::new();
        // (ancestor, its child) -> what the ancestor uses of that child's
        // subtree.
        let mut used: BTreeMap<(ModuleId, ModuleId), BTreeSet<String>> = BTreeMap::new();
        // (module, ancestor) -> the ancestor's private names it uses.
        let mut private: BTreeMap<(ModuleId, ModuleId), BTreeSet<String>> = BTreeMap::new();
        for (from, module) in tree.modules.iter().enumerate() {
            let from_lineage = tree.lineage(from);
            for reference in &module.references {
                let Some((to, item)) = tree.resolve(from, &reference.segments) else {
                    continue;
                };
                let to_lineage = tree.lineage(to);
                let common = from_lineage
                    .iter()
                    .zip(&to_lineage)
                    .take_while(|(a, b)| a == b)
                    .count();
                match (from_lineage.get(common), to_lineage.get(common)) {
                    (Some(&sibling), Some(&other)) => dependencies
                        .entry((sibling, other))
                        .or_default()
                        .push(reference),
                    (None, Some(&child)) => {
                        let what = match item {
                            Some(item) => format!("{}::{item}", tree.name(to)),
                            None => tree.name(to),
                        };
                        used.entry((from, child)).or_default().insert(what);
                    }
                    (Some(_), None) => {
                        let Some(item) = item else { continue };
                        let visibility = tree.modules[to].names.get(item);
                        if item == "*" || visibility == Some(&Visibility::Private) {
                            private
                                .entry((from, to))
                                .or_default()
                                .insert(item.to_owned());
                        }
                    }
                    (None, None) => {}
                }
            }
        }
        let reaches = private
            .into_iter()
            .filter_map(|((module, ancestor), names)| {
                let lineage = tree.lineage(module);
                let child = lineage[lineage.iter().position(|&id| id == ancestor)? + 1];
                let used = used.get(&(ancestor, child))?.clone();
                Some(Reach {
                    module,
                    ancestor,
                    names,
                    used,
                })
            })
            .collect();
        Self {
            cycles: cycles(tree, dependencies.keys().copied()),
            dependencies,
            reaches,
        }
    }

    /// The findings as lines starting with `label:`, with the paths behind
    /// each dependency on a cycle indented below the cycles.
    fn report(&self, tree: &Tree, label: &str) -> String {
        let mut report = String::new();
        let mut on_cycles = BTreeSet::new();
        for cycle in &self.cycles {
            let names: Vec<String> = cycle.iter().map(|&id| tree.name(id)).collect();
            let _ = writeln!(report, "{label}: {}", names.join(" -> "));
            on_cycles.extend(cycle.windows(2).map(|pair| (pair[0], pair[1])));
        }
        for (from, to) in on_cycles {
            let places = places(&self.dependencies[&(from, to)]);
            let mut shown: Vec<String> = places
                .iter()
                .take(SHOWN_PLACES)
                .map(|(place, paths)| format!("{place} {}", paths.join(", ")))
                .collect();
            if places.len() > SHOWN_PLACES {
                shown.push(format!("{} more places", places.len() - SHOWN_PLACES));
            }
            let _ = writeln!(
                report,
                "    {} -> {}: {}",
                tree.name(from),
                tree.name(to),
                shown.join("; ")
            );
        }
        for reach in &self.reaches {
            let names: Vec<&str> = reach.names.iter().map(String::as_str).collect();
            let used: Vec<&str> = reach.used.iter().map(String::as_str).collect();
            let _ = writeln!(
                report,
                "{label}: {} uses private names of {} ({}) while {} uses {}",
                tree.name(reach.module),
                tree.name(reach.ancestor),
                names.join(", "),
                tree.name(reach.ancestor),
                used.join(", ")
            );
        }
        report
    }
}

/// The references grouped by the line they are on (`use a::{b, c}` is two
/// paths on one line), as `file:line` and the paths, in the order written.
fn places(references: &[&Reference]) -> Vec<(String, Vec<String>)> {
    let mut places: Vec<(String, Vec<String>)> = Vec::new();
    for reference in references {
        let place = format!("{}:{}", reference.file.display(), reference.line);
        let path = reference.segments.join("::");
        match places.last_mut() {
            Some((last, paths)) if *last == place => paths.push(path),
            _ => places.push((place, vec![path])),
        }
    }
    places
}

/// The shortest cycle through each dependency that lies on one, each once,
/// as module lists that start at the module whose name sorts first and end
/// where they start.
fn cycles(
    tree: &Tree,
    dependencies: impl Iterator<Item = (ModuleId, ModuleId)>,
) -> Vec<Vec<ModuleId>> {
    let mut graph: BTreeMap<ModuleId, BTreeSet<ModuleId>> = BTreeMap::new();
    for (from, to) in dependencies {
        graph.entry(from).or_default().insert(to);
    }
    let mut found = BTreeSet::new();
    for (&from, targets) in &graph {
        for &to in targets {
            let Some(back) = shortest_path(&graph, to, from) else {
                continue;
            };
            // `back` runs from `to` to `from`: the cycle is `from`, then it.
            let mut cycle: Vec<ModuleId> = std::iter::once(from).chain(back).collect();
            cycle.pop();
            let first = (0..cycle.len())
                .min_by_key(|&index| tree.name(cycle[index]))
                .unwrap_or(0);
            cycle.rotate_left(first);
            let names: Vec<String> = cycle.iter().map(|&id| tree.name(id)).collect();
            cycle.push(cycle[0]);
            found.insert((names.len(), names, cycle));
        }
    }
    found.into_iter().map(|(_, _, cycle)| cycle).collect()
}

/// The modules on a shortest path from `start` to `goal`, both included.
fn shortest_path(
    graph: &BTreeMap<ModuleId, BTreeSet<ModuleId>>,
    start: ModuleId,
    goal: ModuleId,
) -> Option<Vec<ModuleId>> {
    let mut came_from = BTreeMap::from([(start, start)]);
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        if at == goal {
            let mut path = vec![goal];
            let mut step = goal;
            while step != start {
                step = came_from[&step];
                path.push(step);
            }
            path.reverse();
            return Some(path);
        }
        for &next in graph.get(&at).into_iter().flatten() {
            if let Entry::Vacant(entry) = came_from.entry(next) {
                entry.insert(at);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Every crate target of the workspace members listed in `Cargo.toml`.
fn targets_of(root: &Path) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    for member in members(&read(&root.join("Cargo.toml"))?) {
        let dir = root.join(&member);
        let package = package_name(&read(&dir.join("Cargo.toml"))?).unwrap_or(member);
        let src = dir.join("src");
        let mut roots = vec![
            (package.clone(), src.join("lib.rs")),
            (format!("{package} (bin)"), src.join("main.rs")),
        ];
        if let Ok(entries) = fs::read_dir(src.join("bin")) {
            let mut bins: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .collect();
            bins.sort();
            for bin in bins {
                let root = if bin.is_dir() {
                    bin.join("main.rs")
                } else {
                    bin
                };
                roots.push((format!("{package} ({})", root.display()), root));
            }
        }
        let roots: Vec<_> = roots
            .into_iter()
            .filter(|(_, root)| root.is_file())
            .collect();
        let alone = roots.len() == 1;
        targets.extend(roots.into_iter().map(|(label, root)| Target {
            label: if alone { package.clone() } else { label },
            root,
        }));
    }
    Ok(targets)
}

fn read(file: &Path) -> anyhow::Result<String> {
    fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// The strings in the workspace's `members = [ … ]`.
fn members(manifest: &str) -> Vec<String> {
    let Some((_, after)) = manifest.split_once("members") else {
        return Vec::new();
    };
    let list = after
        .split_once('[')
        .and_then(|(_, list)| list.split_once(']'))
        .map_or("", |(list, _)| list);
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The `name` in a member's `[package]` table.
fn package_name(manifest: &str) -> Option<String> {
    let package = manifest.split_once("[package]")?.1;
    package.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_owned())
    })
}
