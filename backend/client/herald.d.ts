// Types of herald.js, Herald's browser client. Written by hand and generic
// over an app's own events; the `herald` binary's events are generated in
// events.d.ts (`Envelope["event"]` there is its event type).

/** An event as the hub tags it: its kind in `type`, then its own fields. */
export interface HeraldEvent {
  type: string;
}

/** Any event, of a kind the page does not type. */
export type UntypedEvent = HeraldEvent & { [field: string]: unknown };

/** One published event as every subscriber receives it. */
export interface Envelope<E extends HeraldEvent = UntypedEvent> {
  /** Its place in the hub's one sequence (`epoch-sequence`): opaque, ordered, sent back to resume. */
  id: string;
  /** The topic it was published to. */
  topic: string;
  /** The hub's clock when it accepted the event, in unix microseconds. */
  time_us: number;
  /** What happened. */
  event: E;
}

/**
 * Events on `topic` (a pattern of the stream when the hub forgot the topics under it) after
 * `after` and up to `through` that the hub can no longer send: resync what you derived.
 */
export interface Gap {
  topic: string;
  after: string;
  through: string;
}

/** Where the stream stands. */
export type Status = "connecting" | "live" | "reconnecting" | "refused" | "closed";

/**
 * What `onStatus` is told: `reconnecting` with herald.js's delay in milliseconds (null while
 * the browser retries by itself), `refused` with the hub's reason.
 */
export type StatusChange =
  | [status: "connecting" | "live" | "closed", detail: null]
  | [status: "reconnecting", detail: number | null]
  | [status: "refused", detail: string];

export interface SubscribeOptions<E extends HeraldEvent = UntypedEvent> {
  /**
   * The hub's API base (`https://hub.example.com/api`, or where an app nests `Herald::router`);
   * by default where herald.js was loaded from.
   */
  url?: string;
  /** Topics or patterns (`chat/*`). */
  topics: string[];
  /** The event types to deliver: an EventSource dispatches only the names it listens for. */
  kinds: E["type"][];
  /** Each event of those kinds, once, in order: the history first, then live. */
  onEvent?: (envelope: Envelope<E>, kind: E["type"]) => void;
  /** Events the hub no longer has. */
  onGap?: (gap: Gap) => void;
  /** Each change of the stream's state. */
  onStatus?: (...change: StatusChange) => void;
  /** A JWT for private topics, sent as the `token` parameter. */
  token?: string;
  /** Events per topic to load first (default 100); 0 loads none. */
  history?: number;
  /** An event id to resume after instead of loading the history. */
  after?: string;
}

export interface Subscription {
  /** Closes the stream and cancels a pending retry; `onStatus("closed")` follows. */
  close(): void;
  /** The id of the newest event delivered (or where the history said to resume), else null. */
  readonly lastEventId: string | null;
}

/** Follows `topics`: their history, then live, across dropped connections and hub restarts. */
export function subscribe<E extends HeraldEvent = UntypedEvent>(
  options: SubscribeOptions<E>,
): Subscription;
