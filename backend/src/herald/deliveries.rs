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
///
/// # Examples
///
/// Read as a stream, an event of another type on the same topics comes as
/// [`Delivery::Unknown`], with its id and its JSON:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::StreamExt;
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::Herald;
/// use herald_wire::{Delivery, Event, Topic, TopicPattern};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum Note {
///     Posted { text: String },
/// }
///
/// let herald = Herald::<Note>::builder().build().await?;
/// let mut notes = herald.subscribe([TopicPattern::parse("notes/*")?], None)?;
/// let topic = Topic::parse("notes/today")?;
/// herald.publish(&topic, &Note::Posted { text: "hello".to_owned() }).await?;
/// // Another publisher, of another type, through the same broker.
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// let other = herald.broker().publish(topic, &chat).await?;
///
/// let read: Vec<Delivery<Note>> = notes.by_ref().take(2).collect().await;
/// assert!(matches!(&read[0], Delivery::Event(envelope) if matches!(envelope.event, Note::Posted { .. })));
/// assert!(matches!(&read[1], Delivery::Unknown(unknown) if unknown.id == other && unknown.kind.as_str() == "chat"));
/// herald.close().await;
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use herald_hub::Herald;
    /// # use herald_wire::{Delivery, Event, Topic, TopicPattern};
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, Event)]
    /// # #[serde(tag = "type", rename_all = "snake_case")]
    /// # enum Note { Posted { text: String } }
    /// let herald = Herald::<Note>::builder().build().await?;
    /// let mut notes = herald.subscribe([TopicPattern::parse("notes/*")?], None)?;
    /// let posted = Note::Posted { text: "hello".to_owned() };
    /// let id = herald.publish(&Topic::parse("notes/today")?, &posted).await?;
    /// let Delivery::Event(envelope) = notes.next().await else {
    ///     panic!("expected the note");
    /// };
    /// assert_eq!((envelope.id, envelope.event), (id, posted));
    /// # herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next(&mut self) -> Delivery<E> {
        typed(self.subscription.next().await)
    }

    /// The next delivery if one is ready.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use herald_hub::Herald;
    /// # use herald_wire::{Delivery, Event, Topic, TopicPattern};
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, Event)]
    /// # #[serde(tag = "type", rename_all = "snake_case")]
    /// # enum Note { Posted { text: String } }
    /// let herald = Herald::<Note>::builder().build().await?;
    /// let mut notes = herald.subscribe([TopicPattern::parse("notes/*")?], None)?;
    /// let posted = Note::Posted { text: "hello".to_owned() };
    /// assert!(notes.try_next().is_none(), "nothing published yet");
    /// herald.publish(&Topic::parse("notes/today")?, &posted).await?;
    /// assert!(matches!(notes.try_next(), Some(Delivery::Event(_))));
    /// # herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_next(&mut self) -> Option<Delivery<E>> {
        self.subscription.try_next().map(typed)
    }

    /// Where to resume (with [`Herald::subscribe`](super::Herald::subscribe)
    /// or a browser's `Last-Event-ID`) to miss nothing delivered from here
    /// on; see [`Subscription::position`].
    ///
    /// # Examples
    ///
    /// A reader that stops and comes back later resumes where it was:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use herald_hub::Herald;
    /// # use herald_wire::{Delivery, Event, Topic, TopicPattern};
    /// # #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize, Event)]
    /// # #[serde(tag = "type", rename_all = "snake_case")]
    /// # enum Note { Posted { text: String } }
    /// let herald = Herald::<Note>::builder().build().await?;
    /// let mut notes = herald.subscribe([TopicPattern::parse("notes/*")?], None)?;
    /// let posted = Note::Posted { text: "hello".to_owned() };
    /// let topic = Topic::parse("notes/today")?;
    /// herald.publish(&topic, &posted).await?;
    /// notes.next().await;
    /// let position = notes.position();
    /// drop(notes);
    ///
    /// let missed = herald.publish(&topic, &posted).await?;
    /// let mut again = herald.subscribe([TopicPattern::parse("notes/*")?], position)?;
    /// assert!(matches!(again.next().await, Delivery::Event(envelope) if envelope.id == missed));
    /// # herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
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
