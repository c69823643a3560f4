//! `cargo xtask image`: Herald's OCI image, built `FROM scratch` around the
//! static binary of `cargo xtask dist --target x86_64-unknown-linux-musl`,
//! then checked as a container runtime would take it.
//!
//! The image holds one file, `/herald` (the page is inside it), runs it as
//! `serve` as user 65532 (no root, no shell, nothing else to exploit), and
//! listens on every interface of the container (`HERALD_ADDR=0.0.0.0:3000`).
//! Its labels are the OCI annotations registries and scanners read: title,
//! description, version, revision (the commit), licenses and source.
//!
//! Built with Debian's buildah on its `vfs` storage, which needs neither a
//! daemon nor mounts, into `target/artifacts/herald-VERSION-oci.tar` (an
//! `oci-archive`: `podman load -i` or `skopeo copy oci-archive:...` take it)
//! and an OCI layout beside it. A container cannot be started on every
//! build machine, so the check unpacks the image as a runtime would
//! (Debian's umoci: the root filesystem and the runtime's `config.json`),
//! then reads the user, command and environment from that config and runs
//! the command from the unpacked root filesystem as that user: `--version`
//! names the version, and the hub answers `/healthz` and serves the page.

use std::{
    fs,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};

use crate::{
    dist, setup,
    step::{self, Step},
};

/// The user the image runs as: not root, and no user of the build machine.
const USER: &str = "65532";

/// What buildah and umoci come from.
const PACKAGES: [(&str, &str); 2] = [("buildah", "/usr/bin/buildah"), ("umoci", "/usr/bin/umoci")];

/// Runs `cargo xtask image`.
///
/// # Errors
/// Names the step that failed, or what the built image got wrong.
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask image; got {args:?}");
    }
    let artifact = dist::build(Some(dist::MUSL))?;
    setup::debian(&PACKAGES)?;
    let dir = artifact
        .binary
        .parent()
        .context("the binary has a folder")?
        .to_path_buf();
    let tag = format!("localhost/herald:{}", artifact.version);
    let archive = dir.join(format!("herald-{}-oci.tar", artifact.version));
    let layout = dir.join(format!("herald-{}-oci", artifact.version));
    build(&artifact, &tag, &archive, &layout)?;
    check(&layout, &artifact.version)?;
    let size = fs::metadata(&archive)
        .with_context(|| format!("cannot read {}", archive.display()))?
        .len();
    print_image(&archive, &tag, size);
    Ok(())
}

/// `buildah` with the daemonless storage every machine can use.
fn buildah(name: &'static str, args: &[&str]) -> anyhow::Result<String> {
    let mut all = vec!["--storage-driver", "vfs"];
    all.extend_from_slice(args);
    Step::new(name, "buildah", all)?.output()
}

fn build(
    artifact: &dist::Artifact,
    tag: &str,
    archive: &Path,
    layout: &Path,
) -> anyhow::Result<()> {
    let binary = artifact.binary.to_string_lossy();
    let container = buildah("start the image", &["from", "scratch"])?;
    let container = container.trim();
    let mut labels =
        vec![
        "org.opencontainers.image.title=Herald".to_owned(),
        "org.opencontainers.image.description=A typed real-time push hub over Server-Sent Events"
            .to_owned(),
        format!("org.opencontainers.image.version={}", artifact.version),
        format!("org.opencontainers.image.revision={}", commit(&artifact.binary)?),
        "org.opencontainers.image.licenses=MIT OR Apache-2.0".to_owned(),
    ];
    // The repository people can read the source at: the checkout's own
    // remote, when it is a public URL.
    if let Some(remote) = step::probe("git", &["remote", "get-url", "origin"])
        .map(|remote| remote.trim().to_owned())
        .filter(|remote| remote.starts_with("https://"))
    {
        labels.push(format!("org.opencontainers.image.source={remote}"));
    }
    let user = format!("{USER}:{USER}");
    let result = (|| {
        buildah(
            "copy the binary in",
            &[
                "copy", "--chown", &user, "--chmod", "0555", container, &binary, "/herald",
            ],
        )?;
        let mut config = vec![
            "config",
            "--entrypoint",
            r#"["/herald"]"#,
            "--cmd",
            "serve",
            "--user",
            &user,
            "--port",
            "3000",
            "--env",
            "HERALD_ADDR=0.0.0.0:3000",
            "--env",
            "HERALD_LOG_FORMAT=json",
        ];
        for label in &labels {
            config.extend(["--label", label.as_str()]);
        }
        config.push(container);
        buildah("configure the image", &config)?;
        buildah(
            "commit the image",
            &["commit", "--format", "oci", "--rm", container, tag],
        )
    })();
    if result.is_err() {
        let _ = buildah("remove the half-built image", &["rm", container]);
    }
    result?;
    let _ = fs::remove_file(archive);
    let _ = fs::remove_dir_all(layout);
    let archive = format!("oci-archive:{}:{tag}", archive.to_string_lossy());
    buildah("write the image archive", &["push", tag, &archive])?;
    let layout = format!("oci:{}:{}", layout.to_string_lossy(), "herald");
    buildah("write the image layout", &["push", tag, &layout])?;
    Ok(())
}

/// The commit the binary says it was built from (`herald --version`).
fn commit(binary: &Path) -> anyhow::Result<String> {
    let printed = Step::new("read the binary's commit", binary, ["--version"])?.output()?;
    printed
        .trim()
        .rsplit_once("(commit ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .map(str::to_owned)
        .with_context(|| format!("`herald --version` printed {printed:?}"))
}

/// Unpacks the image at `layout` as a runtime would and runs it.
fn check(layout: &Path, version: &str) -> anyhow::Result<()> {
    let bundle = layout.with_extension("bundle");
    let _ = fs::remove_dir_all(&bundle);
    let image = format!("{}:herald", layout.to_string_lossy());
    Step::new(
        "unpack the image",
        "umoci",
        ["unpack", "--image", &image, &bundle.to_string_lossy()],
    )?
    .output()?;
    let config_path = bundle.join("config.json");
    let config = fs::read_to_string(&config_path)
        .with_context(|| format!("cannot read {}", config_path.display()))?;
    let compact: String = config.split_whitespace().collect();
    for wanted in [
        format!("\"uid\":{USER}"),
        format!("\"gid\":{USER}"),
        "\"args\":[\"/herald\",\"serve\"]".to_owned(),
        "\"HERALD_ADDR=0.0.0.0:3000\"".to_owned(),
    ] {
        ensure!(
            compact.contains(&wanted),
            "the image's runtime config lacks {wanted}: {config}"
        );
    }
    let rootfs = bundle.join("rootfs");
    let mut files = Vec::new();
    for entry in
        fs::read_dir(&rootfs).with_context(|| format!("cannot list {}", rootfs.display()))?
    {
        files.push(entry?.file_name().to_string_lossy().into_owned());
    }
    ensure!(
        files == ["herald"],
        "the image holds /herald alone, not {files:?}"
    );
    let herald = rootfs.join("herald");
    let printed = as_user(&herald, &["--version"])
        .output()
        .context("cannot run the image's /herald")?;
    let printed = String::from_utf8_lossy(&printed.stdout);
    ensure!(
        printed.starts_with(&format!("herald {version} (commit ")),
        "the image's herald --version printed {printed:?}"
    );
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let mut hub = Running(
        as_user(
            &herald,
            &["serve", "--addr", &addr, "--no-metrics", "--no-hub-stats"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the image's /herald")?,
    );
    let health = get_when_up(&addr, "/healthz", &mut hub)?;
    ensure!(
        health.starts_with("HTTP/1.1 200"),
        "/healthz answered {health:?}"
    );
    let page = get_when_up(&addr, "/", &mut hub)?;
    ensure!(
        page.starts_with("HTTP/1.1 200") && page.contains("<title>Herald</title>"),
        "/ answered {page:?}"
    );
    eprintln!("    ok: the unpacked image runs as {USER}, answers /healthz and serves the page");
    drop(hub);
    fs::remove_dir_all(&bundle).with_context(|| format!("cannot remove {}", bundle.display()))?;
    Ok(())
}

/// The command `program args` run as the image's user, as a runtime would.
fn as_user(program: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("/usr/bin/setpriv");
    command
        .args(["--reuid", USER, "--regid", USER, "--clear-groups", "--"])
        .arg(program)
        .args(args)
        .env_clear();
    command
}

/// A hub started from the image, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` from the hub at `addr`, once it accepts connections (for up
/// to ten seconds, as long as it runs): the status line, headers and body.
fn get_when_up(addr: &str, path: &str, hub: &mut Running) -> anyhow::Result<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = hub.0.try_wait()? {
            bail!("the image's hub exited with {status}");
        }
        match TcpStream::connect(addr) {
            Ok(mut stream) => {
                write!(
                    stream,
                    "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                )?;
                let mut reply = String::new();
                stream.read_to_string(&mut reply)?;
                return Ok(reply);
            }
            Err(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            Err(error) => bail!("the image's hub does not accept on {addr}: {error}"),
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the image's file, tag and size are the command's answer"
)]
fn print_image(archive: &Path, tag: &str, size: u64) {
    let mebibytes = size as f64 / (1024.0 * 1024.0);
    println!(
        "{} ({mebibytes:.1} MiB; `podman load -i` it, or use {tag} from buildah's vfs storage)",
        archive.display()
    );
}
