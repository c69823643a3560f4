//! `spawn_app` and typed helpers so tests read like the API.

use std::time::Duration;

use backend::broker::Broker;
use backend::config::Config;
use backend::hub::Hub;
use bytes::Bytes;
use clap::Parser;
use eventsource_stream::{Event as SseEvent, EventStream, Eventsource};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use reqwest::StatusCode;
use shared::protocol::{
    EVENTS_PATH, LAST_EVENT_ID_HEADER, Query, TOPIC_PARAM, TOPICS_PATH, publish_path,
};
use shared::{ErrorBody, Event, EventId, Gap, Payload, Published, TopicList};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a test waits for something that should happen at once.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// A running server and a client for it.
pub(crate) struct TestApp {
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    pub(crate) hub: Hub,
    pub(crate) shutdown: CancellationToken,
    pub(crate) server: JoinHandle<std::io::Result<()>>,
}

/// An open SSE stream, parsed.
pub(crate) struct Stream {
    events: EventStream<BoxStream<'static, reqwest::Result<Bytes>>>,
}

/// One message read from a [`Stream`], decoded into `shared` types.
#[derive(Debug)]
pub(crate) enum Message {
    Event(Event),
    Gap(Gap),
}

/// Starts Herald on `127.0.0.1:0` with the built-in sources (the metrics
/// and the hub's own reports) off and `args` added to the command line.
pub(crate) async fn spawn_app(args: &[&str]) -> TestApp {
    let mut argv = vec!["--no-metrics", "--no-hub-stats"];
    argv.extend_from_slice(args);
    spawn_app_with_metrics(&argv).await
}

/// Starts Herald on `127.0.0.1:0` with `args`, the metrics source on unless
/// `args` turn it off.
pub(crate) async fn spawn_app_with_metrics(args: &[&str]) -> TestApp {
    spawn_app_on(args, Hub::new).await
}

/// Starts Herald with the metrics source off, as a run whose ids carry
/// `epoch`, standing in for a hub whose clock read `epoch` at start.
pub(crate) async fn spawn_app_with_epoch(epoch: u64) -> TestApp {
    spawn_app_on(&["--no-metrics", "--no-hub-stats"], |limits| {
        Hub::with_epoch(limits, epoch)
    })
    .await
}

async fn spawn_app_on(args: &[&str], hub: impl FnOnce(backend::hub::Limits) -> Hub) -> TestApp {
    let config = parse_config(args);
    let hub = hub(config.limits());
    start(config, hub.into()).await
}

/// Starts a node of the cluster on the Redis at `redis_url`, with the
/// metrics source off and `args` added to the command line.
pub(crate) async fn spawn_node(redis_url: &str, args: &[&str]) -> TestApp {
    let mut argv = vec!["--no-metrics", "--no-hub-stats", "--redis-url", redis_url];
    argv.extend_from_slice(args);
    let config = parse_config(&argv);
    let broker = backend::connect(&config, CancellationToken::new())
        .await
        .unwrap();
    start(config, broker).await
}

/// The configuration of `herald serve` with `args`, serving no web app
/// unless they name one.
pub(crate) fn parse_config(args: &[&str]) -> Config {
    init_logs();
    let mut argv = vec!["herald"];
    if !args.contains(&"--static-dir") {
        argv.extend(["--static-dir", "/nonexistent"]);
    }
    argv.extend_from_slice(args);
    Config::try_parse_from(argv).unwrap()
}

async fn start(config: Config, broker: Broker) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hub = broker.hub().clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(backend::serve(listener, broker, config, shutdown.clone()));
    TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        hub,
        shutdown,
        server,
    }
}

fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("backend=debug")
            .with_test_writer()
            .try_init();
    }
}

/// Waits until `check` holds, looking again every 20 ms; fails the test
/// with `what` after [`PATIENCE`].
pub(crate) async fn eventually<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    waited.await.unwrap_or_else(|_| panic!("{what}"));
}

/// A query naming `topics`, to add the route's own parameters to.
pub(crate) fn query(topics: &[&str]) -> Query {
    topics
        .iter()
        .fold(Query::new(), |query, topic| query.param(TOPIC_PARAM, topic))
}

impl TestApp {
    /// Shuts the server down and waits for it; its result, which says why
    /// a cluster node left.
    pub(crate) async fn stop(self) -> std::io::Result<()> {
        self.shutdown.cancel();
        tokio::time::timeout(PATIENCE, self.server)
            .await
            .expect("the server did not stop")
            .unwrap()
    }

    /// The full URL of `path_and_query`, as built by `shared::protocol`.
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// `GET` `path_and_query`.
    pub(crate) async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.client
            .get(self.url(path_and_query))
            .send()
            .await
            .unwrap()
    }

    /// Publishes over HTTP and returns whatever the hub answers.
    pub(crate) async fn try_publish(&self, topic: &str, payload: &Payload) -> reqwest::Response {
        self.client
            .post(self.url(&publish_path(topic)))
            .json(payload)
            .send()
            .await
            .unwrap()
    }

    /// Publishes over HTTP and expects 202.
    pub(crate) async fn publish(&self, topic: &str, payload: &Payload) -> Published {
        let response = self.try_publish(topic, payload).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        response.json().await.unwrap()
    }

    /// Publishes a raw body with the given content type.
    pub(crate) async fn publish_raw(
        &self,
        topic: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.client.post(self.url(&publish_path(topic))).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send().await.unwrap()
    }

    /// `GET /api/events?{query}`, optionally with `Last-Event-ID`.
    pub(crate) async fn get_stream(
        &self,
        query: &Query,
        last_event_id: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self.client.get(self.url(&query.url(EVENTS_PATH)));
        if let Some(id) = last_event_id {
            request = request.header(LAST_EVENT_ID_HEADER, id);
        }
        request.send().await.unwrap()
    }

    /// Opens a stream and expects it to start.
    pub(crate) async fn open_stream(
        &self,
        query: &Query,
        last_event_id: Option<EventId>,
    ) -> Stream {
        let id = last_event_id.map(|id| id.to_string());
        let response = self.get_stream(query, id.as_deref()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let events = response.bytes_stream().boxed().eventsource();
        Stream { events }
    }

    /// `GET /api/topics`.
    pub(crate) async fn topics(&self) -> TopicList {
        self.get(TOPICS_PATH).await.json().await.unwrap()
    }

    /// Waits until `check` holds for the topic list.
    pub(crate) async fn wait_for_topics(&self, check: impl Fn(&TopicList) -> bool) -> TopicList {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let topics = self.topics().await;
                if check(&topics) {
                    return topics;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("topic list never reached the expected state")
    }
}

impl Stream {
    /// The next message, failing the test after [`PATIENCE`].
    pub(crate) async fn next(&mut self) -> Message {
        let raw = self.next_raw().await.expect("stream ended");
        decode(&raw)
    }

    /// The next SSE event as parsed, or `None` when the stream ended.
    pub(crate) async fn next_raw(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(PATIENCE, self.events.next())
            .await
            .expect("no event in time")
            .map(|parsed| parsed.expect("stream failed"))
    }

    /// The next message, expected to be an event.
    pub(crate) async fn next_event(&mut self) -> Event {
        match self.next().await {
            Message::Event(event) => event,
            Message::Gap(gap) => panic!("expected an event, got {gap:?}"),
        }
    }

    /// Asserts nothing arrives within `quiet`.
    pub(crate) async fn assert_silent(&mut self, quiet: Duration) {
        if let Ok(Some(extra)) = tokio::time::timeout(quiet, self.events.next()).await {
            panic!("expected silence, got {extra:?}");
        }
    }
}

/// Decodes a parsed SSE event the way the browser does: by its name.
pub(crate) fn decode(raw: &SseEvent) -> Message {
    if raw.event == shared::GAP_EVENT {
        return Message::Gap(serde_json::from_str(&raw.data).unwrap());
    }
    let event: Event = serde_json::from_str(&raw.data).unwrap();
    assert_eq!(raw.event, event.event.kind().name(), "SSE name is the kind");
    assert_eq!(raw.id, event.id.to_string(), "SSE id is the event id");
    Message::Event(event)
}

/// Decodes a JSON error body and checks the status.
pub(crate) async fn error_body(response: reqwest::Response, status: StatusCode) -> ErrorBody {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response.json().await.unwrap()
}

pub(crate) fn chat(text: &str) -> Payload {
    Payload::Chat(shared::Chat {
        author: "tester".into(),
        text: text.into(),
    })
}

pub(crate) fn text_of(event: &Event) -> &str {
    match &event.event {
        Payload::Chat(chat) => &chat.text,
        other => panic!("expected chat, got {other:?}"),
    }
}
