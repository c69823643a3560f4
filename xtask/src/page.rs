//! `cargo xtask page [shop]`: a page's `index.html` built into its `dist/`
//! as trunk builds it, without trunk.
//!
//! trunk is the development server (`trunk serve` rebuilds on every save
//! and proxies `/api`), but compiled it is ten minutes of a fresh two-core
//! machine, more than the hub and the page together. What a release build
//! of these pages asks of it is small, and done here from the same
//! `index.html`, so `run`, `dist` and `test` need only the two tools trunk
//! itself calls (wasm-bindgen and wasm-opt):
//! - `<link data-trunk rel="rust" href="DIR" data-bin="NAME"
//!   data-cargo-profile="P" data-wasm-opt="L">`: the binary built for
//!   wasm32 with that profile, `wasm-bindgen --target=web`, `wasm-opt -OL`,
//!   the script and the wasm named with a hash of the wasm
//!   (`NAME-<16 hex>.js`, `NAME-<16 hex>_bg.wasm`, which the hub caches for a
//!   year), an inline module that starts it in the link's place, and their
//!   preloads at the end of `<head>`.
//! - `<link data-trunk rel="inline" href="FILE">`: the file's text in a
//!   `<style>` (a `.css`) or a `<script>` (a `.js`) in its place.
//!
//! Any other `data-trunk` link fails the build, naming it, rather than
//! leaving it for the browser. The hub's Content-Security-Policy allows the
//! page's inline module and style by their hashes, whoever wrote them.
//! `cargo xtask ci` still builds the dashboard with trunk too, so the file
//! stays one trunk serves.

use std::{
    collections::hash_map::DefaultHasher,
    fs,
    hash::Hasher,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};

use crate::{
    step::{self, Step},
    tools,
};

/// A page this builds: the folder of its `index.html`, from the repository
/// root.
#[derive(Clone, Copy)]
pub(crate) struct Page {
    /// Its folder (`""` for the dashboard at the root).
    folder: &'static str,
    /// What the step that builds it is called.
    step: &'static str,
    /// Its argument to `cargo xtask page`, if any.
    arg: Option<&'static str>,
}

/// Herald's dashboard, `index.html` at the root, into `dist/`.
pub(crate) const DASHBOARD: Page = Page {
    folder: "",
    step: "build the page",
    arg: None,
};

/// The example shop's page, `examples/shop/index.html`, into
/// `examples/shop/dist/`.
pub(crate) const SHOP: Page = Page {
    folder: "examples/shop",
    step: "build the shop's page",
    arg: Some("shop"),
};

/// The wasm target the pages are built for.
const WASM_TARGET: &str = "wasm32-unknown-unknown";

impl Page {
    /// The page named on the command line: none for the dashboard, `shop`
    /// for the shop's.
    pub(crate) fn named(args: &[&str]) -> anyhow::Result<Self> {
        match args {
            [] => Ok(DASHBOARD),
            ["shop"] => Ok(SHOP),
            _ => bail!("usage: cargo xtask page [shop]; got {args:?}"),
        }
    }

    fn folder(self) -> PathBuf {
        step::project_root().join(self.folder)
    }

    /// Where the built page goes.
    pub(crate) fn dist(self) -> PathBuf {
        self.folder().join("dist")
    }

    /// The step that builds the page in place of this process's caller:
    /// this xtask's `page` command, so it is timed and named like the
    /// others.
    pub(crate) fn build_step(self) -> anyhow::Result<Step> {
        Step::xtask(self.step, ["page"].into_iter().chain(self.arg))
    }

    /// The step that compiles the page's wasm only, which a fresh machine
    /// runs beside the installs: the page build then finds it done.
    pub(crate) fn compile_step(self) -> anyhow::Result<Step> {
        rust_link(&self.template()?)?.compile(&self.folder())
    }

    fn template(self) -> anyhow::Result<String> {
        let path = self.folder().join("index.html");
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    }
}

/// Runs `cargo xtask page`: builds `page` into its `dist/`.
///
/// # Errors
/// Names the step that failed, or what in `index.html` it cannot build.
pub(crate) fn build(page: Page) -> anyhow::Result<()> {
    let folder = page.folder();
    let template = page.template()?;
    let rust = rust_link(&template)?;
    let target = step::cargo_target_dir()?;
    rust.compile(&folder)?.run()?;
    let wasm = target
        .join(WASM_TARGET)
        .join(&rust.profile)
        .join(format!("{}.wasm", rust.bin));
    let bindgen_dir = target.join("wasm-bindgen").join(&rust.bin);
    let bindgen_out = bindgen_dir.to_string_lossy();
    Step::new(
        "generate the page's bindings",
        "wasm-bindgen",
        [
            "--target=web".to_owned(),
            format!("--out-dir={bindgen_out}"),
            format!("--out-name={}", rust.bin),
            "--no-typescript".to_owned(),
            wasm.to_string_lossy().into_owned(),
        ],
    )?
    .run()?;
    let script = bindgen_dir.join(format!("{}.js", rust.bin));
    let mut module = bindgen_dir.join(format!("{}_bg.wasm", rust.bin));
    if let Some(level) = &rust.wasm_opt {
        let optimized = target
            .join("wasm-opt")
            .join(format!("{}_bg.wasm", rust.bin));
        let dir = optimized
            .parent()
            .context("wasm-opt's output has a folder")?;
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Step::new(
            "optimize the page's wasm",
            tools::npm_bin()?.join("wasm-opt"),
            [
                format!("--output={}", optimized.to_string_lossy()),
                format!("-O{level}"),
                module.to_string_lossy().into_owned(),
            ],
        )?
        .run()?;
        module = optimized;
    }
    let wasm_bytes =
        fs::read(&module).with_context(|| format!("cannot read {}", module.display()))?;
    let script_text =
        fs::read_to_string(&script).with_context(|| format!("cannot read {}", script.display()))?;
    let base = format!("{}-{:016x}", rust.bin, content_hash(&wasm_bytes));
    let files = Files {
        script: format!("{base}.js"),
        module: format!("{base}_bg.wasm"),
    };
    let html = render(&template, &folder, &files)?;
    // Written beside `dist/` and swapped in whole, so a server that reads
    // `dist/` (the hub's `--static-dir`) never sees half a build.
    let stage = folder.join(".dist-stage");
    let _ = fs::remove_dir_all(&stage);
    fs::create_dir_all(&stage).with_context(|| format!("cannot create {}", stage.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = stage.join(name);
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    write(&files.script, script_text.as_bytes())?;
    write(&files.module, &wasm_bytes)?;
    write("index.html", html.as_bytes())?;
    let dist = page.dist();
    if dist.exists() {
        fs::remove_dir_all(&dist).with_context(|| format!("cannot remove {}", dist.display()))?;
    }
    fs::rename(&stage, &dist)
        .with_context(|| format!("cannot move {} to {}", stage.display(), dist.display()))?;
    eprintln!(
        "    built {} ({} KiB of wasm)",
        dist.display(),
        wasm_bytes.len() / 1024
    );
    Ok(())
}

/// The hash in the built files' names: only their identity matters (a new
/// build, a new name, so the year-long cache never serves an old one), and
/// std's SipHash with its fixed keys gives the same name for the same bytes.
fn content_hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

/// The names of the built script and wasm.
struct Files {
    script: String,
    module: String,
}

/// What a `<link data-trunk rel="rust">` asks for.
#[derive(Debug, PartialEq, Eq)]
struct RustLink {
    /// The package folder, from the page's folder.
    href: String,
    bin: String,
    profile: String,
    /// `data-wasm-opt`'s level, unless `0` or absent (trunk's default is
    /// off).
    wasm_opt: Option<String>,
}

impl RustLink {
    /// The cargo build of the link's binary for wasm, with the arguments
    /// trunk passes, so the two share what they build.
    fn compile(&self, folder: &Path) -> anyhow::Result<Step> {
        let manifest = folder.join(&self.href).join("Cargo.toml");
        let args = [
            "build".to_owned(),
            format!("--target={WASM_TARGET}"),
            "--manifest-path".to_owned(),
            manifest.to_string_lossy().into_owned(),
            "--profile".to_owned(),
            self.profile.clone(),
            "--bin".to_owned(),
            self.bin.clone(),
        ];
        Step::cargo("compile the page's wasm", args)
    }
}

/// The one `rel="rust"` link of `html`.
fn rust_link(html: &str) -> anyhow::Result<RustLink> {
    let mut found = None;
    for link in trunk_links(html) {
        if link.attr("rel") == Some("rust") {
            if found.is_some() {
                bail!("index.html has two data-trunk rust links; one page is one app");
            }
            let href = link.attr("href").unwrap_or(".").to_owned();
            let bin = link
                .attr("data-bin")
                .context("the rust link names no data-bin")?
                .to_owned();
            let profile = link
                .attr("data-cargo-profile")
                .unwrap_or("release")
                .to_owned();
            let wasm_opt = link
                .attr("data-wasm-opt")
                .filter(|level| *level != "0")
                .map(str::to_owned);
            found = Some(RustLink {
                href,
                bin,
                profile,
                wasm_opt,
            });
        }
    }
    found.context("index.html has no <link data-trunk rel=\"rust\">")
}

/// A `<link data-trunk ...>` tag of the page: where it is, and its text.
struct TrunkLink<'a> {
    start: usize,
    end: usize,
    tag: &'a str,
}

impl TrunkLink<'_> {
    /// The value of the attribute `name="value"`, which follows white
    /// space (so `href` is not found inside `data-href`).
    fn attr(&self, name: &str) -> Option<&str> {
        let key = format!("{name}=\"");
        self.tag.match_indices(&key).find_map(|(at, _)| {
            let before = self.tag.get(..at)?.chars().next_back()?;
            if !before.is_whitespace() {
                return None;
            }
            self.tag.get(at + key.len()..)?.split('"').next()
        })
    }
}

/// Every `<link data-trunk ...>` of `html`, in order.
fn trunk_links(html: &str) -> Vec<TrunkLink<'_>> {
    let mut links = Vec::new();
    let mut from = 0;
    while let Some(offset) = html.get(from..).and_then(|rest| rest.find("<link")) {
        let start = from + offset;
        let Some(length) = html.get(start..).and_then(|rest| rest.find('>')) else {
            break;
        };
        let end = start + length + 1;
        let tag = &html[start..end];
        if tag.contains("data-trunk") {
            links.push(TrunkLink { start, end, tag });
        }
        from = end;
    }
    links
}

/// The page `template` with its trunk links replaced: the rust link by the
/// module that starts `files`, each inline link by its file's text, and the
/// preloads of `files` before `</head>`.
fn render(template: &str, folder: &Path, files: &Files) -> anyhow::Result<String> {
    let mut html = String::with_capacity(template.len());
    let mut copied = 0;
    for link in trunk_links(template) {
        html.push_str(&template[copied..link.start]);
        match link.attr("rel") {
            Some("rust") => html.push_str(&format!(
                "<script type=\"module\">\nimport init from '/{}';\nawait init({{ module_or_path: '/{}' }});\n</script>",
                files.script, files.module
            )),
            Some("inline") => {
                let href = link.attr("href").context("an inline link names no href")?;
                let path = folder.join(href);
                let text = fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let element = if href.ends_with(".css") {
                    "style"
                } else if href.ends_with(".js") {
                    "script"
                } else {
                    bail!("cannot inline {href}: only .css and .js are");
                };
                html.push_str(&format!("<{element}>{text}</{element}>"));
            }
            _ => bail!("index.html's {} is not a link this build knows", link.tag),
        }
        copied = link.end;
    }
    let rest = &template[copied..];
    let head_end = rest.find("</head>").context("index.html has no </head>")?;
    html.push_str(&rest[..head_end]);
    html.push_str(&format!(
        "  <link rel=\"modulepreload\" href=\"/{}\" crossorigin=\"anonymous\">\
         <link rel=\"preload\" href=\"/{}\" crossorigin=\"anonymous\" as=\"fetch\" type=\"application/wasm\">\n  ",
        files.script, files.module
    ));
    html.push_str(&rest[head_end..]);
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "<!doctype html>\n<html>\n  <head>\n    <title>t</title>\n    \
        <link data-trunk rel=\"inline\" href=\"style.css\" />\n    \
        <link data-trunk rel=\"rust\" href=\"frontend\" data-bin=\"app\" data-cargo-profile=\"wasm-release\" data-wasm-opt=\"z\" />\n  \
        </head>\n  <body></body>\n</html>\n";

    #[test]
    fn the_rust_link_names_the_binary_profile_and_optimization() {
        assert_eq!(
            rust_link(TEMPLATE).unwrap(),
            RustLink {
                href: "frontend".to_owned(),
                bin: "app".to_owned(),
                profile: "wasm-release".to_owned(),
                wasm_opt: Some("z".to_owned()),
            }
        );
        let off = TEMPLATE.replace("data-wasm-opt=\"z\"", "data-wasm-opt=\"0\"");
        assert_eq!(rust_link(&off).unwrap().wasm_opt, None);
        assert!(rust_link("<html><head></head></html>").is_err());
        let two = TEMPLATE.replace(
            "</head>",
            "<link data-trunk rel=\"rust\" data-bin=\"b\" /></head>",
        );
        assert!(rust_link(&two).is_err());
    }

    #[test]
    fn the_page_gets_its_style_inline_its_module_and_preloads() {
        let folder = std::env::temp_dir().join(format!("xtask-page-{}", std::process::id()));
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join("style.css"), "body { margin: 0 }").unwrap();
        let files = Files {
            script: "app-00ff.js".to_owned(),
            module: "app-00ff_bg.wasm".to_owned(),
        };
        let html = render(TEMPLATE, &folder, &files).unwrap();
        fs::remove_dir_all(&folder).unwrap();
        assert!(!html.contains("data-trunk"), "{html}");
        assert!(html.contains("<style>body { margin: 0 }</style>"), "{html}");
        assert!(
            html.contains("import init from '/app-00ff.js';\nawait init({ module_or_path: '/app-00ff_bg.wasm' });"),
            "{html}"
        );
        let preload = html
            .find("rel=\"modulepreload\" href=\"/app-00ff.js\"")
            .unwrap();
        assert!(preload < html.find("</head>").unwrap(), "{html}");
        assert!(html.ends_with("<body></body>\n</html>\n"), "{html}");
    }

    #[test]
    fn a_link_this_build_does_not_know_fails_it() {
        let sass = TEMPLATE.replace("rel=\"inline\"", "rel=\"sass\"");
        let error = render(
            &sass,
            Path::new("."),
            &Files {
                script: String::new(),
                module: String::new(),
            },
        )
        .unwrap_err();
        assert!(error.to_string().contains("rel=\"sass\""), "{error}");
    }

    #[test]
    fn the_hash_names_the_content() {
        assert_eq!(content_hash(b"wasm"), content_hash(b"wasm"));
        assert_ne!(content_hash(b"wasm"), content_hash(b"wasm2"));
    }
}
