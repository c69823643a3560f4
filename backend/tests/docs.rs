//! The documentation against what it describes: every option of
//! `herald serve` is on the configuration page, and every relative link in
//! the Markdown leads somewhere.
//!
//! Prose drifts without failing anything; these tests make the two drifts a
//! reader meets first (an undocumented flag, a link to a section that moved)
//! fail `cargo xtask test` instead.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use herald_hub::config::Config;

/// Every long flag of `herald serve`, and its `HERALD_*` variable, is named
/// as code on docs/configuration.md. The names come from the hub's own clap
/// definition, so an option added without its row fails here.
#[test]
fn every_serve_flag_and_variable_is_on_the_configuration_page() {
    let page = read(&repository().join("docs/configuration.md"));
    let missing: Vec<String> = Config::command()
        .get_arguments()
        .flat_map(|arg| {
            let flag = arg.get_long().map(|long| format!("--{long}"));
            let variable = arg
                .get_env()
                .map(|name| name.to_string_lossy().into_owned());
            flag.into_iter().chain(variable)
        })
        .filter(|name| !page.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md does not name {missing:?}"
    );
}

/// Every flag in the configuration page's table is one `herald serve`
/// takes, so a renamed or removed option leaves no row behind. Only with
/// every feature on: without one, its flags are rightly unknown.
#[cfg(all(
    feature = "cluster",
    feature = "jwt",
    feature = "system-metrics",
    feature = "tls"
))]
#[test]
fn every_flag_in_the_configuration_table_exists() {
    let command = Config::command();
    let known: Vec<&str> = command
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .collect();
    let page = read(&repository().join("docs/configuration.md"));
    let unknown: Vec<&str> = page
        .lines()
        .filter_map(|line| line.strip_prefix("| `--")?.split('`').next())
        .filter(|flag| !known.contains(flag))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/configuration.md lists flags herald serve does not take: {unknown:?}"
    );
}

/// Every relative link in README.md, ARCHITECTURE.md and docs/*.md names a
/// file or folder that exists, and its `#anchor`, in a Markdown target, a
/// heading or `<a id>` there: a section moved to another page must take
/// its links along.
#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    for page in pages() {
        for target in links(&read(&page)) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let file = match path {
                "" => page.clone(),
                path => page.parent().expect("a page is in a folder").join(path),
            };
            let resolves = file.exists()
                && match anchor {
                    Some(anchor) if file.extension().is_some_and(|ext| ext == "md") => {
                        anchors(&read(&file)).iter().any(|known| known == anchor)
                    }
                    _ => true,
                };
            if !resolves {
                let name = page.strip_prefix(repository()).unwrap_or(&page);
                broken.push(format!("{}: {target}", name.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links that lead nowhere:\n{}",
        broken.join("\n")
    );
}

/// The repository's root, where README.md is.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The text of `path`, or a failure naming it.
fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The Markdown a reader follows: README.md, ARCHITECTURE.md, docs/*.md.
fn pages() -> Vec<PathBuf> {
    let root = repository();
    let mut docs: Vec<PathBuf> = fs::read_dir(root.join("docs"))
        .expect("docs/ is a readable folder")
        .map(|entry| entry.expect("docs/ lists its files").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    [root.join("README.md"), root.join("ARCHITECTURE.md")]
        .into_iter()
        .chain(docs)
        .collect()
}

/// The lines of `markdown` outside fenced code blocks: what reads as a
/// link or heading there is one.
fn prose(markdown: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push(line);
        }
    }
    lines
}

/// The targets of the inline links and images in `markdown`: what stands
/// in `](…)`, without a title, outside code.
fn links(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose(markdown) {
        let outside_code = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = outside_code.as_str();
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            targets.extend(rest[..end].split_whitespace().next().map(str::to_owned));
            rest = &rest[end..];
        }
    }
    targets
}

/// The anchors a page offers: its headings slugged as GitHub does (lower
/// case, spaces to `-`, other punctuation dropped, `-1`, `-2` after a
/// repeat), and its `<a id="…">` tags.
fn anchors(markdown: &str) -> Vec<String> {
    let mut anchors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for line in prose(markdown) {
        let Some(heading) = line
            .strip_prefix('#')
            .map(|rest| rest.trim_start_matches('#'))
            .and_then(|rest| rest.strip_prefix(' '))
        else {
            continue;
        };
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let count = seen.entry(slug.clone()).or_default();
        anchors.push(match *count {
            0 => slug,
            n => format!("{slug}-{n}"),
        });
        *count += 1;
    }
    let mut rest = markdown;
    while let Some(start) = rest.find("<a id=\"") {
        rest = &rest[start + 7..];
        let end = rest.find('"').unwrap_or(rest.len());
        anchors.push(rest[..end].to_owned());
    }
    anchors
}
