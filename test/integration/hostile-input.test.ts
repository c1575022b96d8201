// Hostile input on POST /v1/jobs beyond bad-input.test.ts: streamed oversize bodies, prototype
// keys in every spelling, broken Unicode, absurd numbers, header injection, credential-bearing
// webhook URLs, and keys in the wrong places never reaching a log line. Each refusal is a 4xx
// problem+json with a stable code that leaves no row and no queue entry.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../api/app.ts";
import { createNodeDeps, startApi, type NodeDeps } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { issueKey, type JobJson, type TestResponse } from "../harness/test-api.ts";

let env: TestEnv;
let nodeDeps: NodeDeps;
let app: ReturnType<typeof createApp>;
const logLines: string[] = [];
let key: string;
let auth: Record<string, string>;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_RATE_LIMIT_PER_SECOND: "0" });
  // Debug level, captured: the secrets test reads every line the app wrote.
  nodeDeps = await createNodeDeps(env.config, createLogger("debug", {}, (line) => logLines.push(line)));
  app = createApp(nodeDeps.deps);
  key = await issueKey({ nodeDeps }, "hostile");
  auth = { authorization: `Bearer ${key}` };
});

afterAll(async () => {
  await nodeDeps?.close();
  await env?.cleanup();
});

function post(body: RequestInit["body"], headers: Record<string, string> = {}, init: RequestInit = {}): Promise<TestResponse> {
  return Promise.resolve(
    app.request("/v1/jobs", { method: "POST", headers: { "content-type": "application/json", ...auth, ...headers }, body, ...init }),
  ) as Promise<TestResponse>;
}

async function nothingStored(): Promise<void> {
  expect(await nodeDeps.deps.store.jobs.countByStatus()).toEqual({});
  const counts = await nodeDeps.deps.queue.counts();
  for (const states of Object.values(counts)) expect(Object.values(states).every((n) => n === 0)).toBe(true);
}

async function expectRefused(res: TestResponse, status: number, codes: string | string[]): Promise<JobJson> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect([codes].flat()).toContain(body.code);
  expect(body.status).toBe(status);
  await nothingStored();
  return body;
}

const json = (value: unknown) => JSON.stringify(value);
const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

describe("bodies", () => {
  it("refuses an oversized chunked body without Content-Length, reading no further than the limit", async () => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 50_000_000) return controller.close();
        sent += 65_536;
        controller.enqueue(new Uint8Array(65_536).fill(0x20));
      },
    });
    await expectRefused(await post(stream, {}, { duplex: "half" } as RequestInit), 413, "PAYLOAD_TOO_LARGE");
    expect(sent).toBeLessThan(3_000_000);
  });

  it.each([
    ["deep objects in metadata", `{"prompt":"x","metadata":${deep(40)}}`],
    ["deep arrays in metadata", `{"prompt":"x","metadata":{"a":${"[".repeat(5000)}${"]".repeat(5000)}}}`],
    ["NaN", '{"prompt":"x","temperature":NaN}'],
    ["Infinity", '{"prompt":"x","temperature":Infinity}'],
    ["hex number", '{"prompt":"x","max_tokens":0x10}'],
    ["trailing comma", '{"prompt":"x",}'],
    ["two documents", '{"prompt":"x"}{"prompt":"y"}'],
    ["a bare string", '"prompt"'],
    ["null", "null"],
  ])("%s", async (_name, body) => {
    await expectRefused(await post(body), 400, ["INVALID_JSON", "VALIDATION_FAILED"]);
  });

  it("refuses invalid UTF-8", async () => {
    const bytes = Buffer.concat([Buffer.from('{"prompt":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    await expectRefused(await post(bytes), 400, "INVALID_JSON");
  });

  it.each([
    ["text/plain", "text/plain"],
    ["form", "application/x-www-form-urlencoded"],
    ["multipart", "multipart/form-data; boundary=x"],
    ["jsonp", "application/jsonp"],
    ["json in a parameter", "text/html; x=application/json"],
  ])("refuses content type %s", async (_name, type) => {
    await expectRefused(await post(json({ prompt: "x" }), { "content-type": type }), 415, "UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("prototype keys", () => {
  it.each([
    ['{"prompt":"x","__proto__":{"polluted":true}}'],
    ['{"prompt":"x","\\u005f\\u005fproto\\u005f\\u005f":{"polluted":true}}'],
    ['{"prompt":"x","constructor":{"prototype":{"polluted":true}}}'],
    ['{"prompt":"x","metadata":{"a":{"__proto__":{"polluted":true}}}}'],
    ['{"prompt":"x","metadata":{"prototype":1}}'],
    ['{"messages":[{"role":"user","content":"x","__proto__":{}}]}'],
  ])("%s", async (body) => {
    await expectRefused(await post(body), 400, "VALIDATION_FAILED");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("strings", () => {
  it.each([
    ["NUL in a message", { messages: [{ role: "user", content: "a\u0000b" }] }],
    ["NUL in a stop string", { prompt: "x", stop: ["\u0000"] }],
    ["lone high surrogate in a message", { messages: [{ role: "user", content: "a\ud800" }] }],
    ["lone low surrogate in a stop string", { prompt: "x", stop: ["\udfff"] }],
    ["reversed surrogate pair in the prompt", { prompt: "\udc00\ud800" }],
    ["17 stop strings", { prompt: "x", stop: Array.from({ length: 17 }, (_, i) => `s${i}`) }],
    ["100k stop strings", { prompt: "x", stop: Array.from({ length: 100_000 }, () => "s") }],
    ["a stop string of 257 characters", { prompt: "x", stop: ["s".repeat(257)] }],
    ["an empty stop string", { prompt: "x", stop: [""] }],
    ["257 messages", { messages: Array.from({ length: 257 }, () => ({ role: "user", content: "x" })) }],
    ["an unknown role", { messages: [{ role: "root", content: "x" }] }],
    ["metadata over 16 KB in many small keys", { prompt: "x", metadata: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, "vvvvv"])) }],
    ["metadata as an array", { prompt: "x", metadata: [1, 2] }],
    ["metadata null", { prompt: "x", metadata: null }],
    ["a metadata key of 257 characters", { prompt: "x", metadata: { ["k".repeat(257)]: 1 } }],
    ["a model name with a newline", { prompt: "x", model: "tiny\nX-Injected: 1" }],
    ["unknown field in a message", { messages: [{ role: "user", content: "x", name: "bob" }] }],
    ["unknown field in webhook", { prompt: "x", webhook: { url: "https://example.com/h", secret: "s" } }],
  ])("%s", async (_name, body) => {
    await expectRefused(await post(json(body)), 400, ["VALIDATION_FAILED", "UNKNOWN_MODEL"]);
  });
});

describe("numbers", () => {
  it.each([
    ["1e309 temperature", '{"prompt":"x","temperature":1e309}'],
    ["-1e309 temperature", '{"prompt":"x","temperature":-1e309}'],
    ["negative zero max_tokens", '{"prompt":"x","max_tokens":-0}'],
    ["float max_tokens", '{"prompt":"x","max_tokens":2.5}'],
    ["float priority", '{"prompt":"x","priority":1.5}'],
    ["float seed", '{"prompt":"x","seed":0.1}'],
    ["float top_k", '{"prompt":"x","top_k":3.3}'],
    ["seed beyond 2^32", '{"prompt":"x","seed":9007199254740993}'],
    ["max_tokens as a string", '{"prompt":"x","max_tokens":"5"}'],
    ["temperature as a boolean", '{"prompt":"x","temperature":true}'],
    ["top_p of zero", '{"prompt":"x","top_p":0}'],
    ["negative repetition penalty", '{"prompt":"x","repetition_penalty":-1}'],
    ["ignore_eos as 1", '{"prompt":"x","ignore_eos":1}'],
  ])("%s", async (_name, body) => {
    await expectRefused(await post(body), 400, ["VALIDATION_FAILED", "INVALID_JSON"]);
  });
});

describe("webhook URLs", () => {
  it.each([
    ["ftp", "ftp://example.com/hook", "WEBHOOK_URL_REJECTED"],
    ["javascript", "javascript:alert(1)", "WEBHOOK_URL_REJECTED"],
    ["file", "file:///etc/passwd", "WEBHOOK_URL_REJECTED"],
    ["data", "data:text/plain,hi", "WEBHOOK_URL_REJECTED"],
    ["relative", "/hook", "WEBHOOK_URL_REJECTED"],
    ["user and password", "https://user:pass@example.com/hook", "WEBHOOK_URL_REJECTED"],
    ["password only", "https://:pass@example.com/hook", "WEBHOOK_URL_REJECTED"],
    ["user only", "http://admin@example.com/hook", "WEBHOOK_URL_REJECTED"],
    ["newline (parsers drop it)", "https://exa\nmple.com/hook", "VALIDATION_FAILED"],
    ["tab", "https://example.com/\thook", "VALIDATION_FAILED"],
    ["space", "https://example.com/ hook", "VALIDATION_FAILED"],
  ])("refuses %s", async (_name, url, code) => {
    await expectRefused(await post(json({ prompt: "x", webhook: { url } })), 400, code);
  });
});

describe("headers", () => {
  it.each([
    ["a tab", "a\tb"],
    ["Latin-1", "caf\u00e9"],
    ["256 characters", "k".repeat(256)],
    ["empty", ""],
    ["a space", "order 42"],
  ])("refuses an Idempotency-Key with %s", async (_name, value) => {
    await expectRefused(await post(json({ prompt: "x" }), { "idempotency-key": value }), 400, "VALIDATION_FAILED");
  });

  it("never lets CR/LF through: fetch refuses to build it and the HTTP server answers 400", async () => {
    expect(() => new Request("http://genq.test/v1/jobs", { headers: { "idempotency-key": "a\r\nX-Evil: 1" } })).toThrow();
    const api = await startApi({ ...env.config, port: 0 }, createLogger("silent"));
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(api.port, "127.0.0.1", () => {
          const body = json({ prompt: "x", max_tokens: 1 });
          socket.write(
            `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n` +
              `Idempotency-Key: a\rX-Evil: 1\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          );
        });
        let data = "";
        socket.on("data", (chunk) => (data += chunk));
        socket.on("end", () => resolve(data));
        socket.on("error", reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      await nothingStored();
    } finally {
      await api.close();
    }
  });
});

describe("secrets never reach the logs", () => {
  it("logs only the public prefix of rejected keys, and nothing of keys sent in other places", async () => {
    const other = await issueKey({ nodeDeps }, "other");
    const secretOf = (k: string) => k.slice(-43);
    const tampered = key.slice(0, -2) + (key.endsWith("AA") ? "BB" : "AA");
    const req = (path: string, init: RequestInit) => Promise.resolve(app.request(path, init));
    await req("/v1/jobs", { headers: { authorization: `Bearer ${tampered}` } });
    await req(`/v1/jobs?api_key=${other}&token=${other}`, {});
    await req("/v1/jobs", { headers: { authorization: other } });
    await req("/v1/jobs", { headers: { authorization: `Basic ${btoa(`u:${other}`)}` } });
    await req("/v1/jobs", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${other}x` }, body: "{}" });
    await post(json({ prompt: "x", api_key: other, metadata: { authorization: other } }));
    await post(`{"prompt":"${other}`);
    await post(json({ prompt: "x" }), { "idempotency-key": `${other} x` });
    const log = logLines.join("\n");
    expect(log).toContain("api key rejected");
    expect(log).toContain(key.slice(8, 20)); // the prefix of the tampered key: useful, public
    for (const secret of [secretOf(key), secretOf(tampered), secretOf(other)]) expect(log).not.toContain(secret);
    await nothingStored();
  });

  it("redacts secret-looking fields whatever a caller logs", () => {
    const lines: string[] = [];
    const logger = createLogger("debug", {}, (line) => lines.push(line));
    logger.info("x", { authorization: `Bearer ${key}`, apiKey: key, admin_key: key, webhookSecret: key, key });
    expect(lines.join("\n")).not.toContain(key.slice(-43));
  });
});

// Last, because the tests above count on an empty database.
describe("what is not hostile", () => {
  it("accepts astral characters, negative zero where zero is allowed, and a Latin-1-free Idempotency-Key", async () => {
    const res = await post('{"prompt":"\ud83d\ude00 ok","max_tokens":1,"priority":-0,"temperature":-0}', { "idempotency-key": "order-42" });
    expect(res.status).toBe(202);
    const job = await res.json();
    expect(job.priority).toBe(0);
    expect(Object.is(job.priority, -0)).toBe(false);
  });
});
