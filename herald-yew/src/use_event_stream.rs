//! [`use_event_stream`]: one `EventSource` for the page, its listeners, the
//! retries after the browser gives up, and the connection status.
//!
//! The decisions are made by `Connection`, plain Rust; this file only
//! carries them out. Everything the stream owns (the `EventSource`, its
//! listeners, a pending retry [`Timeout`]) lives in one `Driver` that the
//! effect's cleanup drops, which closes the source, unregisters every
//! listener and cancels the timer. Listeners reach the driver through a
//! `Weak`, so they never keep it alive: nothing is leaked or `forget()`-ed.
//!
//! With a [`StreamSource::history`] the driver first loads the recent
//! events, hands them over as one batch and only then opens the stream,
//! resuming where the history reply says (`resume_after`). The load holds only a `Weak` too: once
//! the source changes or the page unmounts, the driver is gone and a late
//! reply is dropped unread.
//!
//! A source replaced by one with the same history (the same topics, another
//! token) resumes after the newest id the old one saw, instead of loading
//! the history again: the history holds only the newest events of each
//! topic, so a page that was refused for a while would skip, without a
//! gap, what fell between; resumed, the hub replays it, or says what it no
//! longer has. The id is carried from the old driver's cleanup to the new
//! driver's start.
//!
//! When the browser gives up on a stream, the connection asks for a
//! `Command::Check`: the driver requests the same URL once with `fetch`
//! (`http::stream_refusal`), which can read the status an `EventSource`
//! hides, and reports a 401 or 403 back as the hub's reason to stop. That
//! check holds only a `Weak` as well.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use herald_wire::protocol::{GAP_EVENT, UNNAMED_EVENT};
use herald_wire::{Event, EventId, Kind};
use wasm_bindgen::JsCast;
use web_sys::js_sys::{Date, Math};
use web_sys::{EventSource, MessageEvent};
use yew::prelude::*;

use crate::backlog::Backlog;
use crate::connection::{Command, Connection, ConnectionState, Signal, StopReason, StreamOptions};
use crate::decode::{DecodeError, Incoming, decode};
use crate::http;
use crate::time::now_us;
use crate::token::Token;

/// The stream's state, and when the last message arrived.
///
/// # Examples
///
/// ```
/// use herald_yew::{ConnectionState, StreamStatus};
///
/// /// Whether the indicator should warn: the stream is down, or quiet for
/// /// longer than `quiet_ms` when the page expects a report every second.
/// fn warn(status: &StreamStatus, now_ms: f64, quiet_ms: f64) -> bool {
///     match status.state {
///         ConnectionState::Live => status.last_event_ms.is_none_or(|last| now_ms - last > quiet_ms),
///         _ => true,
///     }
/// }
///
/// let live = StreamStatus { state: ConnectionState::Live, last_event_ms: Some(10_000.0) };
/// assert!(!warn(&live, 12_000.0, 5_000.0));
/// assert!(warn(&live, 20_000.0, 5_000.0));
/// let down = StreamStatus { state: ConnectionState::Reconnecting { attempt: 1 }, ..live };
/// assert!(warn(&down, 12_000.0, 5_000.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StreamStatus {
    /// Where the stream stands.
    pub state: ConnectionState,
    /// `Date.now()` of the last message, rounded down to the second so the
    /// status changes at most once a second however fast events arrive.
    pub last_event_ms: Option<f64>,
}

/// Where a stream reads from: the hook replaces the stream whenever it is
/// given a source that differs from the last one.
///
/// # Examples
///
/// A private topic, read with a token: in the stream URL, which an
/// `EventSource` cannot send headers with, and as the history's
/// `Authorization`.
///
/// ```
/// use herald_wire::TopicPattern;
/// use herald_wire::protocol::{EVENTS_PATH, Query, TOKEN_PARAM, history_path};
/// use herald_yew::{StreamSource, Token};
///
/// let orders = [TopicPattern::parse("private/orders")?];
/// let token = Token::parse("eyJ.abc.def")?;
/// let source = StreamSource {
///     url: Query::new()
///         .topics(&orders)
///         .param(TOKEN_PARAM, token.as_str())
///         .url(EVENTS_PATH)
///         .into(),
///     history: Some(history_path(&orders, 50).into()),
///     token: Some(token),
/// };
/// assert_eq!(source.url, "/api/events?topic=private/orders&token=eyJ.abc.def");
///
/// // A new token is a new source: the hook replaces the stream.
/// let renewed = StreamSource { token: Some(Token::parse("eyJ.new.one")?), ..source.clone() };
/// assert_ne!(renewed, source);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSource {
    /// The stream URL without a resume position (a stream the hook reopens
    /// itself resumes after the last id it saw, through the
    /// [`LAST_EVENT_ID_PARAM`](herald_wire::protocol::LAST_EVENT_ID_PARAM)). It
    /// carries the token itself, if the stream needs one.
    pub url: AttrValue,
    /// Where to load the [`herald_wire::EventList`] shown before the stream
    /// opens, if anywhere.
    pub history: Option<AttrValue>,
    /// The token the history is read with, as `Authorization: Bearer`.
    pub token: Option<Token>,
}

/// What the stream hands to the page, in order: the history (when the
/// source has one and it loaded), then every live message.
///
/// # Examples
///
/// A page that treats both alike takes each as a batch:
///
/// ```
/// use herald_wire::{Delivery, Event, Gap, EventId, TopicPattern};
/// use herald_yew::{Incoming, StreamMessage};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// fn batch<E>(message: StreamMessage<E>) -> Vec<Incoming<E>> {
///     match message {
///         StreamMessage::History(batch) => batch,
///         StreamMessage::Live(incoming) => vec![incoming],
///     }
/// }
///
/// let gap = Incoming::<ShopEvent> {
///     received_us: 0,
///     message: Ok(Delivery::Gap(Gap {
///         topic: TopicPattern::parse("shop/*")?,
///         after: EventId::new(1, 3),
///         through: EventId::new(1, 9),
///     })),
/// };
/// assert_eq!(batch(StreamMessage::Live(gap.clone())), [gap.clone()]);
/// assert!(batch(StreamMessage::<ShopEvent>::History(Vec::new())).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum StreamMessage<E> {
    /// The history's events, oldest first, as one batch.
    History(Vec<Incoming<E>>),
    /// One message from the stream, decoded or not.
    Live(Incoming<E>),
}

/// Follows `source` (none: stopped, no topics) and returns the stream's
/// status, delivering events of the app's type `E`.
///
/// The stream listens for exactly `E`'s kinds ([`Event::kinds`]), the
/// hub's [`GAP_EVENT`], and unnamed messages (the hub names every event, so
/// one without a name is shown as an error rather than dropped unseen). An
/// event of one of those kinds that `E` cannot read is delivered as
/// [`herald_wire::Delivery::Unknown`]; so is a history event of a kind `E`
/// lacks.
///
/// When the source has a history, first loads it and passes its events to
/// `on_message` as one [`StreamMessage::History`], then opens the stream
/// after the reply's `resume_after`; a failed load passes nothing and opens the
/// stream from now, and the stream stays `Connecting` while history loads.
/// Every stream message then goes to `on_message`, the latest one passed.
/// The stream is replaced only when `source` or `options` change, and
/// closed when the component unmounts; a replacement with the same history
/// URL (only the token changed) resumes after the newest id seen instead of
/// loading the history again.
///
/// # Examples
///
/// A status dot that follows the hub's own reports (this runs only in a
/// browser):
///
/// ```no_run
/// use herald_dashboard_events::{HUB_TOPIC, Payload};
/// use herald_wire::Delivery;
/// use herald_wire::protocol::stream_path;
/// use herald_yew::{ConnectionState, StreamMessage, StreamOptions, StreamSource, use_event_stream};
/// use yew::prelude::*;
///
/// #[component]
/// fn HubStatus() -> Html {
///     let streams = use_state(|| 0_u64);
///     let on_message = {
///         let streams = streams.clone();
///         Callback::from(move |message: StreamMessage<Payload>| {
///             if let StreamMessage::Live(incoming) = message
///                 && let Ok(Delivery::Event(envelope)) = incoming.message
///                 && let Payload::HubStats(stats) = envelope.event
///             {
///                 streams.set(stats.streams_open);
///             }
///         })
///     };
///     let source = StreamSource {
///         url: stream_path([HUB_TOPIC], None).into(),
///         history: None,
///         token: None,
///     };
///     let status = use_event_stream(Some(source), StreamOptions::default(), on_message);
///     let text = match &status.state {
///         ConnectionState::Stopped { reason } => reason.to_string(),
///         _ => format!("{} streams open", *streams),
///     };
///     html! { <span data-state={status.state.name()}>{ text }</span> }
/// }
/// ```
#[hook]
pub fn use_event_stream<E>(
    source: Option<StreamSource>,
    options: StreamOptions,
    on_message: Callback<StreamMessage<E>>,
) -> StreamStatus
where
    E: Event + 'static,
{
    let status = use_state_eq(|| StreamStatus {
        state: ConnectionState::Connecting,
        last_event_ms: None,
    });
    // The callback is read from this cell when a message arrives rather
    // than captured by the effect, so a new callback on each render does
    // not replace the stream.
    let latest = use_mut_ref(|| on_message.clone());
    *latest.borrow_mut() = on_message;
    // Where the last stream stood when it was replaced: its history URL
    // and the newest id it saw.
    let carried = use_mut_ref(|| None::<(AttrValue, EventId)>);
    {
        let setter = status.setter();
        use_effect_with((source, options), move |(source, options)| {
            let history = source.as_ref().and_then(|source| source.history.clone());
            let resume = carried
                .borrow_mut()
                .take()
                .filter(|(previous, _)| history.as_ref() == Some(previous))
                .map(|(_, id)| id);
            let driver = Driver::<E>::start(source.as_ref(), *options, setter, latest, resume);
            move || {
                let last_id = driver.borrow().connection.last_id();
                *carried.borrow_mut() = history.zip(last_id);
                drop(driver);
            }
        });
    }
    (*status).clone()
}

/// Everything one stream source owns; dropping it ends the stream.
struct Driver<E> {
    url: AttrValue,
    token: Option<Token>,
    connection: Connection,
    source: Option<Source>,
    retry: Option<Timeout>,
    status: StreamStatus,
    setter: UseStateSetter<StreamStatus>,
    on_message: Rc<RefCell<Callback<StreamMessage<E>>>>,
}

/// An `EventSource` and its listeners; dropping it closes the source.
struct Source {
    source: EventSource,
    _listeners: Vec<EventListener>,
}

impl Drop for Source {
    fn drop(&mut self) {
        self.source.close();
    }
}

impl<E: Event + 'static> Driver<E> {
    /// Starts following `source`: after `resume` when given (no history
    /// then), else after its history when it has one, else from now.
    fn start(
        source: Option<&StreamSource>,
        options: StreamOptions,
        setter: UseStateSetter<StreamStatus>,
        on_message: Rc<RefCell<Callback<StreamMessage<E>>>>,
        resume: Option<EventId>,
    ) -> Rc<RefCell<Self>> {
        let state = match source {
            Some(_) => ConnectionState::Connecting,
            None => ConnectionState::Stopped {
                reason: StopReason::NoTopics,
            },
        };
        let status = StreamStatus {
            state,
            last_event_ms: None,
        };
        setter.set(status.clone());
        let history = source
            .and_then(|source| source.history.clone())
            .filter(|_| resume.is_none());
        let driver = Rc::new(RefCell::new(Self {
            url: source.map(|source| source.url.clone()).unwrap_or_default(),
            token: source.and_then(|source| source.token.clone()),
            connection: match (resume, &history) {
                (Some(id), _) => Connection::resuming(options, id),
                (None, Some(_)) => Connection::after_history(options),
                (None, None) => Connection::new(options),
            },
            source: None,
            retry: None,
            status,
            setter,
            on_message,
        }));
        match (source, history) {
            (None, _) => {}
            (Some(_), None) => Self::open(&driver),
            (Some(_), Some(history)) => Self::load_history(&driver, history),
        }
        driver
    }

    /// Loads the history at `path`, then shows it and opens the stream,
    /// unless the driver was dropped meanwhile.
    fn load_history(this: &Rc<RefCell<Self>>, path: AttrValue) {
        let weak = Rc::downgrade(this);
        let token = this.borrow().token.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = http::history_at(&path, token.as_ref()).await;
            if let Some(driver) = weak.upgrade() {
                Self::show_history(&driver, Backlog::from_reply(reply, now_us()));
            }
        });
    }

    /// Hands `backlog` to the page and opens the stream after it, if the
    /// connection still waits for it.
    fn show_history(this: &Rc<RefCell<Self>>, backlog: Backlog<E>) {
        let Backlog {
            messages,
            resume_after,
        } = backlog;
        let command = this
            .borrow_mut()
            .connection
            .on(Signal::History { resume_after }, Math::random());
        if command != Command::Reopen {
            return;
        }
        if !messages.is_empty() {
            Self::emit(this, StreamMessage::History(messages));
        }
        Self::open(this);
    }

    /// Replaces the source with a new one at the connection's resume URL.
    fn open(this: &Rc<RefCell<Self>>) {
        let url = {
            let mut driver = this.borrow_mut();
            driver.source = None;
            driver.connection.resume_url(&driver.url)
        };
        match Source::open(&url, Rc::downgrade(this)) {
            Some(source) => this.borrow_mut().source = Some(source),
            None => Self::handle(this, Signal::Refused),
        }
    }

    /// Asks the hub, over `fetch`, whether it refuses the stream URL for
    /// want of authorisation, and reports the answer to the connection
    /// unless the driver was dropped meanwhile.
    fn check(this: &Rc<RefCell<Self>>) {
        let url = {
            let driver = this.borrow();
            driver.connection.resume_url(&driver.url)
        };
        let weak = Rc::downgrade(this);
        wasm_bindgen_futures::spawn_local(async move {
            let refusal = http::stream_refusal(&url).await;
            if let Some(driver) = weak.upgrade() {
                Self::handle(&driver, Signal::Checked { refusal });
            }
        });
    }

    /// Passes `message` to the latest callback.
    fn emit(this: &Rc<RefCell<Self>>, message: StreamMessage<E>) {
        // Clone out of the cells before emitting: the emit may render
        // synchronously, and the render replaces the callback.
        let callback = this.borrow().on_message.borrow().clone();
        callback.emit(message);
    }

    /// Moves the connection on `signal` and carries out its command.
    fn handle(this: &Rc<RefCell<Self>>, signal: Signal) {
        let is_message = matches!(signal, Signal::Message { .. });
        let command = this.borrow_mut().connection.on(signal, Math::random());
        match command {
            Command::Nothing => {}
            Command::Check => Self::check(this),
            Command::RetryAfter { delay_ms } => {
                let weak = Rc::downgrade(this);
                let timeout = Timeout::new(delay_ms, move || {
                    if let Some(driver) = weak.upgrade() {
                        Self::handle(&driver, Signal::RetryDue);
                    }
                });
                this.borrow_mut().retry = Some(timeout);
            }
            Command::Reopen => Self::open(this),
            Command::Close => {
                if let Some(source) = &this.borrow().source {
                    source.source.close();
                }
            }
        }
        let mut driver = this.borrow_mut();
        let mut status = driver.status.clone();
        status.state = driver.connection.state().clone();
        if is_message {
            status.last_event_ms = Some((Date::now() / 1000.0).floor() * 1000.0);
        }
        if status != driver.status {
            driver.status = status.clone();
            driver.setter.set(status);
        }
    }
}

impl Source {
    /// Opens `url` with a listener per event name of `E`, or `None` when
    /// the browser refuses the URL.
    fn open<E: Event + 'static>(url: &str, driver: Weak<RefCell<Driver<E>>>) -> Option<Self> {
        let source = EventSource::new(url).ok()?;
        let mut listeners = Vec::with_capacity(E::kinds().len() + 4);
        listeners.push({
            let driver = driver.clone();
            EventListener::new(&source, "open", move |_| {
                if let Some(driver) = driver.upgrade() {
                    Driver::handle(&driver, Signal::Opened);
                }
            })
        });
        listeners.push({
            let driver = driver.clone();
            let handle = source.clone();
            // After `error` the ready state says what the browser does next:
            // CONNECTING means it retries by itself, CLOSED that it gave up.
            EventListener::new(&source, "error", move |_| {
                let closed = handle.ready_state() == EventSource::CLOSED;
                if let Some(driver) = driver.upgrade() {
                    Driver::handle(&driver, Signal::Failed { closed });
                }
            })
        });
        // The hub names every event, so anything arriving unnamed is shown
        // as undecodable rather than dropped unseen.
        let names = E::kinds()
            .iter()
            .map(Kind::as_str)
            .chain([GAP_EVENT, UNNAMED_EVENT]);
        for name in names {
            let driver = driver.clone();
            listeners.push(EventListener::new(&source, name, move |event| {
                let Some(driver) = driver.upgrade() else {
                    return;
                };
                let event = event.dyn_ref::<MessageEvent>();
                // The id is parsed here, where it arrives: past this point
                // it is a Herald id or none.
                let id = event
                    .map(MessageEvent::last_event_id)
                    .and_then(|id| EventId::parse(&id).ok());
                let message = match event.and_then(|event| event.data().as_string()) {
                    Some(data) => decode::<E>(name, &data),
                    None => Err(DecodeError::NotText { name: name.into() }),
                };
                Driver::handle(&driver, Signal::Message { id });
                let incoming = Incoming {
                    received_us: now_us(),
                    message,
                };
                Driver::emit(&driver, StreamMessage::Live(incoming));
            }));
        }
        Some(Self {
            source,
            _listeners: listeners,
        })
    }
}
