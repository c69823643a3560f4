// Writes TypeScript generated from Herald's committed contract (docs/api),
// with the standard generator of each kind, always with the same options:
//
//   node generate.mjs events  OUT   events.d.ts from events.schema.json (json-schema-to-typescript)
//   node generate.mjs openapi OUT   openapi.d.ts from openapi.json (openapi-typescript)
//
// `npm run events` rewrites the committed backend/client/events.d.ts; the
// e2e test `typescript.rs` generates both into target/ and compares.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { compileFromFile } from "json-schema-to-typescript";
import openapiTS, { astToString } from "openapi-typescript";

const contract = new URL("../../docs/api/", import.meta.url);

const generators = {
  /** The data of every stream message: an envelope of the binary's events, or a gap. */
  async events() {
    const schema = new URL("events.schema.json", contract);
    return compileFromFile(schema.pathname, {
      bannerComment:
        "/* Generated from docs/api/events.schema.json by json-schema-to-typescript\n" +
        " * (e2e/typescript: `npm run events`); do not edit. */",
      // The file is read as committed, with nothing fetched from elsewhere.
      $refOptions: { resolve: { external: false } },
    });
  },
  /** Every route of the binary, its parameters, bodies and replies. */
  async openapi() {
    return astToString(await openapiTS(new URL("openapi.json", contract)));
  },
};

const [what, out] = process.argv.slice(2);
if (!(what in generators) || !out) {
  console.error("usage: node generate.mjs events|openapi OUT");
  process.exit(2);
}
await mkdir(dirname(out), { recursive: true });
await writeFile(out, await generators[what]());
