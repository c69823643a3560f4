//! Where the topics of a subscription that follows more than one topic
//! say they have something new: each topic once however much it publishes,
//! so the subscription reads what changed instead of looking at every
//! topic it follows.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use super::signal::Signal;
use super::topic::{TopicCell, lock};

/// One subscription's queue of topics with something new, and its wake-up.
#[derive(Debug)]
pub(super) struct News {
    wake: Arc<Signal>,
    queue: Mutex<Queue>,
}

#[derive(Debug, Default)]
struct Queue {
    cells: Vec<Arc<TopicCell>>,
    /// The keys of `cells`, so a busy topic is queued once.
    keys: HashSet<u64>,
}

impl News {
    pub(super) fn new(wake: Arc<Signal>) -> Self {
        Self {
            wake,
            queue: Mutex::default(),
        }
    }

    /// Says that `cell` has something new, and wakes the subscription.
    pub(super) fn tell(&self, cell: &Arc<TopicCell>) {
        {
            let mut queue = lock(&self.queue);
            if queue.keys.insert(cell.key) {
                queue.cells.push(Arc::clone(cell));
            }
        }
        self.wake.raise();
    }

    /// The topics told since the last take, each once.
    pub(super) fn take(&self) -> Vec<Arc<TopicCell>> {
        let mut queue = lock(&self.queue);
        queue.keys.clear();
        std::mem::take(&mut queue.cells)
    }
}
