//! The hub's one sequence: numbers claimed in publish order across all
//! topics, and the watermark below which every claimed number is complete.
//!
//! A publisher claims its number while it holds the lock of the topic it
//! appends to, so each topic's frames are in sequence order, and completes
//! it once the frame is appended. Completion is in order: a number is
//! published only after every smaller one, so readers that never go past
//! [`Sequence::published`] see, on every topic, every event below any event
//! they see. That is what lets a stream over many topics, each under its
//! own lock, deliver in one id order without a lock over all of them.
//!
//! A hub that replicates a cluster's sequence takes the numbers it is
//! given instead ([`Sequence::claim_at`]): one task feeds it, in order, and
//! numbers it never gets (its budget's or the cluster's losses) are simply
//! passed over.
//!
//! The window between a claim and its completion is a few hundred
//! nanoseconds (building the frame from bytes encoded before, and a push),
//! so a publisher that waits for its predecessor spins briefly rather than
//! sleeping; it never waits while a claim of its own is open.

use std::sync::atomic::Ordering;

use super::padded::Padded;

/// Claims and the watermark of published numbers, each on a cache line of
/// its own: claiming and publishing do not invalidate each other.
#[derive(Debug, Default)]
pub(super) struct Sequence {
    claimed: Padded,
    published: Padded,
}

/// Where an appended event's number comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Numbering {
    /// The next of the hub's own sequence.
    Next,
    #[cfg(feature = "cluster")]
    /// The cluster's, given.
    Given(u64),
}

/// A claimed number; dropping it completes it, also on an early return or
/// a panic, so the watermark can never stall behind an abandoned publish.
#[must_use = "dropping a claim completes it"]
pub(super) struct Claim<'a> {
    sequence: &'a Sequence,
    number: u64,
    /// The number claimed before it, which must be complete first.
    previous: u64,
}

impl Sequence {
    /// Claims the number `numbering` names; `None` when a given number is
    /// not new ([`Sequence::claim_at`]).
    pub(super) fn claim_by(&self, numbering: Numbering) -> Option<Claim<'_>> {
        match numbering {
            Numbering::Next => Some(self.claim()),
            #[cfg(feature = "cluster")]
            Numbering::Given(number) => self.claim_at(number),
        }
    }

    /// Claims the next number; the first is 1.
    pub(super) fn claim(&self) -> Claim<'_> {
        // SeqCst, as the watchers' count is read after it (`watchers`).
        let number = self.claimed.0.fetch_add(1, Ordering::SeqCst) + 1;
        Claim {
            sequence: self,
            number,
            previous: number - 1,
        }
    }

    #[cfg(feature = "cluster")]
    /// Claims `number`, given by the cluster, skipping any below it; `None`
    /// when it is not above every number claimed so far (a replay of what
    /// the hub already has).
    pub(super) fn claim_at(&self, number: u64) -> Option<Claim<'_>> {
        let previous = self.claimed.0.fetch_max(number, Ordering::SeqCst);
        // Built only when it is one: dropping a claim completes it.
        (previous < number).then(|| Claim {
            sequence: self,
            number,
            previous,
        })
    }

    /// Every number at or below this one is complete: its frame appended to
    /// its topic, or its publish abandoned.
    pub(super) fn published(&self) -> u64 {
        self.published.0.load(Ordering::Acquire)
    }

    /// Waits until every number claimed so far is complete, and returns the
    /// watermark then: a subscription that starts from it after registering
    /// as a watcher misses no event whose publisher did not see it (see
    /// `watchers`). As short a wait as a publisher's for its predecessor.
    pub(super) fn settled(&self) -> u64 {
        let claimed = self.claimed.0.load(Ordering::SeqCst);
        let mut spins = 0_u32;
        loop {
            let published = self.published();
            if published >= claimed {
                return published;
            }
            if spins < 100 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    fn complete(&self, number: u64, previous: u64) {
        let mut spins = 0_u32;
        while self.published.0.load(Ordering::Acquire) != previous {
            if spins < 100 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                // The predecessor's thread was preempted inside its window.
                std::thread::yield_now();
            }
        }
        self.published.0.store(number, Ordering::Release);
    }
}

impl Claim<'_> {
    /// The claimed number.
    pub(super) fn number(&self) -> u64 {
        self.number
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.sequence.complete(self.number, self.previous);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn numbers_are_published_in_order_whatever_order_they_complete_in() {
        let sequence = Arc::new(Sequence::default());
        let first = sequence.claim();
        assert_eq!(first.number(), 1);
        let later = {
            let sequence = Arc::clone(&sequence);
            std::thread::spawn(move || {
                let second = sequence.claim();
                let number = second.number();
                // Waits here until 1 is complete.
                drop(second);
                number
            })
        };
        assert_eq!(sequence.published(), 0, "nothing passes an open claim");
        drop(first);
        assert_eq!(later.join().unwrap(), 2);
        assert_eq!(sequence.published(), 2);
    }

    #[test]
    fn given_numbers_skip_ahead_and_refuse_what_is_behind() {
        let sequence = Sequence::default();
        drop(sequence.claim_at(5).expect("5 is ahead"));
        assert_eq!(sequence.published(), 5);
        assert!(sequence.claim_at(5).is_none(), "5 again is a replay");
        assert!(sequence.claim_at(3).is_none(), "3 is behind");
        drop(sequence.claim_at(9).expect("9 is ahead"));
        assert_eq!(sequence.published(), 9);
    }
}
