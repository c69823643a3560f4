//! The wake-up of one subscription: raised by publishers, taken by the
//! subscription's one reader.
//!
//! Lock-free, where a `tokio::sync::Notify` per subscription took its
//! mutex for every publish that woke it and again for every wait: a
//! delivery is a few atomic operations here.

use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

#[derive(Debug, Default)]
pub(super) struct Signal {
    /// The reader's task while it waits.
    waker: AtomicWaker,
    /// Raised since the reader last took it.
    raised: AtomicBool,
}

impl Signal {
    /// Says there may be something new. Kept when the reader is not
    /// waiting, so a raise between its read that found nothing and its
    /// wait is not lost.
    pub(super) fn raise(&self) {
        self.raised.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// `Ready` once raised since it was last `Ready`, else `Pending` with
    /// `cx`'s task woken by the next raise.
    pub(super) fn poll(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.raised.swap(false, Ordering::Acquire) {
            return Poll::Ready(());
        }
        // Registered before looking again: a raise after this look wakes
        // the task, one before it is seen here.
        self.waker.register(cx.waker());
        if self.raised.swap(false, Ordering::AcqRel) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Count(std::sync::atomic::AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_raise_is_kept_until_taken_and_wakes_a_waiting_reader() {
        let count = Arc::new(Count(0.into()));
        let waker = Arc::clone(&count).into();
        let mut cx = Context::from_waker(&waker);
        let signal = Signal::default();
        assert!(signal.poll(&mut cx).is_pending());
        signal.raise();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        // Raised twice before the reader looks: one wake-up.
        signal.raise();
        assert!(signal.poll(&mut cx).is_ready());
        assert!(signal.poll(&mut cx).is_pending());
        // Raised while the reader is not waiting: kept for its next wait.
        signal.raise();
        signal.raise();
        assert!(signal.poll(&mut cx).is_ready());
        assert!(signal.poll(&mut cx).is_pending());
    }
}
