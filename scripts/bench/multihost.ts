// `npm run bench:multihost [-- <jobs>]`: the same job mix through (a) one process with SQLite
// (`scripts/start.ts`: API + worker) and (b) the many-hosts shape on one machine: 2 API and 3
// worker processes, each with its own data dir, on one Redis and one PostgreSQL database.
// Reports submit latency p50/p95 (POST /v1/jobs → 202, over HTTP) and jobs/s (first submit to
// last job succeeded). Needs redis-server and PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnGenqProcess, type GenqProcess } from "../genq-process.ts";
import { buildModelFolder } from "../model-builder/write-model-folder.ts";
import { createScratchDatabase, LOCAL_POSTGRES_URL } from "../postgres-scratch-database.ts";
import { freePort, startRedisServer } from "../redis-server-process.ts";
import { percentile } from "./percentile.ts";

const JOBS = Number(process.argv[2] ?? 200);
/** Clients submitting at once. */
const SUBMITTERS = 16;
/** The mix: short and medium generations, greedy, fixed lengths (ignore_eos), same for both setups. */
const MAX_TOKENS = [8, 16, 32, 64];

interface Setup {
  name: string;
  apiUrls: string[];
  processes: GenqProcess[];
}

interface Measured {
  name: string;
  submitMs: number[];
  jobsPerSecond: number;
}

const root = mkdtempSync(join(tmpdir(), "genq-bench-multihost-"));
const modelDir = join(root, "tiny");
await buildModelFolder({ preset: "tiny", outDir: modelDir });
const redis = await startRedisServer({ dir: root });
const database = await createScratchDatabase(LOCAL_POSTGRES_URL, "genq_bench");
const common = {
  REDIS_URL: redis.url,
  GENQ_MODELS: `tiny=${modelDir}`,
  GENQ_RATE_LIMIT_PER_SECOND: "0",
  GENQ_MAX_ACTIVE_JOBS_PER_TENANT: "0",
  // On a shared, oversubscribed machine lock renewals can miss the default 30 s lock: a stalled
  // job runs twice and counts toward POISON_JOB. A longer lock keeps the comparison about the store.
  GENQ_JOB_LOCK_MS: "120000",
};
const dataDir = (name: string) => mkdtempSync(join(root, `${name}-`));

async function start(name: string, specs: Array<{ entry: string; marker: string; env: Record<string, string> }>, apiPorts: number[]): Promise<Setup> {
  const processes = specs.map((s) => spawnGenqProcess(s.entry, s.marker, { ...common, ...s.env }));
  await Promise.all(processes.map((p) => p.ready)).catch(async (error: unknown) => {
    await Promise.all(processes.map((p) => p.kill()));
    throw error;
  });
  return { name, processes, apiUrls: apiPorts.map((port) => `http://127.0.0.1:${port}`) };
}

async function singleSqlite(): Promise<Setup> {
  const port = await freePort();
  return start("one process, SQLite", [{ entry: "scripts/start.ts", marker: '"worker ready"', env: { GENQ_DATA_DIR: dataDir("single"), GENQ_PORT: String(port) } }], [port]);
}

async function manyHosts(): Promise<Setup> {
  const ports = [await freePort(), await freePort()];
  const pg = { GENQ_DATABASE_URL: database.url };
  return start(
    "2 APIs + 3 workers, PostgreSQL",
    [
      ...ports.map((port) => ({ entry: "api/node.ts", marker: '"api listening"', env: { ...pg, GENQ_DATA_DIR: dataDir("api"), GENQ_PORT: String(port) } })),
      ...[0, 1, 2].map(() => ({ entry: "worker/index.ts", marker: '"worker ready"', env: { ...pg, GENQ_DATA_DIR: dataDir("worker") } })),
    ],
    ports,
  );
}

async function post(url: string, body: unknown): Promise<{ ms: number; id: string }> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await response.json()) as { id: string };
  const ms = performance.now() - started;
  if (response.status !== 202) throw new Error(`submit answered ${response.status}: ${JSON.stringify(json)}`);
  return { ms, id: json.id };
}

async function untilSucceeded(url: string, id: string): Promise<void> {
  for (;;) {
    const job = (await (await fetch(`${url}/v1/jobs/${id}?wait=30`)).json()) as { status: string; error: unknown };
    if (job.status === "succeeded") return;
    if (job.status !== "queued" && job.status !== "running") throw new Error(`job ${id} ended ${job.status}: ${JSON.stringify(job.error)}`);
  }
}

async function measure(setup: Setup): Promise<Measured> {
  const job = (i: number) => ({ prompt: `Document ${i}: summarize it`, max_tokens: MAX_TOKENS[i % MAX_TOKENS.length], ignore_eos: true, temperature: 0 });
  // Warm-up: connections, JIT, sessions on every worker.
  await Promise.all(Array.from({ length: 12 }, async (_, i) => untilSucceeded(setup.apiUrls[i % setup.apiUrls.length], (await post(setup.apiUrls[i % setup.apiUrls.length], job(i))).id)));
  const submitMs: number[] = [];
  const waits: Array<Promise<void>> = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SUBMITTERS }, async () => {
      for (let i = next++; i < JOBS; i = next++) {
        const submitUrl = setup.apiUrls[i % setup.apiUrls.length];
        const { ms, id } = await post(submitUrl, job(i));
        submitMs.push(ms);
        // Read back on the other API where there are two (what a client behind a balancer does).
        waits.push(untilSucceeded(setup.apiUrls[(i + 1) % setup.apiUrls.length], id));
      }
    }),
  );
  await Promise.all(waits);
  return { name: setup.name, submitMs, jobsPerSecond: JOBS / ((performance.now() - started) / 1000) };
}

const results: Measured[] = [];
try {
  for (const open of [singleSqlite, manyHosts]) {
    const setup = await open();
    console.error(`measuring: ${setup.name}`);
    try {
      results.push(await measure(setup));
    } finally {
      await Promise.all(setup.processes.map((p) => p.kill("SIGTERM")));
    }
  }
} finally {
  await database.drop();
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}

const [single, many] = results;
console.log(`${JOBS} jobs (max_tokens ${MAX_TOKENS.join("/")}, greedy), ${SUBMITTERS} concurrent submitters, tiny model, one run:\n`);
console.log("| setup | submit p50 | submit p95 | jobs/s |");
console.log("|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.name} | ${percentile(r.submitMs, 50).toFixed(1)} ms | ${percentile(r.submitMs, 95).toFixed(1)} ms | ${r.jobsPerSecond.toFixed(1)} |`);
}
console.log(
  `\nmany hosts / one process: submit p50 ${(percentile(many.submitMs, 50) / percentile(single.submitMs, 50)).toFixed(2)}x, ` +
    `p95 ${(percentile(many.submitMs, 95) / percentile(single.submitMs, 95)).toFixed(2)}x, jobs/s ${(many.jobsPerSecond / single.jobsPerSecond).toFixed(2)}x`,
);
