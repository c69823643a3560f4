//! The client's own limits: open files and ephemeral ports. Each stream is
//! one socket, so a run that asks for more streams than the process may
//! open would fail part way, or measure fewer streams than it says; the
//! tool checks first and refuses instead.

use std::net::{IpAddr, Ipv4Addr};

use anyhow::{Context, bail};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Printed after `--help`.
pub(crate) const HELP: &str = "\
Limits: the tool raises its soft open-files limit to the hard one at start and \
refuses a run whose streams would not fit under it (less 64 for everything else); \
split such a run over several processes, e.g. two `herald-load idle` at once. \
Past 25,000 connections to an IPv4 address it binds its sockets to 127.0.0.1, \
127.0.0.2, ... in turn, since each source address has about 28,000 ephemeral \
ports; to `localhost` or `::1` one source address bounds a run to about 28,000 \
connections. Herald itself lets one address hold `--max-streams-per-ip` streams \
(1,000 by default) and make `--publish-rate` publishes a second: start it with \
higher caps for larger runs. Every URL must be loopback: the tool drives servers \
on this machine only.";

/// Descriptors kept free of streams: the runtime, the publishers'
/// connections, /proc readings, stdio.
const MARGIN: u64 = 64;

/// Connections per source address before the next one is used: Linux's
/// default ephemeral range (32768–60999) has 28,232 ports, less some room
/// for connections in `TIME_WAIT`.
pub(crate) const PER_SOURCE_ADDRESS: usize = 25_000;

/// Raises the soft open-files limit to the hard one, what `ulimit -n` would
/// have to be asked for by hand.
pub(crate) fn raise_open_files() -> anyhow::Result<()> {
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    if current != maximum {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: maximum,
                maximum,
            },
        )
        .context("raising the open-files limit to the hard limit")?;
    }
    Ok(())
}

/// Refuses at once a run of `sockets` connections that the open-files limit
/// would not let it open.
pub(crate) fn ensure_room(sockets: usize) -> anyhow::Result<()> {
    check_room(sockets, getrlimit(Resource::Nofile).current)
}

/// Source addresses for `connections` streams, taken in turn: the default
/// (`None`, the kernel picks 127.0.0.1) while one address has ports enough,
/// then 127.0.0.2, 127.0.0.3, ... for an IPv4 target. All of `127.0.0.0/8`
/// is this machine on Linux, so no setup is needed.
pub(crate) fn source_addresses(connections: usize, ipv4: bool) -> Vec<Option<IpAddr>> {
    if !ipv4 || connections <= PER_SOURCE_ADDRESS {
        return vec![None];
    }
    let count = connections.div_ceil(PER_SOURCE_ADDRESS).min(254);
    (0..count)
        .map(|index| {
            let last = u8::try_from(index + 1).expect("at most 254 source addresses");
            Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        })
        .collect()
}

/// The check behind [`ensure_room`], with the soft limit given (`None`:
/// unlimited).
fn check_room(sockets: usize, soft: Option<u64>) -> anyhow::Result<()> {
    let Some(soft) = soft else {
        return Ok(());
    };
    let room = soft.saturating_sub(MARGIN);
    if u64::try_from(sockets).unwrap_or(u64::MAX) > room {
        bail!(
            "{sockets} connections asked for, but the open-files limit is {soft} \
             (the hard limit; {MARGIN} are kept for everything else), so at most {room} fit: \
             split the run over several processes (e.g. two `herald-load idle --streams {}` \
             at once) or raise the hard limit (`ulimit -Hn`, systemd's LimitNOFILE)",
            sockets.div_ceil(2)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_that_fits_the_limit_passes() {
        assert!(check_room(1000, Some(1024 + MARGIN)).is_ok());
        assert!(check_room(1_000_000, None).is_ok());
    }

    #[test]
    fn a_run_past_the_limit_names_it_and_suggests_splitting() {
        let error = check_room(20_000, Some(20_000)).unwrap_err().to_string();
        assert!(error.contains("20000"), "{error}");
        assert!(error.contains("several processes"), "{error}");
    }

    #[test]
    fn one_source_address_serves_a_small_run() {
        assert_eq!(source_addresses(PER_SOURCE_ADDRESS, true), vec![None]);
        assert_eq!(source_addresses(100_000, false), vec![None]);
    }

    #[test]
    fn a_large_run_spreads_over_loopback_source_addresses() {
        let sources = source_addresses(60_000, true);
        assert_eq!(
            sources,
            [1, 2, 3]
                .map(|last| Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))))
                .to_vec()
        );
    }
}
