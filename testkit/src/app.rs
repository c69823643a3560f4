//! One hub served in-process on an ephemeral port, and the requests tests
//! make to it.
//!
//! The hub (its topics, history and ids) lives as long as the [`TestApp`];
//! its HTTP server can be stopped and served again on the same port
//! ([`TestApp::stop_serving`], [`TestApp::serve_again`]), so that a test
//! can watch clients lose the hub and come back to the same history.

use std::borrow::Borrow;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use herald_dashboard_events::Payload;
use herald_hub::broker::Broker;
use herald_hub::config::Config;
use herald_hub::hub::Hub;
use herald_wire::protocol::{EVENTS_PATH, LAST_EVENT_ID_HEADER, Query, TOPICS_PATH, publish_path};
use herald_wire::{ErrorBody, EventId, Published, Topic, TopicList};
use reqwest::StatusCode;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::reply::refusal;
use crate::stream::Stream;
use crate::{PATIENCE, POLL_INTERVAL};

/// How long [`TestApp::serve_again`] keeps trying to bind the port it had.
/// With `SO_REUSEADDR`, which tokio sets, the port is free as soon as the
/// old listener is closed; this only bounds a port someone else took.
const REBIND_TIMEOUT: Duration = Duration::from_secs(5);
const REBIND_INTERVAL: Duration = Duration::from_millis(50);

/// A hub and its HTTP server, from [`TestApp::builder`], [`crate::spawn_app`]
/// or [`crate::spawn_node`].
///
/// Dropping it does not stop the server: it runs on until the test's
/// runtime shuts down. [`TestApp::stop`] shuts it down gracefully and says
/// how it ended.
pub struct TestApp {
    /// Where the server listens: `127.0.0.1` and the port it was given,
    /// kept over [`TestApp::serve_again`].
    pub address: SocketAddr,
    /// A client for the test's own requests; every helper sends with it.
    pub client: reqwest::Client,
    /// The hub streams read from, to publish and look in without HTTP; a
    /// node's replica of its cluster's events.
    pub hub: Hub,
    broker: Broker,
    config: Config,
    server: Option<Server>,
}

/// One run of the HTTP server.
struct Server {
    shutdown: CancellationToken,
    task: JoinHandle<io::Result<()>>,
}

impl TestApp {
    /// Serves `broker` with `config` on an ephemeral port of `127.0.0.1`.
    pub(crate) async fn serve(broker: Broker, config: Config) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap_or_else(|error| panic!("cannot bind an ephemeral port: {error}"));
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let mut app = Self {
            address,
            client: reqwest::Client::new(),
            hub: broker.hub().clone(),
            broker,
            config,
            server: None,
        };
        app.serve_on(listener);
        app
    }

    /// The full URL of `path_and_query` (which starts with `/`), as built
    /// by `herald_wire::protocol`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.address)
    }

    /// The token that shuts the running server down when cancelled, as a
    /// signal does `herald serve`: open streams end, requests in flight get
    /// their grace. [`TestApp::ended`] waits for it.
    ///
    /// # Panics
    /// When the server is not running.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.running().shutdown
    }

    /// Waits for the running server to end, without asking it to (after
    /// [`TestApp::shutdown`], or a node that leaves its cluster); what
    /// `herald_hub::serve` returned, which says why a node left.
    ///
    /// # Panics
    /// When the server is not running, does not end within [`PATIENCE`] or
    /// panicked.
    pub async fn ended(&mut self) -> io::Result<()> {
        let Server { task, .. } = self
            .server
            .take()
            .expect("the hub's HTTP server is not running");
        tokio::time::timeout(PATIENCE, task)
            .await
            .expect("the hub's HTTP server did not stop in time")
            .expect("the hub's HTTP server panicked")
    }

    /// Shuts the server down and waits for it (open streams end, as on a
    /// real shutdown), freeing the port and keeping the hub and its history
    /// for [`TestApp::serve_again`]; what `herald_hub::serve` returned.
    ///
    /// # Panics
    /// As [`TestApp::ended`].
    pub async fn stop_serving(&mut self) -> io::Result<()> {
        self.shutdown().cancel();
        self.ended().await
    }

    /// Serves the same hub again on the same address, after
    /// [`TestApp::stop_serving`]. Binding retries for a moment in case the
    /// old socket is still being released.
    ///
    /// # Panics
    /// When the server is running, or the port stays taken for 5 s.
    pub async fn serve_again(&mut self) {
        assert!(
            self.server.is_none(),
            "the hub's HTTP server is already running"
        );
        let deadline = Instant::now() + REBIND_TIMEOUT;
        let listener = loop {
            match TcpListener::bind(self.address).await {
                Ok(listener) => break listener,
                Err(error)
                    if error.kind() == io::ErrorKind::AddrInUse && Instant::now() < deadline =>
                {
                    tokio::time::sleep(REBIND_INTERVAL).await;
                }
                Err(error) => panic!("cannot bind {} again: {error}", self.address),
            }
        };
        self.serve_on(listener);
    }

    /// Shuts the server down, if it runs, and waits for it; what
    /// `herald_hub::serve` returned.
    ///
    /// # Panics
    /// As [`TestApp::ended`].
    pub async fn stop(mut self) -> io::Result<()> {
        if self.server.is_none() {
            return Ok(());
        }
        self.stop_serving().await
    }

    /// `GET` `path_and_query`, whatever the answer.
    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.send(self.client.get(self.url(path_and_query))).await
    }

    /// `GET` `path_and_query` where the hub is expected to refuse (a stream
    /// or a read it may not make): the status and the hub's error body. A
    /// refused stream is answered before any byte, so this returns.
    ///
    /// # Panics
    /// When the hub does not refuse, or its reply is not an error body.
    pub async fn get_refused(&self, path_and_query: &str) -> (StatusCode, ErrorBody) {
        refusal(self.get(path_and_query).await).await
    }

    /// Publishes over HTTP, whatever the hub answers.
    pub async fn try_publish<T>(&self, topic: &T, payload: &Payload) -> reqwest::Response
    where
        T: Borrow<str> + ?Sized,
    {
        let url = self.url(&publish_path(topic.borrow()));
        self.send(self.client.post(url).json(payload)).await
    }

    /// Publishes over HTTP; `topic` is a `&str` or a [`Topic`].
    ///
    /// # Panics
    /// Unless the hub answers `202 Accepted` with a [`Published`] body.
    pub async fn publish<T>(&self, topic: &T, payload: &Payload) -> Published
    where
        T: Borrow<str> + ?Sized,
    {
        let response = self.try_publish(topic, payload).await;
        let status = response.status();
        if status != StatusCode::ACCEPTED {
            let url = response.url().clone();
            let body = response.text().await.unwrap_or_default();
            panic!("POST {url} answered {status}, expected 202 Accepted: {body}");
        }
        response
            .json()
            .await
            .unwrap_or_else(|error| panic!("a 202 to a publish is not a `Published`: {error}"))
    }

    /// Publishes over HTTP where the hub is expected to refuse, with `topic`
    /// as given (it need not be a valid topic): the status and the hub's
    /// error body.
    ///
    /// # Panics
    /// When the hub accepts the event, or its reply is not an error body.
    pub async fn publish_refused<T>(&self, topic: &T, payload: &Payload) -> (StatusCode, ErrorBody)
    where
        T: Borrow<str> + ?Sized,
    {
        refusal(self.try_publish(topic, payload).await).await
    }

    /// Publishes a raw body with the given content type, whatever the hub
    /// answers.
    pub async fn publish_raw(
        &self,
        topic: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(&publish_path(topic))).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        self.send(request).await
    }

    /// Publishes in-process, straight into the hub's history, as an
    /// embedding program would; works while the HTTP server is stopped.
    ///
    /// # Panics
    /// When the hub refuses the payload.
    pub fn publish_in_process(&self, topic: &Topic, payload: Payload) -> EventId {
        self.hub
            .publish(topic.clone(), &payload)
            .unwrap_or_else(|error| {
                panic!("the hub refused an in-process publish to {topic}: {error}")
            })
            .id()
    }

    /// `GET /api/events?{query}`, optionally with `Last-Event-ID`, whatever
    /// the answer: a stream's body is left unread.
    pub async fn get_stream(
        &self,
        query: &Query,
        last_event_id: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.client.get(self.url(&query.url(EVENTS_PATH)));
        if let Some(id) = last_event_id {
            request = request.header(LAST_EVENT_ID_HEADER, id);
        }
        self.send(request).await
    }

    /// Opens a stream, resuming after `last_event_id` if given.
    ///
    /// # Panics
    /// Unless the hub answers `200 OK`.
    pub async fn open_stream(&self, query: &Query, last_event_id: Option<EventId>) -> Stream {
        let id = last_event_id.map(|id| id.to_string());
        let response = self.get_stream(query, id.as_deref()).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "GET {}",
            query.url(EVENTS_PATH)
        );
        Stream::of(response)
    }

    /// `GET /api/topics`.
    ///
    /// # Panics
    /// When the reply is not a [`TopicList`].
    pub async fn topics(&self) -> TopicList {
        self.get(TOPICS_PATH)
            .await
            .json()
            .await
            .unwrap_or_else(|error| panic!("GET {TOPICS_PATH}: not a topic list: {error}"))
    }

    /// Waits until `check` holds for the topic list, and returns that list.
    ///
    /// # Panics
    /// When it never does within [`PATIENCE`].
    pub async fn wait_for_topics(&self, check: impl Fn(&TopicList) -> bool) -> TopicList {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let topics = self.topics().await;
                if check(&topics) {
                    return topics;
                }
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        })
        .await
        .expect("topic list never reached the expected state")
    }

    /// Sends `request` with the test's client.
    ///
    /// # Panics
    /// When no answer comes (the hub is not serving, or cut the
    /// connection), naming the request.
    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let request = request.build().expect("a test builds valid requests");
        let what = format!("{} {}", request.method(), request.url());
        self.client
            .execute(request)
            .await
            .unwrap_or_else(|error| panic!("{what} failed: {error}"))
    }

    fn running(&self) -> &Server {
        self.server
            .as_ref()
            .expect("the hub's HTTP server is not running")
    }

    fn serve_on(&mut self, listener: TcpListener) {
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(herald_hub::serve(
            listener,
            self.broker.clone(),
            self.config.clone(),
            shutdown.clone(),
        ));
        self.server = Some(Server { shutdown, task });
    }
}
