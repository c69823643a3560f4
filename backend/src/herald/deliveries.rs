//! [`Deliveries`]: a hub subscription read as an app's own event type.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use herald_wire::{Delivery, Event, EventId, Unknown};

use crate::hub::{Frame, Framed, Subscription};

/// A subscription's events decoded as `E`, in id order; a
/// [`futures_util::Stream`] that never ends by itself (drop it to leave).
///
/// An event that is not an `E` (another publisher's kind, or the hub's own
/// figures under a pattern that covers `system/`) is delivered as
/// [`Delivery::Unknown`] rather than dropped, so a reader sees every id.
pub struct Deliveries<E> {
    subscription: Subscription,
    event: PhantomData<fn() -> E>,
}

impl<E: Event> Deliveries<E> {
    pub(super) fn new(subscription: Subscription) -> Self {
        Self {
            subscription,
            event: PhantomData,
        }
    }

    /// Waits for the next delivery. Cancel safe: dropping the future loses
    /// nothing.
    pub async fn next(&mut self) -> Delivery<E> {
        typed(self.subscription.next().await)
    }

    /// The next delivery if one is ready.
    pub fn try_next(&mut self) -> Option<Delivery<E>> {
        self.subscription.try_next().map(typed)
    }

    /// Where to resume (with [`Herald::subscribe`](super::Herald::subscribe)
    /// or a browser's `Last-Event-ID`) to miss nothing delivered from here
    /// on; see [`Subscription::position`].
    pub fn position(&self) -> Option<EventId> {
        self.subscription.position()
    }
}

impl<E: Event> futures_util::Stream for Deliveries<E> {
    type Item = Delivery<E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let framed = ready!(self.subscription.poll_next(cx));
        Poll::Ready(Some(typed(framed)))
    }
}

/// A delivery of the hub's, decoded as `E`.
fn typed<E: Event>(framed: Framed) -> Delivery<E> {
    match framed {
        Framed::Gap(gap) => Delivery::Gap(gap),
        Framed::Event(frame) => match frame.envelope::<E>() {
            Ok(envelope) => Delivery::Event(envelope),
            Err(_) => Delivery::Unknown(unknown(&frame)),
        },
    }
}

fn unknown(frame: &Frame) -> Unknown {
    Unknown {
        id: frame.id(),
        topic: frame.topic().clone(),
        kind: frame.kind(),
        json: String::from_utf8_lossy(&frame.json()).into_owned(),
    }
}
