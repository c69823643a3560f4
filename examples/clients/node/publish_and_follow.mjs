// Publish a chat event to Herald with fetch, then read it back with the
// `eventsource` package (browsers have EventSource built in).
//   npm ci && node publish_and_follow.mjs [HUB]    (HUB, or $HERALD_URL, or http://127.0.0.1:3000)
import { EventSource } from "eventsource";

const hub = process.argv[2] ?? process.env.HERALD_URL ?? "http://127.0.0.1:3000";
const topic = "chat/lobby"; // the dashboard follows it
const text = `hello from Node ${process.pid}`;

// Where to start reading: after the newest event the topic holds now.
const history = await (await fetch(`${hub}/api/history?topic=${topic}&limit=1`)).json();
const stream = new EventSource(`${hub}/api/events?topic=${topic}&lastEventId=${history.resume_after}`);
// Each SSE event is named by its kind; its data is the envelope.
stream.addEventListener("chat", (message) => {
  const envelope = JSON.parse(message.data);
  if (envelope.event.text === text) {
    console.log("received", envelope.id, envelope.event.text);
    stream.close();
  }
});

const published = await fetch(`${hub}/api/topics/${topic}`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ type: "chat", author: "node", text }),
});
if (published.status !== 202) throw new Error(`refused: ${await published.text()}`);
console.log("published", (await published.json()).id);
setTimeout(() => process.exit(1), 10_000).unref();
