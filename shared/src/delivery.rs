//! [`Delivery`]: what a typed subscriber receives, in a Rust service or in
//! a page: an event of its own type, one of a kind it does not know, or a
//! gap.

use crate::{Envelope, EventId, Gap, Kind, Topic};

/// One item of a typed subscription, in id order.
///
/// A hub carries any kind (another publisher, a newer version of the app,
/// or the hub's own reports may publish kinds the subscriber's type does
/// not have), so a kind the type cannot read is delivered as
/// [`Delivery::Unknown`] rather than failing the stream: an older reader
/// keeps working when the publishers move on.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery<E> {
    /// An event of the subscriber's type.
    Event(Envelope<E>),
    /// An event the subscriber's type cannot read.
    Unknown(Unknown),
    /// Events the subscriber can no longer receive.
    Gap(Gap),
}

/// An event whose kind, or content, is not of the subscriber's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// Its position in the hub's sequence.
    pub id: EventId,
    /// The topic it was published to.
    pub topic: Topic,
    /// Its kind, as the SSE `event:` field named it.
    pub kind: Kind,
    /// Its whole envelope, as the hub sent it.
    pub json: String,
}
