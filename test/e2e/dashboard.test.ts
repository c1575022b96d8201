// GET /dashboard in a real headless Chromium against the real API (HTTP), worker and tiny model:
// the admin signs in with the key form, the page updates live over SSE as a job is submitted
// (no reload), shows workers, models, queues and a failed webhook; a tenant key sees only its
// own jobs. The page loads without console errors; a screenshot lands in test-artifacts/.
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { launchChromium } from "../harness/chromium.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../harness/webhook-receiver.ts";

const ADMIN_KEY = "dashboard-admin-key-0123456789";
const ARTIFACTS = "test-artifacts";
let env: TestEnv;
let api: ApiHandle;
let worker: WorkerHandle;
let browser: Browser;
let receiver: WebhookReceiver;
const keys: Record<"alice" | "bob", string> = { alice: "", bob: "" };

async function call(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function submit(key: string, body: Record<string, unknown> = {}): Promise<{ id: string }> {
  const res = await call(key, "POST", "/v1/jobs", { prompt: "dashboard job", max_tokens: 6, temperature: 0, ...body });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string };
}

/** A tab that records console errors and uncaught exceptions. */
async function openTab(): Promise<{ tab: Page; errors: string[]; requested: string[] }> {
  const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  const requested: string[] = [];
  tab.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  tab.on("pageerror", (error) => errors.push(error.message));
  tab.on("request", (request) => requested.push(request.url()));
  await tab.goto(`${api.url}/dashboard`);
  return { tab, errors, requested };
}

async function signIn(tab: Page, key: string): Promise<void> {
  await tab.waitForSelector("#login:not([hidden])");
  await tab.fill("#key", key);
  await tab.click("#login button[type=submit]");
  await tab.waitForSelector("#connection.live", { timeout: 30_000 });
}

/** The dashboard's row for a job (its cells' text), once it shows `status`. */
async function jobRow(tab: Page, id: string, status: string): Promise<string> {
  const row = tab.locator("#jobs tr", { has: tab.locator(".job-id", { hasText: id }) });
  await row.locator(`.status.${status}`).waitFor({ timeout: 60_000 });
  return (await row.innerText()).replace(/\s+/g, " ");
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  receiver.script("/hook", () => ({ status: 503 }));
  env = await createTestEnv({ GENQ_ADMIN_KEY: ADMIN_KEY, GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1", GENQ_WEBHOOK_RETRY_SCHEDULE: "0" });
  api = await startApi(env.config, createLogger("error"));
  worker = await startWorker(env.config, createLogger("error"));
  for (const name of ["alice", "bob"] as const) {
    const issued = await call(ADMIN_KEY, "POST", "/v1/admin/keys", { name });
    keys[name] = ((await issued.json()) as { key: string }).key;
  }
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await api?.close();
  await env?.cleanup();
  await receiver?.close();
});

describe("dashboard page", () => {
  it("admin view: shows a job submitted while open, live, with workers, models, queues and webhook failures", async () => {
    const { tab, errors, requested } = await openTab();
    try {
      await signIn(tab, ADMIN_KEY);
      // The worker's report (KV usage) and the queues are there before any job; the model loads on
      // first demand (residency), so it shows unloaded until the first job.
      await tab.locator("#workers td.mono", { hasText: worker.workerId }).waitFor();
      expect(await tab.locator("#models .state.unloaded").innerText()).toBe("unloaded");
      expect(await tab.locator("#queues").innerText()).toContain("tiny");

      // Submitted after the page loaded: it must appear without a reload, queued then succeeded.
      await Promise.all(worker.workers.map((w) => w.pause()));
      const held = await submit(keys.alice, { priority: 2 });
      expect(await jobRow(tab, held.id, "queued")).toContain("tiny");
      await tab.locator("#queues td.hot", { hasText: "1" }).first().waitFor();
      worker.workers.forEach((w) => w.resume());
      const done = await jobRow(tab, held.id, "succeeded");
      expect(done).toMatch(/\d+(\.\d+)? (ms|s)/);
      expect(await tab.locator("#models .state.loaded").innerText()).toBe("loaded");

      const hooked = await submit(keys.bob, { webhook: { url: `${receiver.url}/hook`, events: ["job.succeeded"] } });
      await tab.locator("#webhooks td.mono", { hasText: hooked.id }).first().waitFor({ timeout: 60_000 });
      expect(await tab.locator("#webhooks").innerText()).toContain("receiver answered 503");

      expect(await tab.evaluate(`sessionStorage.getItem("genq.dashboard.key")`)).toBe(ADMIN_KEY);
      expect(requested.filter((url) => url.includes(ADMIN_KEY))).toEqual([]);
      await tab.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await tab.close();
    }
  }, 180_000);

  it("tenant view: an API key sees its own jobs only, and no workers", async () => {
    const mine = await submit(keys.alice);
    const theirs = await submit(keys.bob);
    const { tab, errors } = await openTab();
    try {
      await signIn(tab, keys.alice);
      await jobRow(tab, mine.id, "succeeded");
      expect(await tab.locator("#scope").innerText()).toBe("tenant view");
      expect(await tab.locator("#jobs").innerText()).not.toContain(theirs.id);
      expect(await tab.locator("#workers-section").isHidden()).toBe(true);
      expect(await tab.locator("#webhooks").innerText()).not.toContain("/hook");
      expect(errors).toEqual([]);
    } finally {
      await tab.close();
    }
  }, 120_000);
});

describe("dashboard feed access", () => {
  it("needs a key: admin sees every tenant and the workers, a tenant its own, a wrong key nothing", async () => {
    expect((await fetch(`${api.url}/v1/dashboard/snapshot`)).status).toBe(401);
    expect((await call("gq_wrong_key_0123456789", "GET", "/v1/dashboard/snapshot")).status).toBe(401);
    expect((await call(`${ADMIN_KEY}x`, "GET", "/v1/dashboard/snapshot")).status).toBe(401);
    const a = await submit(keys.alice);
    const b = await submit(keys.bob);
    const admin = (await (await call(ADMIN_KEY, "GET", "/v1/dashboard/snapshot")).json()) as { scope: string; jobs: Array<{ id: string; tenant: string }>; workers: unknown[] };
    expect(admin.scope).toBe("admin");
    expect(admin.jobs.map((j) => j.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(admin.workers.length).toBeGreaterThanOrEqual(1);
    const alice = (await (await call(keys.alice, "GET", "/v1/dashboard/snapshot")).json()) as { scope: string; jobs: Array<{ id: string; tenant?: string }>; workers?: unknown };
    expect(alice.scope).toBe("tenant");
    expect(alice.jobs.map((j) => j.id)).toContain(a.id);
    expect(alice.jobs.map((j) => j.id)).not.toContain(b.id);
    expect(alice.jobs[0].tenant).toBeUndefined();
    expect(alice.workers).toBeUndefined();
    // The page itself is static and holds no data; a strict CSP allows only its own files.
    const page = await fetch(`${api.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});
