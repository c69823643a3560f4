//! Latency probes, the events the tool publishes: sending them at a steady
//! rate, reading them back from an SSE stream, and counting per stream what
//! was lost, duplicated or delivered out of order.
//!
//! Every check uses the probe's own `seq` and `ts` rather than the hub's
//! event ids, so the same run measures any server: Herald's stream carries
//! a `herald_wire::Envelope` envelope around the probe, Nchan relays the published
//! body verbatim, and both decode here.
//!
//! **Order.** Publishes run concurrently, so two probes in flight together
//! may be stored in either order and a stream may show them either way.
//! What a correct server must keep is the order it was shown: a probe whose
//! publish was answered 2xx before another was sent must arrive first. A
//! delivery of `s` after some probe sent later than `s` was acknowledged
//! counts as out of order. The acknowledgement often comes back after the
//! delivery, so the check waits for it in [`Tally`]'s short pending list.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use bytes::Bytes;
use eventsource_stream::{Event as SseEvent, EventStream, Eventsource};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use herald_dashboard_events::{LatencyProbe, Payload, kinds};
use herald_wire::GAP_EVENT;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

/// Publishing tasks: enough that a slow reply does not lower the rate,
/// few enough to hold few connections.
pub(crate) const PUBLISHERS: usize = 16;

/// Streams opening at once: enough to open thousands in seconds, few
/// enough not to overflow the server's accept backlog, which would stall
/// connections for a SYN retry (a second or more).
pub(crate) const OPENING_AT_ONCE: usize = 256;

/// How long all of a run's streams may take to open before it gives up.
pub(crate) const OPEN_DEADLINE: Duration = Duration::from_secs(60);

/// How long the last events may take to arrive after the last publish
/// before what has not come counts as lost.
pub(crate) const DRAIN: Duration = Duration::from_secs(10);

/// How long one publish may take before it counts as failed.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(10);

/// An open SSE stream, parsed into events.
pub(crate) type Events = EventStream<BoxStream<'static, reqwest::Result<Bytes>>>;

/// What one SSE event carried.
#[derive(Debug, PartialEq)]
pub(crate) enum Message {
    Probe(LatencyProbe),
    /// Herald's notice that the stream skipped events it could no longer
    /// deliver.
    Gap,
    /// Anything else on the topic.
    Other,
}

/// The publishes of one run: when each probe was acknowledged, and how many
/// were and were not.
pub(crate) struct Acks {
    /// Unix microseconds of each probe's 2xx, by `seq`; 0 until then.
    acked_us: Vec<AtomicU64>,
    published: AtomicU64,
    failed: AtomicU64,
    first_failure: Mutex<Option<String>>,
}

/// What one stream received, as it goes.
pub(crate) struct Tally {
    /// One bit per `seq` seen.
    seen: Vec<u64>,
    counts: Counts,
    /// The latest send time among the probes received so far.
    newest_sent_us: u64,
    /// Deliveries whose acknowledgement had not come back yet.
    pending: Vec<Pending>,
}

/// What streams received, summed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Distinct probes received.
    pub(crate) delivered: u64,
    /// Acknowledged probes never received.
    pub(crate) lost: u64,
    pub(crate) duplicated: u64,
    pub(crate) out_of_order: u64,
    /// Herald's `gap` events.
    pub(crate) gaps: u64,
    /// Streams that ended or failed before the run did.
    pub(crate) ended_early: u64,
}

#[derive(Debug)]
struct Pending {
    seq: u64,
    newest_sent_before_us: u64,
}

impl Message {
    /// Decodes an SSE event: a `gap`, else the `data` as Herald's envelope,
    /// else as a bare payload.
    ///
    /// Only what a probe needs is read: the payload's `type` tag and, for a
    /// probe, `seq` and `ts`; the rest is skipped unparsed. Decoding every
    /// field into `herald_wire::Envelope` cost the tool about as much CPU per event
    /// as the server spends delivering it, and the tool shares the machine.
    pub(crate) fn decode(event: &SseEvent) -> Self {
        if event.event == GAP_EVENT {
            return Self::Gap;
        }
        let payload = serde_json::from_str::<Envelope<'_>>(&event.data)
            .map(|envelope| envelope.event)
            .or_else(|_| serde_json::from_str::<Lean<'_>>(&event.data));
        match payload {
            Ok(Lean {
                kind,
                seq: Some(seq),
                ts: Some(ts),
            }) if kind == kinds::LATENCY_PROBE.as_str() => Self::Probe(LatencyProbe { seq, ts }),
            _ => Self::Other,
        }
    }
}

/// Herald's envelope, read for its payload only.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    event: Lean<'a>,
}

/// A payload, read for what a probe carries: its tag, as `herald_dashboard_events::Payload`
/// writes it, and a probe's fields when present.
#[derive(Deserialize)]
struct Lean<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    seq: Option<u64>,
    ts: Option<u64>,
}

impl Acks {
    /// Room for probes `0..total`.
    pub(crate) fn new(total: u64) -> Self {
        Self {
            acked_us: (0..total).map(|_| AtomicU64::new(0)).collect(),
            published: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            first_failure: Mutex::new(None),
        }
    }

    /// Probes published so far (answered 2xx).
    pub(crate) fn published(&self) -> u64 {
        self.published.load(Ordering::Relaxed)
    }

    /// Publishes that failed, and why the first did.
    pub(crate) fn failed(&self) -> (u64, Option<String>) {
        let why = self
            .first_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (self.failed.load(Ordering::Relaxed), why)
    }

    fn acknowledge(&self, seq: u64, at_us: u64) {
        if let Some(slot) = self
            .acked_us
            .get(usize::try_from(seq).unwrap_or(usize::MAX))
        {
            slot.store(at_us.max(1), Ordering::Release);
        }
        self.published.fetch_add(1, Ordering::Relaxed);
    }

    fn fail(&self, error: &anyhow::Error) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        self.first_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(|| format!("{error:#}"));
    }

    fn acked(&self, seq: u64) -> Option<u64> {
        let slot = self.acked_us.get(usize::try_from(seq).ok()?)?;
        Some(slot.load(Ordering::Acquire)).filter(|&at| at != 0)
    }

    fn total(&self) -> u64 {
        self.acked_us.len() as u64
    }
}

impl Tally {
    /// A stream that expects probes `0..total`.
    pub(crate) fn new(total: u64) -> Self {
        Self {
            seen: vec![0; usize::try_from(total.div_ceil(64)).unwrap_or(0)],
            counts: Counts::default(),
            newest_sent_us: 0,
            pending: Vec::new(),
        }
    }

    /// Counts one probe; true when it is the first delivery of its `seq`
    /// (the one whose latency counts), false for a duplicate or a probe of
    /// another run.
    pub(crate) fn record(&mut self, probe: LatencyProbe, acks: &Acks) -> bool {
        let Some((word, bit)) = self.bit(probe.seq) else {
            return false;
        };
        if *word & bit != 0 {
            self.counts.duplicated += 1;
            return false;
        }
        *word |= bit;
        self.counts.delivered += 1;
        self.pending
            .retain(|pending| !settle(pending, acks, &mut self.counts));
        let pending = Pending {
            seq: probe.seq,
            newest_sent_before_us: self.newest_sent_us,
        };
        if !settle(&pending, acks, &mut self.counts) {
            self.pending.push(pending);
        }
        self.newest_sent_us = self.newest_sent_us.max(probe.ts);
        true
    }

    pub(crate) fn gap(&mut self) {
        self.counts.gaps += 1;
    }

    /// The stream ended or failed before the run did.
    pub(crate) fn ended_early(&mut self) {
        self.counts.ended_early = 1;
    }

    /// Distinct probes received so far.
    pub(crate) fn delivered(&self) -> u64 {
        self.counts.delivered
    }

    /// The counts once publishing is over: every acknowledged probe not
    /// received is lost, and a delivery whose publish never got its 2xx
    /// has no order to keep.
    pub(crate) fn finish(mut self, acks: &Acks) -> Counts {
        for pending in std::mem::take(&mut self.pending) {
            settle(&pending, acks, &mut self.counts);
        }
        self.counts.lost = (0..acks.total())
            .filter(|&seq| acks.acked(seq).is_some() && !self.has(seq))
            .count() as u64;
        self.counts
    }

    fn bit(&mut self, seq: u64) -> Option<(&mut u64, u64)> {
        let word = self.seen.get_mut(usize::try_from(seq / 64).ok()?)?;
        Some((word, 1 << (seq % 64)))
    }

    fn has(&self, seq: u64) -> bool {
        usize::try_from(seq / 64)
            .ok()
            .and_then(|index| self.seen.get(index))
            .is_some_and(|word| word & (1 << (seq % 64)) != 0)
    }
}

impl Counts {
    pub(crate) fn add(&mut self, other: Self) {
        self.delivered += other.delivered;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.out_of_order += other.out_of_order;
        self.gaps += other.gaps;
        self.ended_early += other.ended_early;
    }
}

/// Opens a stream at `url`. A 2xx answer means the server subscribed it
/// (Herald subscribes before it answers), so what is published from here on
/// is expected on it.
pub(crate) async fn open(client: &reqwest::Client, url: &str) -> anyhow::Result<Events> {
    // As a browser's `EventSource` asks; Nchan refuses a stream without it.
    let response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        bail!("HTTP {status}");
    }
    Ok(response.bytes_stream().boxed().eventsource())
}

/// Why a run gave up: only `opened` of its `streams` opened within
/// [`OPEN_DEADLINE`].
pub(crate) fn not_all_opened(opened: u64, streams: usize) -> anyhow::Error {
    anyhow::anyhow!(
        "only {opened} of {streams} streams opened within {}s",
        OPEN_DEADLINE.as_secs()
    )
}

/// A client for publishing, with a timeout on each publish.
pub(crate) fn publish_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(PUBLISH_TIMEOUT)
        .build()?)
}

/// Publishes probe `seq`, stamped with the clock now.
pub(crate) async fn publish(client: &reqwest::Client, url: &str, seq: u64) -> anyhow::Result<()> {
    let probe = Payload::LatencyProbe(LatencyProbe { seq, ts: now_us() });
    let response = client.post(url).json(&probe).send().await?;
    let status = response.status();
    if !status.is_success() {
        bail!("publish answered HTTP {status}");
    }
    Ok(())
}

/// Publishes probes `0..acks.total()` to `url`, `rate` a second, until
/// done or `stop`, recording each answer in `acks`.
///
/// It runs on a thread and runtime of its own: the streams keep the main
/// runtime's workers busy, and a publisher sharing them would be scheduled
/// late, lowering the rate and adding its own delay to every latency.
pub(crate) async fn publish_paced(
    url: String,
    rate: u32,
    acks: Arc<Acks>,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let (done, finished) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("publisher".to_owned())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|runtime| {
                    runtime.block_on(async {
                        pace(publish_client()?, url, rate, acks, stop).await;
                        anyhow::Ok(())
                    })
                });
            let _ = done.send(result);
        })
        .context("starting the publisher thread")?;
    finished.await.context("the publisher thread panicked")?
}

/// The ticks hand `seq`s to [`PUBLISHERS`] tasks, so a slow reply holds up
/// one task and not the rate; past that many slow replies the rate drops,
/// and the report shows it.
async fn pace(
    client: reqwest::Client,
    url: String,
    rate: u32,
    acks: Arc<Acks>,
    stop: CancellationToken,
) {
    let (sender, receiver) = tokio::sync::mpsc::channel::<u64>(PUBLISHERS);
    let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..PUBLISHERS {
        let (client, url, acks, receiver) =
            (client.clone(), url.clone(), acks.clone(), receiver.clone());
        tasks.spawn(async move {
            loop {
                let next = receiver.lock().await.recv().await;
                let Some(seq) = next else { break };
                match publish(&client, &url, seq).await {
                    Ok(()) => acks.acknowledge(seq, now_us()),
                    Err(error) => acks.fail(&error),
                }
            }
        });
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for seq in 0..acks.total() {
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            _ = ticker.tick() => {}
        }
        if sender.send(seq).await.is_err() {
            break;
        }
    }
    drop(sender);
    while tasks.join_next().await.is_some() {}
}

/// This machine's clock in unix microseconds, the unit of a probe's `ts`.
pub(crate) fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
        })
}

/// Decides the order of a pending delivery once its acknowledgement is
/// known: out of order when a probe received before it was sent after it
/// was acknowledged. False while the acknowledgement is still to come.
fn settle(pending: &Pending, acks: &Acks, counts: &mut Counts) -> bool {
    let Some(acked_us) = acks.acked(pending.seq) else {
        return false;
    };
    if pending.newest_sent_before_us > acked_us {
        counts.out_of_order += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(seq: u64, ts: u64) -> LatencyProbe {
        LatencyProbe { seq, ts }
    }

    fn sse(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.to_owned(),
            data: data.to_owned(),
            id: String::new(),
            retry: None,
        }
    }

    #[test]
    fn a_probe_decodes_from_herald_s_envelope_and_bare() {
        let envelope = r#"{"id":"1-5","topic":"load/a","time_us":9,"event":{"type":"latency_probe","seq":4,"ts":77}}"#;
        assert_eq!(
            Message::decode(&sse("latency_probe", envelope)),
            Message::Probe(probe(4, 77))
        );
        let bare = r#"{"type":"latency_probe","seq":5,"ts":78}"#;
        assert_eq!(
            Message::decode(&sse("message", bare)),
            Message::Probe(probe(5, 78))
        );
        assert_eq!(Message::decode(&sse(GAP_EVENT, "{}")), Message::Gap);
        assert_eq!(Message::decode(&sse("message", "not json")), Message::Other);
        // What Herald sends is what `herald-wire` writes.
        let event = herald_wire::Envelope {
            id: herald_wire::EventId::new(3, 9),
            topic: herald_wire::Topic::parse("load/a").unwrap(),
            time_us: 10,
            event: Payload::LatencyProbe(probe(6, 79)),
        };
        let written = serde_json::to_string(&event).unwrap();
        assert_eq!(
            Message::decode(&sse("latency_probe", &written)),
            Message::Probe(probe(6, 79))
        );
        let chat = r#"{"type":"chat","author":"a","text":"b"}"#;
        assert_eq!(Message::decode(&sse("chat", chat)), Message::Other);
    }

    #[test]
    fn every_probe_once_in_order_counts_clean() {
        let acks = Acks::new(3);
        let mut tally = Tally::new(3);
        for seq in 0..3 {
            acks.acknowledge(seq, 100 * seq + 50);
            assert!(tally.record(probe(seq, 100 * seq), &acks));
        }
        assert_eq!(tally.delivered(), 3);
        assert_eq!(
            tally.finish(&acks),
            Counts {
                delivered: 3,
                ..Counts::default()
            }
        );
    }

    #[test]
    fn missing_and_repeated_probes_are_lost_and_duplicated() {
        let acks = Acks::new(4);
        for seq in 0..4 {
            acks.acknowledge(seq, 1000 + seq);
        }
        let mut tally = Tally::new(4);
        assert!(tally.record(probe(0, 1), &acks));
        assert!(!tally.record(probe(0, 1), &acks));
        assert!(tally.record(probe(2, 3), &acks));
        // Another run's probe on the same topic is ignored.
        assert!(!tally.record(probe(99, 3), &acks));
        let counts = tally.finish(&acks);
        assert_eq!(
            (counts.delivered, counts.lost, counts.duplicated),
            (2, 2, 1)
        );
    }

    #[test]
    fn a_failed_publish_is_not_lost() {
        let acks = Acks::new(2);
        acks.acknowledge(0, 10);
        acks.fail(&anyhow::anyhow!("HTTP 503"));
        let mut tally = Tally::new(2);
        tally.record(probe(0, 1), &acks);
        assert_eq!(tally.finish(&acks).lost, 0);
        assert_eq!(acks.failed(), (1, Some("HTTP 503".to_owned())));
    }

    #[test]
    fn probes_in_flight_together_may_arrive_in_either_order() {
        // 1 was sent (at 20) before 0 was acknowledged (at 30).
        let acks = Acks::new(2);
        let mut tally = Tally::new(2);
        tally.record(probe(1, 20), &acks);
        tally.record(probe(0, 10), &acks);
        acks.acknowledge(0, 30);
        acks.acknowledge(1, 40);
        assert_eq!(tally.finish(&acks).out_of_order, 0);
    }

    #[test]
    fn a_probe_behind_one_sent_after_its_acknowledgement_is_out_of_order() {
        // 0 was acknowledged at 15, 1 sent at 20, yet 1 arrived first.
        let acks = Acks::new(2);
        acks.acknowledge(0, 15);
        let mut tally = Tally::new(2);
        tally.record(probe(1, 20), &acks);
        tally.record(probe(0, 10), &acks);
        acks.acknowledge(1, 25);
        assert_eq!(tally.finish(&acks).out_of_order, 1);
    }

    #[test]
    fn the_order_check_waits_for_an_acknowledgement_that_comes_after_delivery() {
        let acks = Acks::new(3);
        let mut tally = Tally::new(3);
        tally.record(probe(2, 50), &acks);
        // 0 arrives unacknowledged: pending.
        tally.record(probe(0, 10), &acks);
        acks.acknowledge(0, 40);
        // Settled on the next delivery: 2 was sent at 50, after 0's ack.
        tally.record(probe(1, 20), &acks);
        assert!(tally.pending.iter().all(|pending| pending.seq != 0));
        assert_eq!(tally.counts.out_of_order, 1);
        // 1 was acknowledged at 60, after 2 was sent: either order was fine.
        acks.acknowledge(1, 60);
        acks.acknowledge(2, 70);
        assert_eq!(tally.finish(&acks).out_of_order, 1);
    }
}
