// Submit latency (POST /v1/jobs over HTTP, p50/p99 over 1,000 submits, GET /healthz as the
// same-run floor) and submit-to-succeeded time for a 16-token job. `npm run bench:submit [-- <submits>]`
import { startBenchStack } from "./bench-stack.ts";
import { percentile } from "./percentile.ts";

const SUBMITS = Number(process.argv[2] ?? 1000);
const stack = await startBenchStack();
const base = stack.api.url;

async function timed(fn: () => Promise<Response>): Promise<[number, Response]> {
  const start = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  return [performance.now() - start, res];
}

const post = (body: unknown) =>
  fetch(`${base}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

// Warm up connections, JIT and the model thread.
for (let i = 0; i < 50; i++) await timed(() => fetch(`${base}/healthz`));
for (let i = 0; i < 20; i++) await timed(() => post({ prompt: "warm", max_tokens: 1 }));

const health: number[] = [];
for (let i = 0; i < SUBMITS; i++) health.push((await timed(() => fetch(`${base}/healthz`)))[0]);
const submits: number[] = [];
for (let i = 0; i < SUBMITS; i++) {
  const [ms, res] = await timed(() => post({ prompt: `Hello ${i}`, max_tokens: 16 }));
  if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
  submits.push(ms);
}
// Let the backlog drain before timing single jobs end to end.
for (;;) {
  const list = (await (await fetch(`${base}/v1/jobs?status=queued&limit=1`)).json()) as { data: unknown[] };
  const running = (await (await fetch(`${base}/v1/jobs?status=running&limit=1`)).json()) as { data: unknown[] };
  if (list.data.length === 0 && running.data.length === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
const endToEnd: number[] = [];
const engineOnly: number[] = [];
for (let i = 0; i < 50; i++) {
  const start = performance.now();
  const job = (await (await post({ prompt: "Hello", max_tokens: 16, ignore_eos: true })).json()) as { id: string };
  let done: { status: string; started_at: string; completed_at: string };
  do {
    done = (await (await fetch(`${base}/v1/jobs/${job.id}?wait=10`)).json()) as typeof done;
  } while (done.status !== "succeeded");
  endToEnd.push(performance.now() - start);
  engineOnly.push(Date.parse(done.completed_at) - Date.parse(done.started_at));
}

const [h, s, e, g] = [health, submits, endToEnd, engineOnly];
const row = (name: string, a: number[]) =>
  `${name.padEnd(34)} p50 ${percentile(a, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(a, 99).toFixed(2).padStart(7)} ms`;
console.log(row(`GET /healthz (floor, n=${SUBMITS})`, h));
console.log(row(`POST /v1/jobs (n=${SUBMITS})`, s));
console.log(row("submit -> succeeded, 16 tokens", e));
console.log(row("  of which started -> completed", g));
console.log(`submit p50 / healthz p50 = ${(percentile(s, 50) / percentile(h, 50)).toFixed(2)}x`);
await stack.close();
