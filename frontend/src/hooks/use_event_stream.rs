//! [`use_event_stream`]: one `EventSource` for the page, its listeners, and
//! the connection state the browser reports.
//!
//! The browser reconnects by itself after a dropped stream, sending the last
//! id it saw as `Last-Event-ID`, so the hub replays what was missed; this
//! hook only reports that state. When the browser gives up (the hub
//! refused the stream, or it is down), the state is [`ConnectionState::Stopped`].

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use shared::Kind;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};
use yew::prelude::*;

use crate::decode::{DecodeError, Incoming, decode};

/// Name of the event a server sends without an `event:` field. The hub names
/// every event, so anything arriving under it is shown as undecodable.
const UNNAMED_EVENT: &str = "message";

/// Where the stream stands, as the browser reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening the stream for the first time.
    Connecting,
    /// The stream is open and delivering events.
    Live,
    /// The stream dropped and the browser is reconnecting by itself.
    Reconnecting,
    /// The browser gave up; nothing more arrives until the page reloads.
    Stopped,
}

impl ConnectionState {
    /// The machine-readable name, used as the indicator's `data-state`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Reconnecting => "reconnecting",
            Self::Stopped => "stopped",
        }
    }

    /// What the indicator says.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Connecting => "Connecting…",
            Self::Live => "Live",
            Self::Reconnecting => "Reconnecting…",
            Self::Stopped => "Stopped",
        }
    }
}

/// Follows the SSE stream at `url` and returns its connection state.
///
/// Every message, decoded or not, goes to `on_message`, the latest one
/// passed: the stream is only reopened when `url` changes. The stream closes
/// when the component unmounts.
#[hook]
pub fn use_event_stream(url: AttrValue, on_message: Callback<Incoming>) -> ConnectionState {
    let state = use_state_eq(|| ConnectionState::Connecting);
    let latest = use_mut_ref(|| on_message.clone());
    *latest.borrow_mut() = on_message;
    {
        let state = state.setter();
        use_effect_with(url, move |url| {
            state.set(ConnectionState::Connecting);
            let stream = Stream::open(url, state, latest);
            move || drop(stream)
        });
    }
    *state
}

/// An open `EventSource` with its listeners; dropping it closes the source
/// and unregisters the listeners.
struct Stream {
    source: EventSource,
    _listeners: Vec<EventListener>,
}

impl Stream {
    /// Opens `url`, or returns `None` after setting the state to stopped when
    /// the browser refuses the URL.
    fn open(
        url: &str,
        state: UseStateSetter<ConnectionState>,
        on_message: Rc<RefCell<Callback<Incoming>>>,
    ) -> Option<Self> {
        let Ok(source) = EventSource::new(url) else {
            state.set(ConnectionState::Stopped);
            return None;
        };
        let mut listeners = Vec::with_capacity(Kind::ALL.len() + 4);
        listeners.push({
            let state = state.clone();
            EventListener::new(&source, "open", move |_| state.set(ConnectionState::Live))
        });
        listeners.push({
            let handle = source.clone();
            // After `error` the ready state says what the browser does next:
            // CONNECTING means it retries by itself, CLOSED that it gave up.
            EventListener::new(&source, "error", move |_| match handle.ready_state() {
                EventSource::CONNECTING => state.set(ConnectionState::Reconnecting),
                EventSource::CLOSED => state.set(ConnectionState::Stopped),
                _ => {}
            })
        });
        let names = Kind::ALL
            .iter()
            .map(|kind| kind.name())
            .chain([shared::GAP_EVENT, UNNAMED_EVENT]);
        for name in names {
            let on_message = Rc::clone(&on_message);
            listeners.push(EventListener::new(&source, name, move |event| {
                let data = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|event| event.data().as_string());
                let message = match data {
                    Some(data) => decode(name, &data),
                    None => Err(DecodeError::NotText { name: name.into() }),
                };
                let incoming = Incoming {
                    received_us: now_us(),
                    message,
                };
                // Clone out of the cell before emitting: the emit may render
                // synchronously, and the render replaces the callback.
                let callback = on_message.borrow().clone();
                callback.emit(incoming);
            }));
        }
        Some(Self {
            source,
            _listeners: listeners,
        })
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// The browser's clock in unix microseconds, as precise as it allows.
fn now_us() -> u64 {
    let millis = web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(web_sys::js_sys::Date::now, |performance| {
            performance.time_origin() + performance.now()
        });
    // Saturating float-to-int conversion: a clock before 1970 reads as 0.
    (millis * 1000.0) as u64
}
