// Opens one of the hub's streams with the npm `eventsource` package and
// reports what the client sees, one line per happening on standard output,
// for e2e/tests/clients.rs to read as it comes:
//
//   open            the connection opened (again, after a reconnect)
//   error           the connection dropped or failed; the package then
//                   reconnects by itself after the stream's `retry:` hint
//   event <id>      an event named <kind> arrived; <id> is the id the client
//                   now resumes after
//   message <data>  something reached `onmessage`, which no event of the hub
//                   should: it names every event
//
// Usage: node listen.js <stream URL> <kind>. It runs until it is killed.
//
// The package (over eventsource-parser) takes a stream's position only from
// a block with a `data:` line, and dispatches such a block to listeners of
// its name; this script listens to <kind> alone, as a page or a program
// would, so the `position` block must leave no trace here.

import { EventSource } from "eventsource";

const [url, kind] = process.argv.slice(2);
if (!url || !kind) {
  console.error("usage: node listen.js <stream URL> <kind>");
  process.exit(2);
}

// Writes to a pipe are synchronous on Linux, so a line is out before the
// next happening is handled.
const report = (line) => process.stdout.write(`${line}\n`);

const source = new EventSource(url);
source.onopen = () => report("open");
source.onerror = () => report("error");
// JSON keeps data that holds line breaks on one line.
source.onmessage = (event) => report(`message ${JSON.stringify(event.data)}`);
source.addEventListener(kind, (event) => report(`event ${event.lastEventId}`));
