//! Handshakes the kernel dropped at a full accept queue over a run
//! (`ListenOverflows` in `/proc/net/netstat`, counted for the whole
//! machine). A connection dropped there is open on the client's side but
//! not yet accepted by the server, until a retransmitted SYN-ACK gets
//! through (after 1, 3, 7, 15, 31 s): a client that sends nothing, as the
//! idle attack's, is then held that much longer than `--idle-timeout`,
//! and any client waits that long for its first answer. The count tells
//! such delays from the hub's own.

/// Where the kernel's TCP counters are.
const NETSTAT: &str = "/proc/net/netstat";

/// The count now; `None` where the kernel does not tell it.
pub(super) fn overflows() -> Option<u64> {
    parse(&std::fs::read_to_string(NETSTAT).ok()?)
}

/// `ListenOverflows` from the text of `/proc/net/netstat`: a line of
/// `TcpExt:` names, then one of their values in the same order.
fn parse(netstat: &str) -> Option<u64> {
    let mut lines = netstat
        .lines()
        .filter_map(|line| line.strip_prefix("TcpExt:"));
    let names = lines.next()?;
    let values = lines.next()?;
    let index = names
        .split_whitespace()
        .position(|name| name == "ListenOverflows")?;
    values.split_whitespace().nth(index)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_found_by_its_name() {
        let netstat = "\
TcpExt: SyncookiesSent ListenOverflows ListenDrops
TcpExt: 3 1914 1920
IpExt: InNoRoutes
IpExt: 0
";
        assert_eq!(parse(netstat), Some(1914));
    }

    #[test]
    fn a_kernel_that_does_not_count_them_tells_nothing() {
        assert_eq!(parse("TcpExt: SyncookiesSent\nTcpExt: 3\n"), None);
        assert_eq!(parse("TcpExt: ListenOverflows\n"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn this_machine_can_be_read() {
        assert!(overflows().is_some());
    }
}
