// Herald's browser client: follow topics of a Herald hub from a plain web
// page, as one ES module with no build step and no dependency.
//
//     import { subscribe } from "https://hub.example.com/api/client/herald.js";
//     const feed = subscribe({ topics: ["chat/*"], kinds: ["chat"], onEvent: show });
//
// It does what Herald's yew hook does (herald-yew/src/use_event_stream.rs
// and connection.rs): load the recent history, open ONE EventSource after
// it, deliver each event once and in order, and when the browser gives up
// on the stream (it does after any HTTP error, such as the 503 of a hub
// that is restarting) reopen it itself, with backoff, from the last event
// delivered, so nothing is lost. A refusal no retry can change (400, 401,
// 403) stops it. The hub serves this file at `/api/client/herald.js`
// (`herald_wire::protocol::CLIENT_PATH`); its types are in herald.d.ts.

// The protocol's names, as herald-wire's `protocol` module spells them
// (paths below the API's base); a test of the hub holds them equal.
const CLIENT = "/client/herald.js";
const EVENTS = "/events";
const HISTORY = "/history";
const TOPIC_PARAM = "topic";
const LIMIT_PARAM = "limit";
const TOKEN_PARAM = "token";
const LAST_EVENT_ID_PARAM = "lastEventId";
const GAP_EVENT = "gap";
// Where the `herald` binary serves its API, for a copy of this file that
// was not loaded from a hub.
const API_PREFIX = "/api";

// Retries of a stream the browser gave up on: a random delay up to a
// ceiling that doubles from half a second to thirty ("full jitter"), so
// the pages of a restarted hub come back spread out, not all at once.
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
// Statuses that no retry changes: a request the hub cannot read (400, a
// name that is not a topic) and a token it refuses (401, 403).
const REFUSALS = [400, 401, 403];
// How many delivered ids are remembered to drop a repeat: repeats only
// happen where a history meets a stream or a stream is reopened, so the
// recent ones are enough, and memory stays bounded on a page left open.
const REMEMBERED_IDS = 10_000;

/**
 * Follows `topics` on a Herald hub: first their recent history, then live,
 * each event delivered once and in order, across dropped connections and
 * hub restarts.
 *
 * The stream is one `EventSource`, which dispatches only the event names a
 * listener was added for, so `kinds` names the event types to deliver (a
 * history event of another type is skipped too, so history and live agree).
 *
 * @param {object} options
 * @param {string} [options.url] The hub's API base (`https://hub.example.com/api`, or where an
 *   app nests `Herald::router`); by default where this module was loaded from.
 * @param {string[]} options.topics Topics or patterns (`chat/*`).
 * @param {string[]} options.kinds The event types to deliver.
 * @param {(envelope: object, kind: string) => void} [options.onEvent] Each event's envelope
 *   `{id, topic, time_us, event: {type, ...}}`.
 * @param {(gap: {topic: string, after: string, through: string}) => void} [options.onGap]
 *   Events after `after` up to `through` that the hub no longer has: resync what you derived.
 * @param {(status: string, detail?: string | number | null) => void} [options.onStatus]
 *   `connecting`, `live`, `reconnecting` (the delay in ms, or null while the browser retries
 *   by itself), `refused` (the hub's reason) or `closed`.
 * @param {string} [options.token] A JWT for private topics, sent as the `token` parameter.
 * @param {number} [options.history] Events per topic to load first; 0 loads none.
 * @param {string} [options.after] An event id to resume after instead of loading history.
 * @returns {{close(): void, readonly lastEventId: string | null}}
 */
export function subscribe({
  url = servedFrom(),
  topics,
  kinds = [],
  onEvent = () => {},
  onGap = () => {},
  onStatus = () => {},
  token,
  history = 100,
  after,
} = {}) {
  if (!Array.isArray(topics) || topics.length === 0) {
    throw new TypeError("subscribe: `topics` must name at least one topic or pattern");
  }
  const base = url.replace(/\/+$/, "");
  const wanted = new Set(kinds);
  const seen = new Set();
  // Cancels the history load and a refusal check on close() or a refusal.
  const aborts = new AbortController();
  let lastId = after ?? null;
  let needHistory = after == null;
  let source = null;
  let timer = null;
  let attempt = 0;
  let ended = false;
  let shown = null;

  /** `path` below the API with the topics, `params` and the token, as the hub reads them. */
  function address(path, params) {
    const query = new URLSearchParams();
    for (const topic of topics) query.append(TOPIC_PARAM, topic);
    for (const [name, value] of params) if (value != null) query.append(name, String(value));
    if (token) query.append(TOKEN_PARAM, token);
    return `${base}${path}?${query}`;
  }

  /** Tells the page where the stream stands, once per change, so a page can draw it as is. */
  function setStatus(status, detail = null) {
    const next = `${status} ${detail}`;
    if (next === shown) return;
    shown = next;
    call(onStatus, status, detail);
  }

  /** Opens the stream, after the history while that is still owed (first, or a load that failed). */
  async function start() {
    timer = null;
    if (needHistory && !(await loadHistory())) return;
    open();
  }

  /**
   * Loads the history and delivers it, keeping the hub's `resume_after`, so the stream opened
   * after it neither repeats nor skips an event. With `history: 0` it still asks for one event
   * per topic and delivers none: the stream must know where it starts to resume exactly after
   * a drop, and the `position` an EventSource reads is hidden from the page. True when the
   * stream should open now; false when it stopped or a retry is due.
   */
  async function loadHistory() {
    let response;
    try {
      const limit = Math.max(history, 1);
      response = await fetch(address(HISTORY, [[LIMIT_PARAM, limit]]), { signal: aborts.signal });
    } catch {
      if (!ended) retry();
      return false;
    }
    if (ended) return false;
    if (REFUSALS.includes(response.status)) {
      refuse(await reason(response));
      return false;
    }
    if (response.status === 429 || response.status >= 500) {
      retry();
      return false;
    }
    needHistory = false;
    // Anything else but the hub's list (no history route behind a proxy): follow from now.
    const reply = response.ok ? await response.json().catch(() => null) : null;
    if (ended) return false;
    if (history > 0) {
      for (const envelope of reply?.events ?? []) deliver(envelope, envelope?.event?.type);
    }
    lastId = reply?.resume_after ?? lastId;
    return true;
  }

  /** Opens one EventSource after the last id, listening for the kinds and for gaps. */
  function open() {
    let events;
    try {
      events = new EventSource(address(EVENTS, [[LAST_EVENT_ID_PARAM, lastId]]));
    } catch (error) {
      refuse(`the browser refused the stream URL: ${error.message}`);
      return;
    }
    source = events;
    events.addEventListener("open", () => {
      attempt = 0;
      setStatus("live");
    });
    // CONNECTING after an error: the browser retries by itself, with `Last-Event-ID`.
    // CLOSED: it gave up for good, and says no more about why.
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CLOSED) gaveUp(events);
      else setStatus("reconnecting");
    });
    for (const kind of wanted) {
      events.addEventListener(kind, (message) => deliver(JSON.parse(message.data), kind));
    }
    events.addEventListener(GAP_EVENT, (message) => call(onGap, JSON.parse(message.data)));
  }

  /**
   * Hands `envelope` to the page unless its id was delivered already, and moves the resume
   * position to it: ids are ordered, so the newest delivered is where to resume.
   */
  function deliver(envelope, kind) {
    const id = envelope?.id;
    if (!wanted.has(kind) || typeof id !== "string" || seen.has(id)) return;
    seen.add(id);
    if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value);
    lastId = id;
    call(onEvent, envelope, kind);
  }

  /**
   * The browser closed the stream after an HTTP error or a wrong content type, which an
   * EventSource hides: asks the same URL once with fetch to learn the status, and drops the
   * stream as soon as the headers show it was accepted. A refusal stops; anything else (a
   * hub restarting, a proxy's error page, no answer at all) is retried.
   */
  async function gaveUp(events) {
    events.close();
    if (source !== events) return;
    source = null;
    let response = null;
    try {
      response = await fetch(events.url, { signal: aborts.signal });
    } catch {
      // No answer: the hub is down; it is retried below.
    }
    if (ended) return;
    if (response && REFUSALS.includes(response.status)) {
      refuse(await reason(response));
      return;
    }
    response?.body?.cancel().catch(() => {});
    retry();
  }

  /** Reopens after a random delay under the attempt's ceiling ("full jitter"). */
  function retry() {
    attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (attempt - 1));
    const delay = Math.round(Math.random() * ceiling);
    setStatus("reconnecting", delay);
    timer = setTimeout(start, delay);
  }

  /** Stops for good with the hub's reason: retrying would only be refused again. */
  function refuse(message) {
    ended = true;
    aborts.abort();
    setStatus("refused", message);
  }

  setStatus("connecting");
  start();

  return {
    /** Closes the stream, cancels a pending retry or load, and reports `closed`. */
    close() {
      ended = true;
      aborts.abort();
      clearTimeout(timer);
      source?.close();
      source = null;
      setStatus("closed");
    },
    /** The id of the newest event delivered (or where the history said to resume), else null. */
    get lastEventId() {
      return lastId;
    },
  };
}

/**
 * The API base this module was loaded from: a hub serves it at `{base}/client/herald.js`, so a
 * page that imports it from a hub, on its own origin or another, needs no `url`. A copy served
 * from elsewhere falls back to the `herald` binary's `/api` on the page's origin.
 */
function servedFrom() {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith(CLIENT)) return API_PREFIX;
  return here.origin + here.pathname.slice(0, -CLIENT.length);
}

/** The hub's message from a refusal's JSON body `{code, message}`, or the status. */
async function reason(response) {
  const body = await response.json().catch(() => null);
  return typeof body?.message === "string" ? body.message : `the hub answered ${response.status}`;
}

/**
 * Calls the page's `callback`; a throw is reported as uncaught (in the console) rather than
 * stopping the delivery of what follows.
 */
function call(callback, ...args) {
  try {
    callback(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
