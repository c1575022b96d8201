// `npm run bench -- --workload priority`: a priority-0 job's queue wait (started_at − created_at) on
// an idle server versus under a saturating backlog of long priority-8 jobs, through the whole stack
// (HTTP API, BullMQ, worker with admission lookahead, engine preemption) on the bench model.
// Target: loaded wait ≤ 2 × idle wait + one decode step (the p0 job's own time per token, loaded).
import { ensureBenchModel } from "./bench-model.ts";
import { startBenchStack } from "./bench-stack.ts";
import { percentile } from "./percentile.ts";

interface JobJson {
  id: string;
  status: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  usage: { completion_tokens: number };
}

export async function runPriorityWaitBench(argv: string[]): Promise<void> {
  const samples = Number(argv[argv.indexOf("--samples") + 1]) || 10;
  const maxBatch = 16;
  const folder = await ensureBenchModel();
  const stack = await startBenchStack({ GENQ_MODELS: `bench=${folder}`, GENQ_MAX_BATCH: String(maxBatch) });
  const base = stack.api.url;
  const post = async (body: unknown) =>
    (await (await fetch(`${base}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as JobJson;
  const get = async (id: string, wait = 0) => (await (await fetch(`${base}/v1/jobs/${id}${wait ? `?wait=${wait}` : ""}`)).json()) as JobJson;
  const untilDone = async (id: string) => {
    for (;;) {
      const job = await get(id, 30);
      if (job.completed_at) return job;
    }
  };
  const urgent = { prompt: "An urgent question about the weather", max_tokens: 8, temperature: 0, ignore_eos: true, priority: 0 };
  const waitOf = (job: JobJson) => Date.parse(job.started_at!) - Date.parse(job.created_at);
  const perTokenOf = (job: JobJson) => (Date.parse(job.completed_at!) - Date.parse(job.started_at!)) / job.usage.completion_tokens;
  try {
    for (let i = 0; i < 3; i++) await untilDone((await post(urgent)).id); // warm-up
    const idle: JobJson[] = [];
    for (let i = 0; i < samples; i++) idle.push(await untilDone((await post(urgent)).id));

    // The backlog: more long p8 jobs than max batch + lookahead, so the queue never empties.
    const backlog: string[] = [];
    for (let i = 0; i < maxBatch * 2; i++) {
      backlog.push((await post({ prompt: `Write a very long story number ${i}`, max_tokens: 1500, temperature: 0, ignore_eos: true, priority: 8 })).id);
    }
    for (;;) {
      const running = (await Promise.all(backlog.map((id) => get(id)))).filter((j) => j.status === "running").length;
      if (running >= maxBatch) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const loaded: JobJson[] = [];
    for (let i = 0; i < samples; i++) {
      loaded.push(await untilDone((await post(urgent)).id));
      await new Promise((r) => setTimeout(r, 200));
    }
    const stillRunning = (await Promise.all(backlog.map((id) => get(id)))).filter((j) => j.status === "running").length;
    for (const id of backlog) await fetch(`${base}/v1/jobs/${id}/cancel`, { method: "POST" });

    const idleWait = percentile(idle.map(waitOf), 50);
    const loadedWait = percentile(loaded.map(waitOf), 50);
    const step = percentile(loaded.map(perTokenOf), 50);
    const bound = 2 * idleWait + step;
    console.log(`p0 queue wait (started_at − created_at, p50 of ${samples}; p95 in brackets):`);
    console.log(`  idle server:                    ${idleWait.toFixed(0)} ms (${percentile(idle.map(waitOf), 95).toFixed(0)} ms)`);
    console.log(`  ${maxBatch} running + ${backlog.length - maxBatch} queued p8 jobs: ${loadedWait.toFixed(0)} ms (${percentile(loaded.map(waitOf), 95).toFixed(0)} ms)`);
    console.log(`  one decode step under load ≈ ${step.toFixed(0)} ms (the p0 job's time per token)`);
    console.log(`  target: loaded ≤ 2 × idle + one step = ${bound.toFixed(0)} ms → ${loadedWait <= bound ? "met" : "MISSED"}`);
    console.log(`  p8 jobs started and unfinished (running or preempted) when the last p0 job finished: ${stillRunning}`);
  } finally {
    await stack.close();
  }
}
