/* Generated from docs/api/events.schema.json by json-schema-to-typescript
 * (e2e/typescript: `npm run events`); do not edit. */

/**
 * The data of one SSE message of a Herald stream: an event's envelope (SSE event name: the event's kind) or a gap (event name `gap`).
 */
export type HeraldStreamData = Envelope | Gap;
/**
 * An event's kind: its `type` and its SSE event name.
 */
export type Kind = string;
/**
 * A topic: segments of ASCII letters, digits, `_`, `-` and `.` joined by `/`, none empty, `.` or `..`.
 */
export type Topic = string;

/**
 * One published event as every subscriber receives it: the hub-assigned id
 * and time, the topic, and the event itself, of the program's
 * `Event` type.
 *
 * This is the JSON in the `data:` line of each SSE event; the SSE `event:`
 * field carries the event's `Kind`, so a browser can listen
 * per kind.
 */
export interface Envelope {
  /**
   * What happened.
   */
  event:
    | (Metrics & {
        type: "metrics";
        [k: string]: unknown;
      })
    | (Chat & {
        type: "chat";
        [k: string]: unknown;
      })
    | (Notice & {
        type: "notice";
        [k: string]: unknown;
      })
    | (LatencyProbe & {
        type: "latency_probe";
        [k: string]: unknown;
      })
    | (HubStats & {
        type: "hub_stats";
        [k: string]: unknown;
      })
    | (Json & {
        type: "json";
        [k: string]: unknown;
      })
    | {
        type: Kind;
        [k: string]: unknown;
      };
  /**
   * Position in the hub's sequence; the SSE `id:` field carries the same value.
   */
  id: string;
  /**
   * The hub's clock when it accepted the event, in unix microseconds.
   */
  time_us: number;
  /**
   * Topic the event was published to.
   */
  topic: string;
  [k: string]: unknown;
}
/**
 * One sample of the host's system metrics.
 */
export interface Metrics {
  /**
   * Busy share of each core, in percent (0–100), in the order the OS lists them.
   */
  cpu_per_core: number[];
  /**
   * Busy share of all cores together, in percent (0–100).
   */
  cpu_total: number;
  load: LoadAverage;
  /**
   * Installed memory, in bytes.
   */
  memory_total: number;
  /**
   * Memory in use, in bytes.
   */
  memory_used: number;
  /**
   * Bytes received per second over all network interfaces since the previous sample.
   */
  net_rx_per_sec: number;
  /**
   * Bytes sent per second over all network interfaces since the previous sample.
   */
  net_tx_per_sec: number;
  [k: string]: unknown;
}
/**
 * The run-queue load averages.
 */
export interface LoadAverage {
  /**
   * Over the last fifteen minutes.
   */
  fifteen: number;
  /**
   * Over the last five minutes.
   */
  five: number;
  /**
   * Over the last minute.
   */
  one: number;
  [k: string]: unknown;
}
/**
 * A chat message.
 */
export interface Chat {
  /**
   * Who wrote it.
   */
  author: string;
  /**
   * What they wrote.
   */
  text: string;
  [k: string]: unknown;
}
/**
 * A notice for whoever is watching.
 */
export interface Notice {
  /**
   * How serious it is.
   */
  level: "info" | "warning" | "error";
  /**
   * What to tell.
   */
  text: string;
  [k: string]: unknown;
}
/**
 * A latency probe: subtract `ts` from the receiver's clock to get the
 * publish-to-receive latency (both clocks in unix microseconds).
 */
export interface LatencyProbe {
  /**
   * The publisher's sequence number, to spot loss and reordering.
   */
  seq: number;
  /**
   * The publisher's clock at send time, in unix microseconds.
   */
  ts: number;
  [k: string]: unknown;
}
/**
 * What one hub node says about itself each second: what an operator
 * watches, and what the dashboard's topic list counts subscribers by.
 *
 * Totals count from the node's start; rates are over the interval since
 * the node's previous report.
 */
export interface HubStats {
  /**
   * Events delivered to streams since the node started.
   */
  deliveries: number;
  /**
   * Deliveries per second over the interval.
   */
  deliveries_per_s: number;
  /**
   * Events the node's hub took in since it started (in a cluster, every
   * node takes in every event).
   */
  events: number;
  /**
   * Events per second over the interval.
   */
  events_per_s: number;
  /**
   * Subscriber counts of the most followed topics that anyone may see
   * (private topics are left out), most followed first, at most
   * `HubStats::MAX_FOLLOWED`. When `followed_topics` is larger, a topic
   * missing here may still have subscribers.
   */
  followed: TopicCount[];
  /**
   * Topics with at least one subscriber.
   */
  followed_topics: number;
  /**
   * Gaps reported to streams since the node started: events a stream
   * could no longer get.
   */
  gaps: number;
  /**
   * Bytes of history the hub keeps.
   */
  history_bytes: number;
  /**
   * Seconds the figures' rates are over.
   */
  interval_s: number;
  /**
   * The node these figures are of: its cluster node id, or `None` for a
   * hub of one process.
   */
  node?: string | null;
  /**
   * SSE streams (and in-process subscriptions) open now.
   */
  streams_open: number;
  /**
   * Streams opened since the node started.
   */
  streams_opened: number;
  /**
   * Topics with history or subscribers.
   */
  topics: number;
  [k: string]: unknown;
}
/**
 * A topic and how many subscribers it has.
 */
export interface TopicCount {
  /**
   * Streams and in-process subscriptions following it.
   */
  subscribers: number;
  /**
   * The topic.
   */
  topic: string;
  [k: string]: unknown;
}
/**
 * Opaque JSON from a program that brings its own schema, kept as its text:
 * key order, repeated keys, big integers and number spellings (`1e2`)
 * arrive as published. Only whitespace between tokens is dropped, so the
 * text is one line.
 */
export interface Json {
  /**
   * Any JSON value, as published.
   */
  data: {
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
/**
 * Sent on a stream, as SSE event `crate::GAP_EVENT`, where the hub cannot
 * replay events the client has not seen.
 *
 * Events on `topic` with an id after `after` and up to `through` may have been
 * missed: history was evicted before the client read it (it reconnected too
 * late, or read too slowly), or the hub restarted. The stream goes on with
 * the events after `through`; a client that keeps derived state resyncs it.
 */
export interface Gap {
  /**
   * The client's position: it has seen everything up to this id.
   */
  after: string;
  /**
   * The newest id that may be missing.
   */
  through: string;
  /**
   * Topic with missing events; a pattern of the stream when they were on
   * topics under it that the hub has forgotten entirely, so it can no
   * longer name them.
   */
  topic: "*" | Topic | string;
  [k: string]: unknown;
}
