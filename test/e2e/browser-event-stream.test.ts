// Browser and mobile streaming end to end: a real worker generates; a page on another origin in
// headless Chromium opens `urls.events` (a job-scoped stream token, no API key) with the
// browser's own EventSource, and so does the `eventsource` package; wrong tokens are refused.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventSource } from "eventsource";
import type { Browser } from "playwright-core";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { launchChromium } from "../harness/chromium.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";

const ADMIN_KEY = "browser-admin-key-0123456789";
let env: TestEnv;
let api: ApiHandle;
let worker: WorkerHandle;
let browser: Browser;
let page: Server;
let pageUrl: string;
let apiKey: string;

interface SeenEvent {
  type: string;
  id: string;
  data: string;
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function submit(maxTokens = 12): Promise<{ id: string; urls: { events: string } }> {
  const res = await call("POST", "/v1/jobs", { prompt: "stream me", max_tokens: maxTokens, temperature: 0 });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; urls: { events: string } };
}

/** Holds jobs in the queue until `release`, so a stream is open before the first token. */
async function holdWorkers(): Promise<{ release: () => void }> {
  await Promise.all(worker.workers.map((w) => w.pause()));
  return { release: () => worker.workers.forEach((w) => w.resume()) };
}

/**
 * Runs in the page (source text, so the test's bundler leaves the browser's own EventSource
 * alone): collects events until the terminal status, or reports that the stream was refused.
 */
const COLLECT_IN_BROWSER = `(url) => new Promise((resolve) => {
  const events = (window.seen = []);
  const source = new EventSource(url);
  const record = (type) => (e) => {
    events.push({ type, id: e.lastEventId, data: e.data });
    if (type === "status" && ["succeeded", "failed", "canceled", "expired"].includes(JSON.parse(e.data).status)) {
      source.close();
      resolve({ events, closedWithError: false });
    }
  };
  source.addEventListener("status", record("status"));
  source.addEventListener("delta", record("delta"));
  // CLOSED after an error: the server refused the stream (a non-200 answer).
  source.onerror = () => { if (source.readyState === 2) resolve({ events, closedWithError: true }); };
})`;

async function collectInBrowser(url: string, onConnected?: () => void): Promise<{ events: SeenEvent[]; closedWithError: boolean }> {
  const tab = await browser.newPage();
  try {
    const requested: string[] = [];
    tab.on("request", (request) => requested.push(request.url()));
    await tab.goto(pageUrl);
    const result = tab.evaluate(`(${COLLECT_IN_BROWSER})(${JSON.stringify(url)})`) as Promise<{ events: SeenEvent[]; closedWithError: boolean }>;
    // Connected once the first event (the job as it is now) or the refusal has arrived.
    while (!(await Promise.race([result.then(() => true), tab.evaluate("(window.seen || []).length > 0")]))) await new Promise((r) => setTimeout(r, 20));
    onConnected?.();
    const seen = await result;
    expect(requested.some((u) => u.includes(apiKey))).toBe(false);
    return seen;
  } finally {
    await tab.close();
  }
}

function checkStream(events: SeenEvent[]) {
  const statuses = events.filter((e) => e.type === "status").map((e) => JSON.parse(e.data) as { status: string; output: { text: string } | null });
  const final = statuses[statuses.length - 1];
  expect(final.status).toBe("succeeded");
  const deltas = events.filter((e) => e.type === "delta").map((e) => (JSON.parse(e.data) as { text: string }).text);
  expect(deltas.length).toBeGreaterThan(0);
  expect(deltas.join("")).toBe(final.output!.text);
}

beforeAll(async () => {
  env = await createTestEnv({ GENQ_ADMIN_KEY: ADMIN_KEY });
  api = await startApi(env.config, createLogger("error"));
  worker = await startWorker(env.config, createLogger("error"));
  const issued = await fetch(`${api.url}/v1/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "browser app backend" }),
  });
  apiKey = ((await issued.json()) as { key: string }).key;
  // The web app's own origin: a different port from the API, so EventSource goes cross-origin.
  page = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>"));
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
  pageUrl = `http://localhost:${(page.address() as AddressInfo).port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => page?.close(resolve));
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

describe("stream tokens in a browser", () => {
  it("opens urls.events with the browser's EventSource from another origin, without the API key", async () => {
    const hold = await holdWorkers();
    const job = await submit();
    expect(job.urls.events).toMatch(new RegExp(`^/v1/jobs/${job.id}/events\\?token=gqst1\\.`));
    expect(job.urls.events).not.toContain(apiKey);
    const seen = await collectInBrowser(`${api.url}${job.urls.events}`, hold.release);
    expect(seen.closedWithError).toBe(false);
    checkStream(seen.events);
  });

  it("refuses a token on another job's stream (the browser's EventSource closes)", async () => {
    const [first, second] = [await submit(2), await submit(2)];
    const token = new URL(first.urls.events, api.url).searchParams.get("token")!;
    const seen = await collectInBrowser(`${api.url}/v1/jobs/${second.id}/events?token=${token}`);
    expect(seen).toEqual({ events: [], closedWithError: true });
  });
});

describe("stream tokens with the eventsource package", () => {
  it("streams to the end with the token URL and is refused with a tampered one", async () => {
    const hold = await holdWorkers();
    const job = await submit();
    const seen = await new Promise<SeenEvent[]>((resolve, reject) => {
      const events: SeenEvent[] = [];
      const source = new EventSource(`${api.url}${job.urls.events}`);
      for (const type of ["status", "delta"]) {
        source.addEventListener(type, (e) => {
          events.push({ type, id: e.lastEventId, data: e.data });
          if (events.length === 1) hold.release();
          if (type === "status" && (JSON.parse(e.data) as { status: string }).status === "succeeded") {
            source.close();
            resolve(events);
          }
        });
      }
      source.onerror = (error) => {
        source.close();
        reject(new Error(`stream failed: ${error.message ?? error.code}`));
      };
    });
    checkStream(seen);

    const tampered = `${api.url}${job.urls.events.slice(0, -2)}${job.urls.events.endsWith("AA") ? "BB" : "AA"}`;
    const code = await new Promise<number | undefined>((resolve) => {
      const source = new EventSource(tampered);
      source.onerror = (error) => {
        source.close();
        resolve(error.code);
      };
    });
    expect(code).toBe(401);
  });
});
