// Property-based fuzzing of POST /v1/jobs over the real app (SQLite + Redis): random and mutated
// bodies, content types and headers never get a 5xx, and every 4xx leaves the database and the
// queue exactly as they were (invariant 6); every 202 adds exactly one row and one queue entry.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { issueKey, rowCount, startTestApi, type TestApi } from "../harness/test-api.ts";

const RUNS = 5_000;
let env: TestEnv;
let api: TestApi;
let auth: Record<string, string>;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_RATE_LIMIT_PER_SECOND: "0", GENQ_MAX_TOKENS_LIMIT: "64", GENQ_MAX_PROMPT_CHARS: "2000" });
  api = await startTestApi(env.config);
  auth = { authorization: `Bearer ${await issueKey(api, "fuzz")}` };
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const valid = { prompt: "hello", max_tokens: 2, temperature: 0 };
const fieldNames = [
  "model", "prompt", "messages", "max_tokens", "temperature", "top_p", "top_k", "repetition_penalty", "seed", "stop",
  "ignore_eos", "priority", "webhook", "metadata", "__proto__", "constructor", "prototype", "extra", "",
];

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("\u0000", "\ud800", "\udfff", "a\r\nb", "😀", "tiny", "high", "low", "normal", "https://user:pw@x.test/", "ftp://x", "javascript:1"),
);
const hostileNumber = fc.oneof(
  fc.integer({ min: -5, max: 300 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(-0, 0.5, 1e308, -1e308, 2 ** 53 + 1, 4_294_967_296, Number.MIN_VALUE),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 20 }),
  fc.array(fc.record({ role: fc.constantFrom("user", "system", "assistant", "root"), content: hostileString }), { maxLength: 3 }),
  fc.record({ url: hostileString }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A valid body with a few fields replaced, added or removed. */
const mutatedBody = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...fieldNames), hostileValue, fc.boolean()), { maxLength: 4 }), fc.boolean())
  .map(([edits, withMessages]) => {
    const body: Record<string, unknown> = withMessages ? { messages: [{ role: "user", content: "hi" }], max_tokens: 2 } : { ...valid };
    for (const [name, value, remove] of edits) {
      if (remove) delete body[name];
      else Object.defineProperty(body, name, { value, enumerable: true, configurable: true, writable: true });
    }
    return JSON.stringify(body);
  });

/** Raw text: random JSON, truncated or spliced valid bodies, and plain noise. */
const rawBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([cut, junk]) => {
    const text = JSON.stringify(valid);
    const at = cut % text.length;
    return text.slice(0, at) + junk + text.slice(at + 1);
  }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("", "{}", "[]", "null", '{"prompt":"x"', '{"prompt":"x","max_tokens":NaN}', '{"prompt":"x","max_tokens":1e309}'),
);

const request = fc.record({
  body: fc.oneof({ weight: 3, arbitrary: mutatedBody }, { weight: 2, arbitrary: rawBody }),
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant("application/json") },
    { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/problem+json", "application/json; charset=utf-8", "", "application/x-www-form-urlencoded") },
  ),
  idempotencyKey: fc.option(
    fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 20 }), fc.stringMatching(/^[!-~]{1,300}$/)),
    { freq: 4 },
  ),
});

async function snapshot(): Promise<{ rows: number; queued: number }> {
  const rows = await rowCount(api);
  const counts = await api.nodeDeps.deps.queue.counts();
  const queued = Object.values(counts).reduce((sum, states) => sum + Object.values(states).reduce((a, b) => a + b, 0), 0);
  return { rows, queued };
}

describe("POST /v1/jobs under fuzzing", () => {
  // A budget, not a speed claim: 5,000 requests take ~35 s idle and far longer on a busy CI box.
  it(`never 5xx; a 4xx changes nothing; a 202 adds one row and one queue entry (${RUNS} runs)`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ body, contentType, idempotencyKey }) => {
        const headers: Record<string, string> = { ...auth };
        if (contentType) headers["content-type"] = contentType;
        if (idempotencyKey !== null) {
          // Headers cannot carry CR/LF/NUL or non-Latin-1 at all (the HTTP layer refuses them first).
          if ([...idempotencyKey].some((ch) => "\r\n\0".includes(ch) || ch.codePointAt(0)! > 0xff)) return;
          headers["idempotency-key"] = idempotencyKey;
        }
        const before = await snapshot();
        const res = await api.app.request("/v1/jobs", { method: "POST", headers, body });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const after = await snapshot();
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
          expect(((await res.json()) as { code: string }).code).toMatch(/^[A-Z_]+$/);
          expect(after).toEqual(before);
        } else if (res.headers.get("idempotent-replayed") === "true") {
          expect(after).toEqual(before);
        } else {
          expect(res.status).toBe(202);
          expect(after).toEqual({ rows: before.rows + 1, queued: before.queued + 1 });
        }
      }),
      { numRuns: RUNS },
    );
    console.log(`fuzz status counts: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(statuses.get(202) ?? 0).toBeGreaterThan(RUNS / 20);
  }, 300_000);
});
