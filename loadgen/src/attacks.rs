//! The attackers of `herald-load attack`, one per way a hostile client was
//! found to make a hub leak, grow or stall (the hub's
//! `backend/tests/api/hostile.rs` has a test of each). Each drives a fixed
//! number of connections of its own in a loop until the run stops, so the
//! tool holds a bounded number of sockets whatever the hub does, and counts
//! what it sent and how the hub answered in its [`Counter`].
//!
//! Every attack works under one prefix per run (`load/attack-<time>`), so
//! its topics are its own and a second run starts fresh.

mod counter;
mod raw;
mod reads;
mod refusals;
mod topics;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use herald_dashboard_events::{Chat, Payload};
use herald_wire::EventId;
use herald_wire::protocol::publish_path;
use reqwest::header::ACCEPT;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub(crate) use self::counter::{Counted, Counter};
use crate::probe::{self, Events};
use crate::target::Target;

/// How long a connection may take to open before it counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request that is not a stream may take before it counts as
/// failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an attacker waits after a connection failed before the next
/// try, so a hub that is gone is not met with a busy loop.
const RETRY_AFTER: Duration = Duration::from_millis(100);

/// One attack; its value on the command line is its report name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Attack {
    /// Streams that each name 64 fresh topics under a pattern another
    /// stream follows, opened and closed in turn: once no stream names a
    /// topic the hub must forget it.
    Pins,
    /// One stream of every topic (`*`) while publishes go to ever-new
    /// topics, past `--max-topics`: they must keep getting 202.
    NewTopics,
    /// TCP connections that never send a byte, opened again as the hub
    /// closes them (`--idle-timeout`).
    Idle,
    /// A pattern stream over thousands of topics resumed from an old
    /// `Last-Event-ID`, again and again.
    Resume,
    /// Publishes whose head promises 64 KiB and whose body comes a byte at
    /// a time, until the hub cuts them off (`--min-body-rate`).
    Trickle,
    /// `GET /api/history?topic=*` over every topic, again and again.
    History,
    /// Requests the hub refuses (invalid topics, unknown parameters and
    /// paths), as fast as it answers.
    Refused,
}

/// What every attacker of a run shares: where the hub is, the clients,
/// the run's prefix, and the token that stops them.
pub(crate) struct Arena {
    base: String,
    /// `host:port`, for the `Host` header of raw requests.
    authority: String,
    address: SocketAddr,
    prefix: String,
    /// For requests that are not streams: with a timeout.
    requests: reqwest::Client,
    /// For streams: a connect timeout only.
    streams: reqwest::Client,
    /// The oldest event on the resumed topics, seeded before the run.
    resume_from: EventId,
    stop: CancellationToken,
}

/// What sending a request came to.
enum Sent {
    Accepted(reqwest::Response),
    Refused,
    Failed,
    Stopped,
}

impl Attack {
    pub(crate) const ALL: [Self; 7] = [
        Self::Pins,
        Self::NewTopics,
        Self::Idle,
        Self::Resume,
        Self::Trickle,
        Self::History,
        Self::Refused,
    ];

    /// The name the report gives it, as `--only` takes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Pins => "pins",
            Self::NewTopics => "new-topics",
            Self::Idle => "idle",
            Self::Resume => "resume",
            Self::Trickle => "trickle",
            Self::History => "history",
            Self::Refused => "refused",
        }
    }

    /// What its requests are, and what it does with the bytes it counts.
    fn units(self) -> (&'static str, &'static str) {
        match self {
            Self::Pins | Self::Resume => ("streams", "read"),
            Self::NewTopics => ("publishes", "read"),
            Self::Idle => ("connections", "read"),
            Self::Trickle => ("publishes", "trickled"),
            Self::History | Self::Refused => ("requests", "read"),
        }
    }

    /// The most sockets it holds at once: its connections, and the streams
    /// and checks beside them.
    fn sockets(self) -> usize {
        match self {
            Self::Pins => topics::PIN_OPENERS + 2,
            Self::NewTopics => topics::NEW_TOPIC_PUBLISHERS + 1,
            Self::Idle => raw::IDLE_SOCKETS,
            Self::Resume => reads::RESUMERS,
            Self::Trickle => raw::TRICKLERS,
            Self::History => reads::HISTORY_READERS,
            Self::Refused => refusals::REFUSERS,
        }
    }

    /// Runs it until `arena`'s run stops, counting into `counter`.
    pub(crate) async fn run(self, arena: Arc<Arena>, counter: Arc<Counter>) {
        match self {
            Self::Pins => topics::pins(arena, counter).await,
            Self::NewTopics => topics::new_topics(arena, counter).await,
            Self::Idle => raw::idle(arena, counter).await,
            Self::Resume => spawn_each(reads::RESUMERS, &arena, &counter, reads::resumer).await,
            Self::Trickle => raw::trickle(arena, counter).await,
            Self::History => {
                spawn_each(reads::HISTORY_READERS, &arena, &counter, reads::history).await;
            }
            Self::Refused => {
                spawn_each(refusals::REFUSERS, &arena, &counter, refusals::refuser).await;
            }
        }
    }

    /// What it did, for the report.
    pub(crate) fn counted(self, counter: &Counter) -> Counted {
        let (unit, bytes_verb) = self.units();
        counter.counted(self.name(), unit, bytes_verb)
    }
}

/// The sockets `attacks` hold at most at once, setup included.
pub(crate) fn sockets(attacks: &[Attack]) -> usize {
    let sockets: usize = attacks.iter().map(|attack| attack.sockets()).sum();
    sockets.max(probe::PUBLISHERS)
}

impl Arena {
    /// The arena of a run against `target`'s hub (plain HTTP: the raw
    /// attacks speak no TLS), stopped by `stop`. Publishes one event to
    /// each of the topics the resumed streams span, and errs when the hub
    /// does not take them.
    pub(crate) async fn new(target: &Target, stop: CancellationToken) -> anyhow::Result<Self> {
        let base = target.publish_base().to_owned();
        let url = reqwest::Url::parse(&base)?;
        if url.scheme() != "http" {
            bail!(
                "{base}: attack speaks plain HTTP, since its idle and trickling connections are raw sockets"
            );
        }
        let host = url.host_str().context("the URL names no host")?;
        let port = url
            .port_or_known_default()
            .context("the URL names no port")?;
        let address = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
            .await?
            .next()
            .context("the URL names no address")?;
        let client = || {
            reqwest::Client::builder()
                .no_proxy()
                .connect_timeout(CONNECT_TIMEOUT)
        };
        let requests = client().timeout(REQUEST_TIMEOUT).build()?;
        let prefix = format!("load/attack-{}", probe::now_us());
        let resume_from = reads::seed(&requests, &base, &prefix)
            .await
            .context("publishing to the topics the resumed streams span")?;
        Ok(Self {
            authority: url.authority().to_owned(),
            address,
            requests,
            streams: client().build()?,
            resume_from,
            stop,
            base,
            prefix,
        })
    }

    /// The run's prefix, under which its topics are.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn trickle_path(&self) -> String {
        publish_path(&format!("{}/trickle", self.prefix))
    }

    /// `future`'s output, or `None` when the run stops first.
    async fn until_stopped<T>(&self, future: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            biased;
            () = self.stop.cancelled() => None,
            output = future => Some(output),
        }
    }

    /// Waits [`RETRY_AFTER`] or until the run stops.
    async fn pause(&self) {
        let _ = self.until_stopped(tokio::time::sleep(RETRY_AFTER)).await;
    }

    /// A stream request for `path`.
    fn stream(&self, path: &str) -> reqwest::RequestBuilder {
        self.streams
            .get(self.url(path))
            .header(ACCEPT, "text/event-stream")
    }
}

/// Runs `attacker` `count` times at once until the run stops.
async fn spawn_each<F>(
    count: usize,
    arena: &Arc<Arena>,
    counter: &Arc<Counter>,
    attacker: fn(Arc<Arena>, Arc<Counter>) -> F,
) where
    F: Future<Output = ()> + Send + 'static,
{
    let mut attackers = JoinSet::new();
    for _ in 0..count {
        attackers.spawn(attacker(arena.clone(), counter.clone()));
    }
    while attackers.join_next().await.is_some() {}
}

/// Sends `request`, counting it and the hub's answer, unless `stop` comes
/// first. A refusal's body is read, so its connection is kept for the next
/// request.
async fn send(
    stop: &CancellationToken,
    counter: &Counter,
    request: reqwest::RequestBuilder,
) -> Sent {
    counter.request();
    let sent = tokio::select! {
        biased;
        () = stop.cancelled() => return Sent::Stopped,
        sent = request.send() => sent,
    };
    let Ok(response) = sent else {
        counter.failed();
        return Sent::Failed;
    };
    counter.answered(response.status().as_u16());
    if response.status().is_success() {
        return Sent::Accepted(response);
    }
    let _ = response.bytes().await;
    Sent::Refused
}

/// A stream's events, from its response.
fn event_stream(response: reqwest::Response) -> Events {
    response.bytes_stream().boxed().eventsource()
}

/// The event the attackers publish.
fn chat() -> Payload {
    Payload::Chat(Chat {
        author: "attack".to_owned(),
        text: "x".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    #[test]
    fn only_takes_each_attack_by_the_name_the_report_gives_it() {
        for attack in Attack::ALL {
            let value = attack.to_possible_value().unwrap();
            assert_eq!(value.get_name(), attack.name());
            assert_eq!(Attack::from_str(attack.name(), false), Ok(attack));
        }
        assert_eq!(Attack::value_variants(), Attack::ALL);
    }
}
