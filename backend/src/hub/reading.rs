//! How a subscription finds what it reads next. One named topic is read
//! directly. A subscription of several topics, or of patterns, reads from
//! its ready topics in the order of the number each has next (a lower
//! bound, put right when it comes first), so a delivery costs O(log ready
//! topics) however many topics it follows, and a resume over many topics
//! costs what it delivers. A matched topic is read while it has something
//! unread and let go after.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use herald_wire::{EventId, Gap};

use super::topic::{News, TopicCell, TopicState};
use super::{Frame, Framed, Inner};

/// How a subscription finds what it reads next.
pub(super) enum Reading {
    /// One named topic, looked at directly.
    One(Followed),
    /// Several topics, or patterns.
    Many(Many),
}

pub(super) struct Many {
    pub(super) news: Arc<News>,
    /// By cell key: the named topics for as long as the subscription
    /// lives, matched ones while they have something to read or a gap told
    /// past the cursor.
    pub(super) topics: HashMap<u64, Followed>,
    /// `(number, key)` of the topics that may have something unread: at
    /// most the number of the topic's next unread frame, lost ones
    /// included, so the first entry is the next delivery once put right.
    pub(super) ready: BTreeSet<(u64, u64)>,
}

pub(super) struct Followed {
    pub(super) cell: Arc<TopicCell>,
    /// The newest sequence number already reported as lost, so a gap is
    /// told once; `None` until the topic's first gap.
    gap_floor: Option<u64>,
    /// Whether the subscription names it (and is its subscriber).
    pub(super) named: bool,
    /// Its number in `ready`, while it is there.
    ready_at: Option<u64>,
}

impl Followed {
    pub(super) fn new(cell: Arc<TopicCell>, gap_floor: Option<u64>, named: bool) -> Self {
        Self {
            cell,
            gap_floor,
            named,
            ready_at: None,
        }
    }

    /// The gap this topic owes a reader at `cursor`, told from here on:
    /// history it had not delivered was evicted, or, once, the past of
    /// another run.
    pub(super) fn owed_gap(
        &mut self,
        state: &TopicState,
        cursor: u64,
        unknown_past: Option<EventId>,
        epoch: u64,
    ) -> Option<Gap> {
        let told = self.gap_floor;
        let floor = cursor.max(told.unwrap_or(0));
        let unknown_past = unknown_past.filter(|_| told.is_none());
        if state.lost_through <= floor && unknown_past.is_none() {
            return None;
        }
        self.gap_floor = Some(state.lost_through);
        Some(Gap {
            topic: self.cell.name.clone().into(),
            after: unknown_past.unwrap_or(EventId::new(epoch, floor)),
            through: EventId::new(epoch, state.lost_through),
        })
    }

    /// Whether the subscription can let the topic go: matched, not ready,
    /// and owing no memory of a gap past `cursor`.
    pub(super) fn done(&self, cursor: u64) -> bool {
        !self.named && self.ready_at.is_none() && self.gap_floor.is_none_or(|told| told <= cursor)
    }
}

impl Many {
    /// Takes in that `cell` has something new, for subscription `key` at
    /// `cursor`. A matched topic created after the subscription started
    /// owes it no gap for what came before: had the name existed since, it
    /// would have been matched.
    pub(super) fn heard(&mut self, key: u64, cursor: u64, cell: Arc<TopicCell>) {
        let cell_key = cell.key;
        self.topics.entry(cell_key).or_insert_with(|| {
            let gap_floor = (cell.key > key).then_some(cell.floor);
            Followed::new(cell, gap_floor, false)
        });
        self.make_ready(cell_key, cursor);
    }

    /// Puts topic `cell_key` among the ready ones, unless it is there.
    pub(super) fn make_ready(&mut self, cell_key: u64, cursor: u64) {
        if let Some(followed) = self.topics.get_mut(&cell_key)
            && followed.ready_at.is_none()
        {
            // Anything unread, lost or not, is after the cursor.
            let at = cursor.saturating_add(1);
            followed.ready_at = Some(at);
            self.ready.insert((at, cell_key));
        }
    }

    /// Moves topic `cell_key` in `ready` from `from` to `to` (out, for
    /// `None`), and lets a matched topic go once it is done.
    pub(super) fn move_ready(&mut self, cell_key: u64, from: u64, to: Option<u64>, cursor: u64) {
        self.ready.remove(&(from, cell_key));
        if let Some(to) = to {
            self.ready.insert((to, cell_key));
        }
        if let Some(followed) = self.topics.get_mut(&cell_key) {
            followed.ready_at = to;
            if followed.done(cursor) {
                self.topics.remove(&cell_key);
            }
        }
    }
}

/// The next delivery of a subscription of one named topic. A stream that
/// keeps up finds nothing past its cursor after each delivery, which it
/// sees without taking the topic's lock; its ring is in id order, so it
/// needs no watermark.
pub(super) fn next_of_one(
    followed: &mut Followed,
    cursor: &mut u64,
    unknown_past: Option<EventId>,
    epoch: u64,
) -> Option<Framed> {
    if unknown_past.is_none() && followed.cell.mark() <= *cursor {
        return None;
    }
    let cell = Arc::clone(&followed.cell);
    let state = cell.lock();
    if let Some(gap) = followed.owed_gap(&state, *cursor, unknown_past, epoch) {
        return Some(Framed::Gap(gap));
    }
    let frame = state
        .history
        .get(first_after(&state.history, *cursor, Frame::sequence))?
        .clone();
    *cursor = frame.sequence();
    Some(Framed::Event(frame))
}

/// The next delivery of a subscription of several topics or patterns: the
/// first ready topic's next frame once its number is right, never past the
/// published watermark, or the gap a topic owes first.
pub(super) fn next_of_many(
    many: &mut Many,
    key: u64,
    cursor: &mut u64,
    unknown_past: Option<EventId>,
    inner: &Inner,
) -> Option<Framed> {
    // Read before the news: every frame published by now queued its topic
    // before it was, so none is passed over for one of a later number.
    let published = inner.sequence.published();
    for cell in many.news.take() {
        many.heard(key, *cursor, cell);
    }
    loop {
        let &(at, cell_key) = many.ready.first()?;
        if at > published {
            // Its publisher tells the news again once it is published.
            return None;
        }
        let Some(followed) = many.topics.get_mut(&cell_key) else {
            many.ready.remove(&(at, cell_key));
            continue;
        };
        let cell = Arc::clone(&followed.cell);
        let state = cell.lock();
        if let Some(gap) = followed.owed_gap(&state, *cursor, unknown_past, inner.epoch) {
            return Some(Framed::Gap(gap));
        }
        let first = first_after(&state.history, *cursor, Frame::sequence);
        match state.history.get(first) {
            Some(frame) if frame.sequence() == at => {
                let frame = frame.clone();
                let then = state.history.get(first + 1).map(Frame::sequence);
                drop(state);
                *cursor = frame.sequence();
                many.move_ready(cell_key, at, then, *cursor);
                return Some(Framed::Event(frame));
            }
            // Its number was a lower bound: put it right and look again.
            found => {
                let found = found.map(Frame::sequence);
                drop(state);
                many.move_ready(cell_key, at, found, *cursor);
            }
        }
    }
}

/// The index of the first frame of `history` after `cursor`.
///
/// A subscription that keeps up is at the newest frame or the one before
/// it, so those are looked at before a binary search: a search reads a
/// dozen frames of the ring, each behind its own pointer.
fn first_after<T>(history: &VecDeque<T>, cursor: u64, sequence: impl Fn(&T) -> u64) -> usize {
    let len = history.len();
    match (len.checked_sub(1), len.checked_sub(2)) {
        (Some(newest), _) if sequence(&history[newest]) <= cursor => len,
        (Some(newest), Some(before)) if sequence(&history[before]) <= cursor => newest,
        _ => history.partition_point(|frame| sequence(frame) <= cursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_frame_after_a_cursor_is_found_at_either_end() {
        let ring: VecDeque<u64> = [3, 5, 8, 9, 12].into();
        let after = |cursor| first_after(&ring, cursor, |sequence| *sequence);
        for (cursor, index) in [
            (0, 0),
            (3, 1),
            (4, 1),
            (8, 3),
            (9, 4),
            (11, 4),
            (12, 5),
            (40, 5),
        ] {
            assert_eq!(after(cursor), index, "after {cursor}");
        }
        assert_eq!(first_after(&VecDeque::<u64>::new(), 7, |s| *s), 0);
        let one: VecDeque<u64> = [4].into();
        assert_eq!(first_after(&one, 3, |s| *s), 0);
        assert_eq!(first_after(&one, 4, |s| *s), 1);
    }
}
