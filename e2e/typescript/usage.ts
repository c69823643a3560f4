// A page's use of herald.js, typed: compiled with `tsc --noEmit --strict`
// (never run) by e2e/tests/typescript.rs, against the hand-written
// herald.d.ts, the generated events.d.ts, and the types openapi-typescript
// generates from docs/api/openapi.json into target/ ("herald-openapi").

import { subscribe, type Envelope, type Gap } from "../../backend/client/herald.js";
import type {
  Envelope as StreamEnvelope,
  Gap as StreamGap,
  HeraldStreamData,
} from "../../backend/client/events";
import type { components, paths } from "herald-openapi";

/** The `herald` binary's events, as its schema describes them. */
type Payload = StreamEnvelope["event"];

// What the schema says a stream carries is what herald.d.ts hands over.
const envelopeFromStream = (data: StreamEnvelope): Envelope<Payload> => data;
const gapFromStream = (data: StreamGap): Gap => data;
const streamData = (data: HeraldStreamData): StreamEnvelope | StreamGap => data;

const lines: string[] = [];
const feed = subscribe<Payload>({
  topics: ["chat/*", "system/metrics"],
  kinds: ["chat", "metrics"],
  history: 50,
  onEvent(envelope, kind) {
    const event = envelope.event;
    if (is(event, "metrics")) {
      lines.push(`${envelope.topic}: cpu ${event.cpu_total.toFixed(1)} % (${kind})`);
    } else if (is(event, "chat")) {
      lines.push(`${event.author}: ${event.text}`);
    }
  },
  onGap(gap) {
    lines.push(`lost on ${gap.topic}: after ${gap.after} through ${gap.through}`);
  },
  onStatus(status, detail) {
    if (status === "reconnecting") {
      lines.push(detail === null ? "reconnecting" : `retrying in ${detail.toFixed(0)} ms`);
    } else if (status === "refused") {
      lines.push(`refused: ${detail.toUpperCase()}`);
    }
  },
});
const resumeAt: string | null = feed.lastEventId;
feed.close();

// An app's own events, untyped by the schema: any kind, any fields.
subscribe({
  url: "https://hub.example.com/api",
  topics: ["orders/*"],
  kinds: ["order_created"],
  after: resumeAt ?? undefined,
  token: "eyJ.a.b",
  onEvent(envelope) {
    const order: unknown = envelope.event["order"];
    lines.push(`${envelope.id} ${String(order)}`);
  },
});

/**
 * Narrows an event to one kind. `type` alone does not: the schema also lets any other kind
 * through (its `type` any string), and a string may be "chat".
 */
function is<K extends string>(event: Payload, kind: K): event is Extract<Payload, { type: K }> {
  return event.type === kind;
}

// The generated client of the HTTP API agrees with the same shapes.
type HistoryReply =
  paths["/api/history"]["get"]["responses"][200]["content"]["application/json"];
type ClientReply =
  paths["/api/client/herald.js"]["get"]["responses"][200]["content"]["text/javascript"];
type Refusal = components["schemas"]["ErrorBody"];

const newest = (reply: HistoryReply): string => reply.resume_after;
const firstEvent = (reply: HistoryReply): Envelope<Payload> | undefined => reply.events[0];
const moduleText = (reply: ClientReply): string => reply;
const refusalReason = (body: Refusal): string => `${body.code}: ${body.message}`;

export {
  envelopeFromStream,
  firstEvent,
  gapFromStream,
  lines,
  moduleText,
  newest,
  refusalReason,
  streamData,
};
