//! The process's open-files limit. Every connection is a file descriptor,
//! so the binary raises the soft limit to the hard one at start (what
//! `ulimit -n` would have to be asked for by hand), and the hub keeps its
//! connection cap below the soft limit, with room for everything else it
//! opens (the listener, Redis, the web app's files, refusals).

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors kept free of connections for everything else the hub opens.
pub(crate) const RESERVE: u64 = 256;

/// The open-files limits, `None` where unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    /// The soft limit, what the process may open.
    pub soft: Option<u64>,
    /// The hard limit, what the soft one may be raised to.
    pub hard: Option<u64>,
}

/// The limits now.
///
/// # Examples
///
/// ```
/// let limits = herald_hub::open_files::current();
/// if let (Some(soft), Some(hard)) = (limits.soft, limits.hard) {
///     assert!(soft <= hard);
/// }
/// ```
pub fn current() -> OpenFiles {
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    OpenFiles {
        soft: current,
        hard: maximum,
    }
}

/// Raises the soft limit to the hard one; returns the limits before and
/// after.
///
/// # Errors
/// When the system refuses (the limits then stay as they were).
///
/// # Examples
///
/// ```
/// let (before, after) = herald_hub::open_files::raise()?;
/// assert_eq!(after.soft, before.hard);
/// assert_eq!(after, herald_hub::open_files::current());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn raise() -> std::io::Result<(OpenFiles, OpenFiles)> {
    let before = current();
    if before.soft != before.hard {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: before.hard,
                maximum: before.hard,
            },
        )?;
    }
    Ok((before, current()))
}

/// The most connections the soft limit leaves room for.
pub(crate) fn connection_room() -> usize {
    let soft = current().soft.unwrap_or(u64::MAX);
    usize::try_from(soft.saturating_sub(RESERVE).max(16)).unwrap_or(usize::MAX)
}
