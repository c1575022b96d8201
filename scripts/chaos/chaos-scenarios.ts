// The chaos scenarios (issue 9): each starts its own stack (Redis, data dir, API, workers), runs
// load while injecting one kind of fault, and returns the audited counts and the time from the
// last fault until every accepted job was terminal (time to recover).
import { createServer, type Server } from "node:http";
import { ChaosClient, sleep, type ChaosCounts } from "./chaos-client.ts";
import { ChaosStack } from "./chaos-stack.ts";

export interface ScenarioSize {
  jobs: number;
  /** Worker SIGKILLs in (a). */
  kills: number;
  soakJobs: number;
}

export interface ScenarioResult {
  name: string;
  counts: ChaosCounts;
  recoverMs: number | null;
  notes: string[];
}

const DRAIN_DEADLINE_MS = 300_000;

async function withStack<T>(env: Record<string, string>, run: (stack: ChaosStack) => Promise<T>): Promise<T> {
  const stack = await ChaosStack.create(env);
  try {
    return await run(stack);
  } finally {
    await stack.close();
  }
}

/** Starts the API and `workers` workers; returns a client for the API. */
async function serve(stack: ChaosStack, workers: number): Promise<ChaosClient> {
  await stack.startApi();
  await Promise.all(Array.from({ length: workers }, (_, i) => stack.startWorker(i)));
  return new ChaosClient(stack.apiUrl);
}

async function finish(name: string, client: ChaosClient, lastFaultAt: number, notes: string[] = []): Promise<ScenarioResult> {
  const drained = await client.waitDrained(Date.now() + DRAIN_DEADLINE_MS);
  const recoverMs = drained ? Date.now() - lastFaultAt : null;
  return { name, counts: await client.audit(), recoverMs, notes };
}

/** (a) Two workers, one of them SIGKILLed (and restarted) every ~3 s while jobs flow. */
export function workerKillLoop(size: ScenarioSize): Promise<ScenarioResult> {
  return withStack({ GENQ_MAX_BATCH: "16" }, async (stack) => {
    const client = await serve(stack, 2);
    const submitted = client.submit({ count: size.jobs, keyPrefix: "a", maxTokens: 48 });
    let lastFaultAt = Date.now();
    for (let kill = 0; kill < size.kills; kill++) {
      await sleep(3_000);
      const victim = kill % 2;
      await stack.killWorker(victim);
      lastFaultAt = Date.now();
      await stack.startWorker(victim);
    }
    await submitted;
    return finish("(a) worker SIGKILL loop", client, lastFaultAt, [`${size.kills} worker SIGKILLs`]);
  });
}

/** (b) Redis SIGKILLed mid-run and replaced by an empty one on the same port. */
export function redisReplaced(size: ScenarioSize): Promise<ScenarioResult> {
  return withStack({ GENQ_MAX_BATCH: "16" }, async (stack) => {
    const client = await serve(stack, 2);
    const submitted = client.submit({ count: size.jobs, keyPrefix: "b", maxTokens: 48 });
    while (client.accepted.size < size.jobs / 2) await sleep(50);
    await stack.replaceRedis();
    const lastFaultAt = Date.now();
    await submitted;
    return finish("(b) Redis replaced by an empty one", client, lastFaultAt);
  });
}

/** (c) The API SIGKILLed twice while the client submits with Idempotency-Keys and retries. */
export function apiKilledTwice(size: ScenarioSize): Promise<ScenarioResult> {
  return withStack({ GENQ_MAX_BATCH: "16" }, async (stack) => {
    const client = await serve(stack, 1);
    const submitted = client.submit({ count: size.jobs, keyPrefix: "c", maxTokens: 16 });
    let lastFaultAt = Date.now();
    for (const fraction of [1 / 3, 2 / 3]) {
      while (client.accepted.size < size.jobs * fraction) await sleep(20);
      await stack.killApi();
      lastFaultAt = Date.now();
      await stack.startApi();
    }
    await submitted;
    return finish("(c) API SIGKILLed twice", client, lastFaultAt);
  });
}

/** (d) Webhooks to a receiver that fails 30 % and hangs 5 %; a worker SIGKILLed midway. */
export function flakyWebhooks(size: ScenarioSize): Promise<ScenarioResult> {
  const env = {
    GENQ_MAX_BATCH: "16",
    GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    GENQ_WEBHOOK_TIMEOUT_MS: "1000",
    GENQ_WEBHOOK_RETRY_SCHEDULE: "0,200ms,500ms,1s,1s,2s,2s,3s,3s,5s,5s,5s",
    GENQ_WEBHOOK_RETRY_JITTER: "0.2",
  };
  return withStack(env, async (stack) => {
    const delivered = new Set<string>();
    let requests = 0;
    const receiver: Server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        requests++;
        const roll = Math.random();
        if (roll < 0.05) return; // hang: the sender's timeout ends it
        if (roll < 0.35) return void res.writeHead(500).end();
        delivered.add(String(req.headers["webhook-id"]));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    try {
      const client = await serve(stack, 2);
      const submitted = client.submit({ count: size.jobs, keyPrefix: "d", maxTokens: 16, webhookUrl: url });
      while (client.accepted.size < size.jobs / 2) await sleep(50);
      await stack.killWorker(0);
      const lastFaultAt = Date.now();
      await stack.startWorker(0);
      await submitted;
      const result = await finish("(d) flaky webhooks + worker SIGKILL", client, lastFaultAt);
      // Every terminal job owes one delivered `job.<status>` message (webhook-id msg_<job>_<event>).
      const deadline = Date.now() + DRAIN_DEADLINE_MS;
      const owed = () => [...client.accepted.values()].filter((id) => ![...delivered].some((d) => d.startsWith(`msg_${id}_`))).length;
      while (owed() > 0 && Date.now() < deadline) await sleep(250);
      const missing = owed();
      result.recoverMs = missing === 0 ? Date.now() - lastFaultAt : null;
      result.notes.push(`webhooks delivered for ${client.accepted.size - missing}/${client.accepted.size} jobs (${requests} requests)`);
      return result;
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });
}

/** (e) A long soak: RSS of every process and of Redis sampled over time. */
export function soak(size: ScenarioSize): Promise<ScenarioResult> {
  return withStack({ GENQ_MAX_BATCH: "32" }, async (stack) => {
    const client = await serve(stack, 2);
    const samples: Array<{ jobs: number; rss: Record<string, number> }> = [];
    const startedAt = Date.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ jobs: client.accepted.size, rss: await stack.rssMiB() });
        await sleep(Math.max(2_000, size.soakJobs * 2));
      }
    })();
    await client.submit({ count: size.soakJobs, keyPrefix: "e", maxTokens: 8, concurrency: 16 });
    const result = await finish("(e) soak", client, startedAt);
    sampling = false;
    await sampler;
    samples.push({ jobs: client.accepted.size, rss: await stack.rssMiB() });
    result.notes.push(...rssTable(samples));
    return result;
  });
}

function rssTable(samples: Array<{ jobs: number; rss: Record<string, number> }>): string[] {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.rss)))];
  const lines = [`RSS (MiB) over the soak | submitted | ${names.join(" | ")}`];
  const step = Math.max(1, Math.floor(samples.length / 8));
  for (let i = 0; i < samples.length; i += step) lines.push(row(samples[i]));
  if ((samples.length - 1) % step !== 0) lines.push(row(samples[samples.length - 1]));
  return lines;
  function row(s: { jobs: number; rss: Record<string, number> }): string {
    return `  | ${s.jobs} | ${names.map((n) => (s.rss[n] === undefined ? "-" : s.rss[n].toFixed(0))).join(" | ")}`;
  }
}

export const SCENARIOS = { a: workerKillLoop, b: redisReplaced, c: apiKilledTwice, d: flakyWebhooks, e: soak } as const;
export type ScenarioKey = keyof typeof SCENARIOS;
