// Prometheus metrics under real jobs: the API's /metrics (which, as in `npm start`, also shows
// the worker running in its process) and the worker's own GENQ_METRICS_PORT, both behind
// GENQ_METRICS_TOKEN. Real Redis, SQLite, worker and tiny model; webhooks to a real receiver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminalJob } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import { startWebhookReceiver, eventually, type WebhookReceiver } from "../harness/webhook-receiver.ts";
import { declaredFamilies, find, parseSamples, total, type Sample } from "../harness/prometheus-text.ts";
import { readFileSync } from "node:fs";
import { freePort } from "../../scripts/redis-server-process.ts";
import { spawnWorkerProcess } from "../harness/worker-process.ts";
import { Registry } from "prom-client";
import { parseNvidiaSmiCsv, queryNvidiaSmi, registerGpuMetrics } from "../../worker/metrics/gpu-metrics.ts";

const TOKEN = "metrics-scrape-token-0123456789";
let stack: TestStack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  receiver.script("/broken", () => ({ status: 500 }));
  stack = await startTestStack({
    GENQ_METRICS_TOKEN: TOKEN,
    GENQ_METRICS_PORT: "0",
    GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    GENQ_WEBHOOK_RETRY_SCHEDULE: "0,20ms",
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

async function scrapeApi(): Promise<{ text: string; samples: Sample[] }> {
  const res = await stack.api.get("/metrics", { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseSamples(text) };
}

async function runJobs(count: number, extra: Record<string, unknown> = {}): Promise<void> {
  const jobs = await Promise.all(
    Array.from({ length: count }, async (_, i) => (await stack.api.post("/v1/jobs", { prompt: `metrics job ${i}`, max_tokens: 8, temperature: 0, ignore_eos: true, ...extra })).json()),
  );
  for (const job of jobs) expect((await stack.api.waitFor(job.id, isTerminalJob, 60_000)).status).toBe("succeeded");
}

describe("metrics", () => {
  it("reads zero, not missing, for idle statuses and queue levels; GPU series only with a GPU", async () => {
    const { text, samples } = await scrapeApi();
    expect(find(samples, "genq_jobs", { status: "queued" })).toEqual([{ name: "genq_jobs", labels: { status: "queued" }, value: 0 }]);
    expect(find(samples, "genq_jobs", { status: "running" })[0]?.value).toBe(0);
    const levels = find(samples, "genq_queue_depth", { model: "tiny" }).map((s) => [s.labels.priority, s.value]);
    expect(levels).toEqual(Array.from({ length: 10 }, (_, i) => [String(i), 0]));
    // Models load on first demand (residency): present and 0 before any job.
    expect(find(samples, "genq_model_loaded", { model: "tiny", worker: stack.worker.workerId })[0]?.value).toBe(0);
    expect(total(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(total(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    const gpu = await queryNvidiaSmi();
    if (gpu === undefined) expect(text).not.toMatch(/genq_gpu_/);
    else expect(find(samples, "genq_gpu_memory_used_bytes")).toHaveLength(gpu.length);
    declaredFamilies(text);
  });

  it("counts queue depth per priority from BullMQ while jobs wait", async () => {
    await Promise.all(stack.worker.workers.map((w) => w.pause()));
    try {
      const submitted = [];
      for (const priority of [1, 1, 8]) submitted.push(await (await stack.api.post("/v1/jobs", { prompt: "held", max_tokens: 2, priority })).json());
      const { samples } = await scrapeApi();
      expect(total(samples, "genq_queue_depth", { model: "tiny", priority: "1" })).toBe(2);
      expect(total(samples, "genq_queue_depth", { model: "tiny", priority: "8" })).toBe(1);
      expect(total(samples, "genq_queue_depth", { model: "tiny", priority: "5" })).toBe(0);
      expect(total(samples, "genq_jobs", { status: "queued" })).toBe(3);
      stack.worker.workers.forEach((w) => w.resume());
      for (const job of submitted) await stack.api.waitFor(job.id, isTerminalJob, 60_000);
    } finally {
      stack.worker.workers.forEach((w) => w.resume());
    }
    const { samples } = await scrapeApi();
    expect(total(samples, "genq_queue_depth", { model: "tiny" })).toBe(0);
  });

  it("fills latency histograms and grows token counters under real jobs, with webhook outcomes", async () => {
    const before = (await scrapeApi()).samples;
    await runJobs(6, { webhook: { url: `${receiver.url}/ok`, events: ["job.succeeded"] } });
    const failing = await (await stack.api.post("/v1/jobs", { prompt: "hook fails", max_tokens: 2, webhook: { url: `${receiver.url}/broken`, events: ["job.succeeded"] } })).json();
    await stack.api.waitFor(failing.id, isTerminalJob, 60_000);
    await eventually(() => receiver.on("/ok").length >= 6 && receiver.on("/broken").length >= 2, 20_000, "webhook attempts");
    const worker = stack.worker.workerId;
    // Stats reach the main thread when the inference thread goes idle; attempts are recorded after the POST.
    const after = await eventually(
      async () => {
        const { samples } = await scrapeApi();
        const ready =
          total(samples, "genq_webhook_deliveries_total", { outcome: "failed" }) >= 1 &&
          total(samples, "genq_webhook_deliveries_total", { outcome: "delivered" }) >= 6 &&
          total(samples, "genq_prompt_tokens_total") > (total(before, "genq_prompt_tokens_total") || 0);
        return ready ? samples : undefined;
      },
      20_000,
      "metrics after the jobs",
    );
    const grew = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - (total(before, name, labels) || 0);
    expect(grew("genq_queue_wait_seconds_count", { model: "tiny", priority: "5", worker })).toBeGreaterThanOrEqual(7);
    expect(grew("genq_time_to_first_token_seconds_count", { model: "tiny" })).toBeGreaterThanOrEqual(7);
    expect(grew("genq_e2e_latency_seconds_count", { model: "tiny" })).toBeGreaterThanOrEqual(7);
    expect(grew("genq_time_per_output_token_seconds_count", { model: "tiny" })).toBeGreaterThanOrEqual(6);
    expect(grew("genq_e2e_latency_seconds_sum", { model: "tiny" })).toBeGreaterThan(0);
    expect(grew("genq_generation_tokens_total", { model: "tiny" })).toBeGreaterThanOrEqual(6 * 8);
    expect(total(after, "genq_model_loaded", { model: "tiny", worker })).toBe(1);
    expect(total(after, "genq_model_load_seconds", { model: "tiny", worker })).toBeGreaterThan(0);
    expect(grew("genq_batch_size_count")).toBeGreaterThan(0);
    // Six jobs submitted together share steps: some step carried more than one sequence.
    expect(total(after, "genq_batch_size_bucket", { le: "1" })).toBeLessThan(total(after, "genq_batch_size_count"));
    expect(grew("genq_webhook_delivery_seconds_count")).toBeGreaterThanOrEqual(8);
    expect(total(after, "genq_webhook_deliveries_total", { outcome: "retrying" })).toBeGreaterThanOrEqual(1);
    expect(find(after, "genq_kv_cache_usage_ratio", { worker })).toHaveLength(1);
    expect(find(after, "genq_running_sequences", { worker })[0]?.value).toBe(0);
    expect(find(after, "genq_preemptions_total", { worker })).toHaveLength(1);
    // Every histogram bucket series is cumulative: +Inf equals the count.
    expect(total(after, "genq_e2e_latency_seconds_bucket", { model: "tiny", le: "+Inf" })).toBe(total(after, "genq_e2e_latency_seconds_count", { model: "tiny" }));
  }, 180_000);

  it("serves the worker's own /metrics on GENQ_METRICS_PORT, behind the metrics token", async () => {
    const url = stack.worker.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const missing = await fetch(url);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { code: string }).code).toBe("UNAUTHORIZED");
    expect((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    declaredFamilies(text);
    const samples = parseSamples(text);
    expect(total(samples, "genq_e2e_latency_seconds_count", { model: "tiny", worker: stack.worker.workerId })).toBeGreaterThan(0);
    expect(total(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    // The API's own series are the API's: not on the worker's port.
    expect(find(samples, "genq_jobs")).toEqual([]);
    expect((await fetch(url.replace("/metrics", "/other"), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it("every metric and grouping label the Grafana dashboard queries exists in a real scrape", async () => {
    const dashboard = JSON.parse(readFileSync("ops/grafana/genq-dashboard.json", "utf8")) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(20);
    const texts = [(await scrapeApi()).text];
    // This host may have no NVIDIA GPU: the GPU series then come from the same gauges fed a
    // recorded nvidia-smi answer (on a GPU host the real scrape already carries them).
    if ((await queryNvidiaSmi()) === undefined) {
      const gpu = new Registry();
      await registerGpuMetrics(gpu, async () => parseNvidiaSmiCsv("0, 37, 20718, 143771\n"));
      texts.push(await gpu.metrics());
    }
    const samples = texts.flatMap((t) => parseSamples(t));
    for (const expr of exprs) {
      const names = [...new Set(expr.match(/\b(genq|process|nodejs)_[a-z0-9_]+/g) ?? [])];
      expect(names.length, expr).toBeGreaterThan(0);
      const grouping = [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((l) => l.trim()));
      for (const name of names) {
        const series = find(samples, name);
        expect(series.length, `${name} in ${expr}`).toBeGreaterThan(0);
        for (const label of grouping) expect(series.some((s) => label in s.labels), `label ${label} on ${name}`).toBe(true);
      }
    }
  });
});

describe("a worker process on its own (npm run worker)", () => {
  it("serves GENQ_METRICS_PORT and advertises that URL in its live report", async () => {
    const port = await freePort();
    const child = spawnWorkerProcess({ ...stack.env.env, GENQ_METRICS_PORT: String(port) });
    try {
      await child.ready;
      const url = `http://127.0.0.1:${port}/metrics`;
      // Its report in Redis (what the dashboard lists) names the URL it serves.
      const report = await eventually(
        async () => {
          const snapshot = await (await stack.api.get("/v1/dashboard/snapshot")).json();
          return (snapshot.workers as Array<{ id: string; metrics_url: string | null }>).find((w) => w.metrics_url === url);
        },
        20_000,
        "the worker process's report",
      );
      expect((await fetch(url)).status).toBe(401);
      const samples = parseSamples(await (await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
      // Nothing asked for the model yet: the series is there, unloaded (residency loads on demand).
      expect(find(samples, "genq_model_loaded", { model: "tiny", worker: report.id })[0]?.value).toBe(0);
      expect(total(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    } finally {
      await child.kill("SIGTERM");
    }
  }, 120_000);
});
