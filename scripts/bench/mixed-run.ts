// `npm run bench -- --workload mixed`: one seeded trace replayed open-loop at several arrival rates
// (multiples of the naive server's measured capacity) against naive, transformers.js + dynamic
// batcher, and genq. Reports throughput, goodput under a stated SLO, TTFT and e2e percentiles per
// priority; writes bench-results/mixed-<time>.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchModelCard, ensureBenchModel } from "./bench-model.ts";
import { mixedTrace, type TraceRequest, type TraceShape } from "./mixed-trace.ts";
import { startEngineOpenLoop, startTransformersJsBatcher, type Completion, type OpenLoopSystem } from "./mixed-systems.ts";
import { mixedTables, summarizeRun, type RunSummary, type Slo } from "./mixed-summary.ts";
import { percentile } from "./percentile.ts";

export const MIXED_USAGE = `usage: npm run bench -- --workload mixed [--quick] [--requests 32] [--rates 0.5,1,2,4]
       [--slo-ttft-ms N] [--slo-tpot-ms N] [--max-batch 16] [--max-queue-delay-ms 100] [--seed 7] [--out bench-results]`;

interface MixedArgs {
  requests: number;
  /** Arrival rates as multiples of the naive server's capacity (its requests/s one at a time). */
  rates: number[];
  /** Absolute SLO; unset parts default to multiples of a lone request's speed (SLO_MULTIPLES). */
  slo: Partial<Slo>;
  maxBatch: number;
  maxQueueDelayMs: number;
  seed: number;
  outDir: string;
}

function parseMixedArgs(argv: string[]): MixedArgs | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      workload: { type: "string" },
      quick: { type: "boolean", default: false },
      requests: { type: "string" },
      rates: { type: "string" },
      "slo-ttft-ms": { type: "string" },
      "slo-tpot-ms": { type: "string" },
      "max-batch": { type: "string", default: "16" },
      "max-queue-delay-ms": { type: "string", default: "100" },
      seed: { type: "string", default: "7" },
      out: { type: "string", default: "bench-results" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return null;
  const num = (flag: string, text: string) => {
    const v = Number(text);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${flag}: expected a positive number, got "${text}"`);
    return v;
  };
  return {
    requests: num("requests", values.requests ?? (values.quick ? "12" : "32")),
    rates: (values.rates ?? (values.quick ? "1,3" : "0.5,1,2,4")).split(",").map((r) => num("rates", r)),
    slo: {
      ttftMs: values["slo-ttft-ms"] === undefined ? undefined : num("slo-ttft-ms", values["slo-ttft-ms"]),
      tpotMs: values["slo-tpot-ms"] === undefined ? undefined : num("slo-tpot-ms", values["slo-tpot-ms"]),
    },
    maxBatch: num("max-batch", values["max-batch"]),
    maxQueueDelayMs: num("max-queue-delay-ms", values["max-queue-delay-ms"]),
    seed: num("seed", values.seed),
    outDir: values.out,
  };
}

/** Prompt 16–1,024 and output 16–512 tokens, log-normal (ShareGPT-like long tails), medians scaled down for a CPU. */
const SHAPE: Omit<TraceShape, "requests" | "seed"> = {
  prompt: { median: 48, sigma: 0.9, min: 16, max: 1024 },
  output: { median: 32, sigma: 0.8, min: 16, max: 512 },
  priorities: [
    { priority: 0, share: 0.2 },
    { priority: 8, share: 0.3 },
  ],
};

/**
 * The default SLO, relative to how fast this machine serves one request alone (the naive server's
 * calibration run, p50): first token within 5× a lone request's TTFT, and each further token within
 * 5× its time per token (on 2 cores a batch-16 step takes ≈3.4× a lone one). "Interactive" on
 * whatever CPU runs the benchmark, and independent of other load on it, which slows all alike.
 */
const SLO_MULTIPLES = { ttft: 5, tpot: 5 };

/** Replays the trace at `ratePerS`; resolves with per-request completions and the arrival times. */
function replay(system: OpenLoopSystem, trace: TraceRequest[], ratePerS: number): Promise<Array<{ request: TraceRequest; arrivedAtMs: number } & Completion>> {
  return new Promise((resolve) => {
    const results: Array<{ request: TraceRequest; arrivedAtMs: number } & Completion> = [];
    const startMs = performance.now();
    for (const request of trace) {
      setTimeout(() => {
        const arrivedAtMs = performance.now();
        system.submit(request, (completion) => {
          results.push({ request, arrivedAtMs, ...completion });
          if (results.length === trace.length) resolve(results);
        });
      }, Math.max(0, startMs + (request.arrivalAtUnitRate / ratePerS) * 1000 - performance.now()));
    }
  });
}

/**
 * The naive server serving `sample` back to back: its capacity (requests/s = 1 / mean service time)
 * and a lone request's p50 TTFT and time per output token.
 */
async function calibrate(system: OpenLoopSystem, sample: TraceRequest[]): Promise<{ capacity: number; ttftMs: number; tpotMs: number }> {
  const startMs = performance.now();
  const ttfts: number[] = [];
  const tpots: number[] = [];
  for (const request of sample) {
    const submittedAtMs = performance.now();
    const done = await new Promise<Completion>((resolve) => system.submit(request, resolve));
    ttfts.push(done.firstTokenAtMs - submittedAtMs);
    tpots.push((done.doneAtMs - done.firstTokenAtMs) / Math.max(1, done.tokens - 1));
  }
  return { capacity: sample.length / ((performance.now() - startMs) / 1000), ttftMs: percentile(ttfts, 50), tpotMs: percentile(tpots, 50) };
}

export async function runMixedBench(argv: string[]): Promise<void> {
  const args = parseMixedArgs(argv);
  if (!args) return console.log(MIXED_USAGE);
  const startedAt = new Date();
  const loadBefore = loadavg();
  if (loadBefore[0] > 1) console.warn(`warning: load average ${loadBefore[0].toFixed(2)} — other work will skew the numbers`);
  const folder = await ensureBenchModel();
  const card = benchModelCard(folder);
  const trace = mixedTrace(card, { ...SHAPE, requests: args.requests, seed: args.seed });
  const mean = (f: (r: TraceRequest) => number) => trace.reduce((n, r) => n + f(r), 0) / trace.length;
  console.log(
    `mixed workload: ${trace.length} requests, prompt mean ${mean((r) => r.promptIds.length).toFixed(0)} tokens ` +
      `(max ${Math.max(...trace.map((r) => r.promptIds.length))}), output mean ${mean((r) => r.outputTokens).toFixed(0)} ` +
      `(max ${Math.max(...trace.map((r) => r.outputTokens))})`,
  );

  const systems: OpenLoopSystem[] = [
    await startEngineOpenLoop(folder, { maxBatch: 1, prefillChunkTokens: 256 }),
    await startTransformersJsBatcher(folder, { maxBatch: args.maxBatch, maxQueueDelayMs: args.maxQueueDelayMs }),
    await startEngineOpenLoop(folder, { maxBatch: args.maxBatch, prefillChunkTokens: 256 }),
  ];
  const runs: RunSummary[] = [];
  const outFile = join(args.outDir, `mixed-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  // Written after every rate, so a run cut short (a crash, a time limit) keeps the rates it finished.
  const save = (lone: unknown, slo: Slo) => {
    mkdirSync(args.outDir, { recursive: true });
    const durationS = (Date.now() - startedAt.getTime()) / 1000;
    const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadavg() };
    writeFileSync(outFile, `${JSON.stringify({ startedAt, durationS, machine, args, shape: SHAPE, lone, slo, runs }, null, 2)}\n`);
    return durationS;
  };
  try {
    // Warm-up (unmeasured), then the capacity measurement on a sample of the trace.
    for (const system of systems) await replay(system, trace.slice(0, 4), 1000);
    const lone = await calibrate(systems[0], trace.slice(0, Math.min(6, trace.length)));
    const capacity = lone.capacity;
    const slo: Slo = { ttftMs: args.slo.ttftMs ?? SLO_MULTIPLES.ttft * lone.ttftMs, tpotMs: args.slo.tpotMs ?? SLO_MULTIPLES.tpot * lone.tpotMs };
    console.log(
      `naive capacity: ${capacity.toFixed(2)} requests/s (rates below are multiples of it); a lone request: TTFT ${lone.ttftMs.toFixed(0)} ms, ` +
        `${lone.tpotMs.toFixed(1)} ms/token → SLO: TTFT ≤ ${slo.ttftMs.toFixed(0)} ms and ≤ ${slo.tpotMs.toFixed(1)} ms per further token`,
    );
    for (const multiple of args.rates) {
      const ratePerS = multiple * capacity;
      for (const system of systems) {
        const results = await replay(system, trace, ratePerS);
        const summary = summarizeRun(system.id, multiple, ratePerS, results, slo);
        runs.push(summary);
        console.log(
          `  ${multiple}× (${ratePerS.toFixed(2)} req/s) ${system.id.padEnd(8)} ${summary.tokensPerS.toFixed(0).padStart(5)} tok/s, ` +
            `goodput ${summary.goodputPerS.toFixed(2)} req/s (${(summary.sloMet * 100).toFixed(0)}% in SLO)`,
        );
      }
      save(lone, slo);
    }
    console.log(`\n${mixedTables(runs, systems.map((s) => ({ id: s.id, label: s.label })))}`);
    const durationS = save(lone, slo);
    console.log(`\nwrote ${outFile} (${durationS.toFixed(0)} s; load average ${loadBefore[0].toFixed(2)} → ${loadavg()[0].toFixed(2)})`);
  } finally {
    for (const system of systems) await system.close();
  }
}
