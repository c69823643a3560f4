//! An atomic on a cache line of its own, so a core writing it does not
//! invalidate the line another core reads a neighbouring field from: what
//! the sequence's two counters and the hub's totals are made of.

use std::sync::atomic::AtomicU64;

/// An `AtomicU64` aligned to 128 bytes: two cache lines on x86-64, whose
/// prefetcher fetches lines in pairs, and one on Apple's ARM cores.
#[repr(align(128))]
#[derive(Debug, Default)]
pub(super) struct Padded(pub(super) AtomicU64);
