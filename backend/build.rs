//! Builds the web app into the binary when `HERALD_EMBED_DIR` names it, and
//! names the commit the binary is built from (see [`commit`]).
//!
//! The variable names the built page's directory (relative to the workspace
//! root, so `HERALD_EMBED_DIR=dist cargo install --path backend` works from
//! there). Every file below it becomes an `Asset` in
//! `$OUT_DIR/embedded.rs`, which `static_files/embedded.rs` includes: its
//! path, content type, a strong ETag (the first 16 bytes of its SHA-256, in
//! hex), its bytes by `include_bytes!`, and for text, scripts and wasm a gzip
//! copy compressed here at the best level, kept only when smaller. So the
//! hub compresses nothing at run time, and nothing of flate2 is linked in.
//!
//! Without the variable the table is empty and nothing is watched: a
//! `rerun-if-changed` on a `dist/` that does not exist would run this script
//! again on every build.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

/// The variable naming the directory to embed.
const EMBED_DIR: &str = "HERALD_EMBED_DIR";

/// What a packager building outside a git checkout (from the crate, or a
/// source tarball) sets to the commit the sources are.
const COMMIT: &str = "HERALD_COMMIT";

fn main() {
    println!("cargo::rustc-env={COMMIT}={}", commit());
    println!("cargo::rerun-if-env-changed={EMBED_DIR}");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let table = match env::var_os(EMBED_DIR) {
        None => "&[]".to_owned(),
        Some(dir) if dir.is_empty() => "&[]".to_owned(),
        Some(dir) => {
            let root = page_root(Path::new(&dir));
            println!("cargo::rerun-if-changed={}", root.display());
            table(&root, &out_dir)
        }
    };
    fs::write(out_dir.join("embedded.rs"), table).expect("OUT_DIR is writable");
}

/// The commit `herald --version` and `herald_build_info` name: `HERALD_COMMIT`
/// when set, else git's short hash of `HEAD`, else `unknown` (no git, or not
/// a checkout). The script runs again when `HEAD` moves: on a checkout
/// (`HEAD`'s file) or a commit (the branch's ref, loose or packed). It does
/// not mark a tree with uncommitted changes: that would mean watching the
/// index, which every `git add` touches, and rebuilding the hub and all
/// that links it each time.
fn commit() -> String {
    println!("cargo::rerun-if-env-changed={COMMIT}");
    if let Some(commit) = env::var_os(COMMIT) {
        return commit.to_string_lossy().into_owned();
    }
    let Some(hash) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".to_owned();
    };
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for file in ["HEAD", "packed-refs"].into_iter().chain(branch.as_deref()) {
        // A watched file that does not exist would run the script on every
        // build: a branch's ref is loose or packed, not both.
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", file])
            && Path::new(&path).exists()
        {
            println!("cargo::rerun-if-changed={path}");
        }
    }
    hash
}

/// What `git args` printed, trimmed, when git ran and succeeded in the
/// crate's directory.
fn git(args: &[&str]) -> Option<String> {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")?;
    let output = Command::new("git")
        .args(args)
        .current_dir(manifest_dir)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `dir` made absolute against the workspace root, after checking that it
/// holds a built page.
fn page_root(dir: &Path) -> PathBuf {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let workspace = manifest_dir
        .parent()
        .expect("backend/ lies inside the workspace root");
    let root = workspace.join(dir);
    let index = root.join("index.html");
    assert!(
        index.is_file(),
        "{EMBED_DIR} names {}, but {} is missing: build the page first with \
         `cargo xtask page` (or `cargo xtask dist`, which builds both)",
        root.display(),
        index.display()
    );
    fs::canonicalize(&root)
        .unwrap_or_else(|error| panic!("cannot resolve {}: {error}", root.display()))
}

/// The Rust expression of the asset table for every file below `root`, in
/// path order, writing the gzip copies into `out_dir`.
fn table(root: &Path, out_dir: &Path) -> String {
    let gzip_dir = out_dir.join("embedded-gzip");
    // Copies of an earlier build may no longer match any file.
    let _ = fs::remove_dir_all(&gzip_dir);
    fs::create_dir_all(&gzip_dir).expect("OUT_DIR is writable");
    let mut files = Vec::new();
    walk(root, root, &mut files);
    files.sort();
    let mut table = String::from("&[\n");
    for (index, (path, file)) in files.iter().enumerate() {
        let bytes = fs::read(file)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
        let content_type = content_type(path);
        let gzip = compressible(content_type)
            .then(|| gzip(&bytes))
            .filter(|compressed| compressed.len() < bytes.len())
            .map(|compressed| {
                let copy = gzip_dir.join(format!("{index}.gz"));
                fs::write(&copy, &compressed).expect("OUT_DIR is writable");
                encoded(&copy, &compressed)
            });
        let _ = write!(
            table,
            "    Asset {{\n        path: {path:?},\n        content_type: {content_type:?},\n        \
             identity: {},\n        gzip: {},\n    }},\n",
            encoded(file, &bytes),
            gzip.map_or_else(|| "None".to_owned(), |gzip| format!("Some({gzip})")),
        );
    }
    table.push(']');
    table
}

/// Every file below `dir` as its `/`-separated path relative to `root` and
/// its absolute path. Hidden entries (trunk's `.stage`, an editor's files)
/// are skipped.
fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        let path = entry.path();
        let name = entry.file_name();
        let name = name
            .to_str()
            .unwrap_or_else(|| panic!("{} is not a UTF-8 name", path.display()));
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, files);
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("the walk stays below its root")
                .components()
                .map(|component| component.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((relative, path));
        }
    }
}

/// `Encoded { bytes, etag }` for the file at `file` holding `bytes`.
fn encoded(file: &Path, bytes: &[u8]) -> String {
    let file = file
        .to_str()
        .unwrap_or_else(|| panic!("{} is not a UTF-8 path", file.display()));
    format!(
        "Encoded {{ bytes: include_bytes!({file:?}), etag: {:?} }}",
        etag(bytes)
    )
}

/// A strong ETag: the first 16 bytes of the SHA-256 of `bytes`, in hex.
fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex = digest.iter().take(16).fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    });
    format!("\"{hex}\"")
}

/// The Content-Type of the file at `path`, by its extension.
fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Whether a gzip copy of a file of `content_type` is worth trying: text,
/// scripts and wasm shrink; images and fonts are compressed already.
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/wasm")
        || content_type.starts_with("application/json")
        || content_type.starts_with("application/manifest+json")
        || content_type.starts_with("image/svg+xml")
}

/// `bytes` gzipped at the best compression.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .expect("compressing into memory cannot fail")
}
