// `npm run bench:batch [-- <lines>]` (default 10,000): Files & Batches on the tiny model, in one
// run on one machine: time from upload start to `in_progress`; batch lines/s versus the same
// requests sent as POST /v1/jobs at concurrency 64; API RSS during a 200 MB upload (the API alone,
// as a child process); p95 of interactive chat requests while the batch runs versus idle.
// Only the ratios mean anything on a shared machine.
import { mkdirSync, writeFileSync, openAsBlob } from "node:fs";
import { join } from "node:path";
import { startBenchStack } from "./bench-stack.ts";
import { percentile } from "./percentile.ts";
import { measureUploadRss } from "./upload-rss.ts";

const LINES = Number(process.argv[2] ?? 10_000);
const MAX_TOKENS = 8;
const CONCURRENCY = 64;
const PROBES = 40;
const UPLOAD_BYTES = 200 * 1024 * 1024 - 2 * 1024 * 1024;

const stack = await startBenchStack({ GENQ_MAX_BATCH: "32" });
const base = stack.api.url;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function json(path: string, init?: RequestInit): Promise<Record<string, any>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await (await fetch(`${base}${path}`, init)).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    } catch (error) {
      // A kept-alive socket the server closed while idle (easy on a loaded machine): send again.
      if (attempt >= 3 || (error as { cause?: { code?: string } }).cause?.code !== "ECONNRESET") throw error;
    }
  }
}
const post = (path: string, body: unknown) => json(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const text = (i: number) => `Document ${i}: the quarterly report says revenue grew. Summarize it.`;
const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Sequential interactive chat completions (OpenAI's default: priority 1); latency of each, ms. */
async function probe(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const answer = await post("/v1/chat/completions", { messages: [{ role: "user", content: `Quick question ${i}?` }], max_tokens: MAX_TOKENS, temperature: 0 });
    if (!answer.choices) throw new Error(`chat answered ${JSON.stringify(answer).slice(0, 200)}`);
    out.push(performance.now() - start);
  }
  return out;
}

try {
  const rss = await measureUploadRss(
    stack.config.dataDir,
    {
      GENQ_DATA_DIR: join(stack.config.dataDir, "rss-api"),
      REDIS_URL: stack.config.redisUrl!,
      GENQ_MODELS: `tiny=${stack.config.models[0].path}`,
      GENQ_QUEUE_PREFIX: "bench-rss",
      GENQ_RATE_LIMIT_PER_SECOND: "0",
    },
    UPLOAD_BYTES,
  );
  await probe(5); // warm-up
  const idle = await probe(PROBES);

  const dir = join(stack.config.dataDir, "bench");
  mkdirSync(dir, { recursive: true });
  const input = join(dir, "batch.jsonl");
  writeFileSync(
    input,
    Array.from({ length: LINES }, (_, i) =>
      JSON.stringify({ custom_id: `doc-${i}`, method: "POST", url: "/v1/chat/completions", body: { messages: [{ role: "user", content: text(i) }], max_tokens: MAX_TOKENS, temperature: 0 } }),
    ).join("\n") + "\n",
  );
  const t0 = performance.now();
  const form = new FormData();
  form.append("purpose", "batch");
  form.append("file", await openAsBlob(input), "batch.jsonl");
  const file = await json("/v1/files", { method: "POST", body: form });
  const created = await post("/v1/batches", { input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
  let batch = created;
  while (batch.status === "validating") {
    await new Promise((r) => setTimeout(r, 20));
    batch = await json(`/v1/batches/${created.id}`);
  }
  const toInProgressMs = performance.now() - t0;
  // Interactive requests while the batch runs (started once lines are running).
  while (batch.request_counts.completed < 1) batch = await json(`/v1/batches/${created.id}`);
  const busy = await probe(PROBES);
  while (!["completed", "failed", "expired", "cancelled"].includes(batch.status)) {
    await new Promise((r) => setTimeout(r, 200));
    batch = await json(`/v1/batches/${created.id}`);
  }
  const batchMs = performance.now() - t0;
  if (batch.status !== "completed" || batch.request_counts.completed !== LINES) throw new Error(`batch ended ${batch.status} ${JSON.stringify(batch.request_counts)}`);

  console.log(`batch phase: in_progress after ${seconds(toInProgressMs)} s, completed after ${seconds(batchMs)} s; interactive p95 idle ${percentile(idle, 95).toFixed(0)} ms, busy ${percentile(busy, 95).toFixed(0)} ms; upload RSS ${JSON.stringify(rss)}`);
  // The same requests as single jobs from a client at concurrency 64.
  let next = 0;
  const j0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < LINES) {
        const i = next++;
        let job = await post("/v1/jobs", { messages: [{ role: "user", content: text(i) }], max_tokens: MAX_TOKENS, temperature: 0, priority: 8 });
        while (!["succeeded", "failed", "canceled", "expired"].includes(job.status)) job = await json(`/v1/jobs/${job.id}?wait=30`);
        if (job.status !== "succeeded") throw new Error(`job ${job.id} ${job.status}`);
      }
    }),
  );
  const jobsMs = performance.now() - j0;

  const batchRate = LINES / (batchMs / 1000);
  const jobsRate = LINES / (jobsMs / 1000);
  const rows = [
    ["metric", "value"],
    [`upload start -> in_progress (${LINES} lines, ${(file.bytes / 1e6).toFixed(1)} MB)`, `${seconds(toInProgressMs)} s`],
    ["batch: upload start -> completed", `${seconds(batchMs)} s = ${batchRate.toFixed(1)} lines/s`],
    [`same requests as POST /v1/jobs, concurrency ${CONCURRENCY}`, `${seconds(jobsMs)} s = ${jobsRate.toFixed(1)} lines/s`],
    ["batch lines/s ÷ jobs lines/s", `${(batchRate / jobsRate).toFixed(2)}×`],
    [`API RSS, idle -> peak during a ${(rss.bytes / 1048576).toFixed(0)} MiB upload`, `${rss.idleMb.toFixed(0)} -> ${rss.peakMb.toFixed(0)} MB (+${(rss.peakMb - rss.idleMb).toFixed(0)} MB), ${rss.uploadSeconds.toFixed(1)} s`],
    [`interactive chat (${MAX_TOKENS} tokens) p50 / p95, idle`, `${percentile(idle, 50).toFixed(0)} / ${percentile(idle, 95).toFixed(0)} ms`],
    ["interactive chat p50 / p95, while the batch runs", `${percentile(busy, 50).toFixed(0)} / ${percentile(busy, 95).toFixed(0)} ms`],
    ["p95 busy ÷ p95 idle (target ≤ 2×)", `${(percentile(busy, 95) / percentile(idle, 95)).toFixed(2)}×`],
  ];
  console.log(rows.map((r) => `| ${r[0]} | ${r[1]} |`).join("\n").replace(/^(\| metric \| value \|)/, "$1\n|---|---|"));
} finally {
  await stack.close();
}
