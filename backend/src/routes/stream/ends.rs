//! When a stream looks at its ends: the server's shutdown, its token's
//! expiry and the keep-alive timer.
//!
//! A stream's body is polled for every delivery, and the ends come seldom,
//! but polling them is not free: the shutdown token locks its waiter list
//! on every poll and a timer re-registers its waker. So the ends are polled
//! with a waker of their own, which notes that it was woken before it wakes
//! the task, and are looked at again only once it noted a wake-up, or when
//! the body is polled for another task than the one they would wake.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Wake, Waker};

/// The waker the ends are polled with, once they have been.
#[derive(Default)]
pub(super) struct Ends {
    waker: Option<Arc<Noting>>,
}

/// Notes a wake-up, then passes it on to the task.
struct Noting {
    woken: AtomicBool,
    task: Waker,
}

impl Wake for Noting {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake_by_ref();
    }
}

impl Ends {
    /// The waker to poll the ends with now, or `None` when none of them
    /// can have come since they were last polled: nothing woke their
    /// waker, and it still wakes `cx`'s task.
    pub(super) fn due(&mut self, cx: &Context<'_>) -> Option<Waker> {
        if let Some(noting) = &self.waker
            && noting.task.will_wake(cx.waker())
        {
            // Taken before the ends are polled: a wake-up during or after
            // that poll is noted for the next look.
            let woken =
                noting.woken.load(Ordering::Acquire) && noting.woken.swap(false, Ordering::AcqRel);
            return woken.then(|| Waker::from(Arc::clone(noting)));
        }
        let noting = Arc::new(Noting {
            woken: AtomicBool::new(false),
            task: cx.waker().clone(),
        });
        self.waker = Some(Arc::clone(&noting));
        Some(Waker::from(noting))
    }

    /// Has the ends looked at on the next poll: one of them was ready and
    /// must be polled again to wait for its next time.
    pub(super) fn again(&self) {
        if let Some(noting) = &self.waker {
            noting.woken.store(true, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn task() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&count));
        (count, waker)
    }

    #[test]
    fn due_first_then_only_after_a_wake_up_or_on_another_task() {
        let (count, waker) = task();
        let cx = Context::from_waker(&waker);
        let mut ends = Ends::default();
        let first = ends.due(&cx).expect("never polled: due");
        assert!(ends.due(&cx).is_none());
        // An end wakes its waker: the task is woken, and the ends are due once.
        first.wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(ends.due(&cx).is_some());
        assert!(ends.due(&cx).is_none());
        ends.again();
        assert!(ends.due(&cx).is_some());
        assert!(ends.due(&cx).is_none());
        // Polled for another task: due, and from then on they wake that one.
        let (other_count, other) = task();
        let other_cx = Context::from_waker(&other);
        let moved = ends.due(&other_cx).expect("another task: due");
        assert!(ends.due(&other_cx).is_none());
        moved.wake();
        assert_eq!(other_count.0.load(Ordering::SeqCst), 1);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
    }
}
