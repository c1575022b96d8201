// `npm run bench`: the bench model (≈40M params) served by (a) one-at-a-time, (b) genq's engine via
// the inference thread, (c) the raw ORT forward pass and (d) transformers.js, at 1/4/16/64 concurrent
// requests; prints a table and the target verdicts, writes bench-results/bench-<timestamp>.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../shared/config.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import { sessionOptionsFor } from "../../worker/model/create-inference-session.ts";
import { parseBenchArgs, USAGE, type BenchArgs, type SystemId } from "./bench-args.ts";
import { benchModelCard, benchPrompts, ensureBenchModel } from "./bench-model.ts";
import { resultsTable, tokenGapTable, type SystemResult } from "./bench-table.ts";
import type { BenchRequest, BenchSystem, WaveResult } from "./bench-types.ts";
import { outputAgreement, verdictLines, verdicts, type OutputTexts } from "./bench-verdicts.ts";
import { summarize } from "./latency-summary.ts";
import { startGenqSystem } from "./system-genq.ts";
import { startRawOrtSystem } from "./system-raw-ort.ts";
import { startTransformersJsSystem } from "./system-transformers-js.ts";
import { measureTokenGap, type TokenGapResult } from "./token-gap.ts";

const SETTLE_MS = 3000;

function startSystem(id: SystemId, folder: string, args: BenchArgs): Promise<BenchSystem> {
  const engine = { dtype: args.dtype, maxBatch: args.maxBatch, prefillChunkTokens: args.prefillChunkTokens };
  switch (id) {
    case "naive":
      return startGenqSystem(folder, { ...engine, maxBatch: 1 });
    case "genq":
      return startGenqSystem(folder, engine);
    case "ort-raw":
      return startRawOrtSystem(folder, args.dtype);
    case "tjs-seq":
      return startTransformersJsSystem(folder, "sequential", args.dtype);
    case "tjs-batch":
      return startTransformersJsSystem(folder, "batched", args.dtype);
  }
}

function checkWave(id: string, wave: WaveResult, tokens: number): void {
  const wrong = wave.requests.filter((r) => r.tokens !== tokens || !Number.isFinite(r.latencyMs) || !Number.isFinite(r.ttftMs));
  if (wrong.length > 0) throw new Error(`${id}: ${wrong.length} requests without ${tokens} tokens or timings`);
}

interface Running {
  id: SystemId;
  system: BenchSystem;
  loadMs: number;
  waves: Map<number, WaveResult[]>;
}

/**
 * Every system is loaded first; then per concurrency level each one is warmed up and, wave by wave,
 * serves the same wave in turn, so a burst of outside load hits all of them alike and ratios hold.
 */
async function benchAll(folder: string, args: BenchArgs, pool: BenchRequest[], texts: OutputTexts): Promise<SystemResult[]> {
  const running: Running[] = [];
  try {
    for (const id of args.systems) {
      const loadStart = performance.now();
      const system = await startSystem(id, folder, args);
      running.push({ id, system, loadMs: performance.now() - loadStart, waves: new Map() });
      texts.set(id, new Map());
    }
    // Loading leaves background work behind (lazy compilation, GC, page cache); the first waves after
    // it ran up to 2× slower in trials, so let it settle.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    for (const n of args.concurrency) {
      // Unmeasured warm-up per level at the measured shapes: JIT, and ORT arenas grown to this batch
      // size and KV length (the first wave at a new size ran up to 40% slower in trials).
      for (const r of running) await r.system.runWave(pool.slice(0, r.id === "naive" || r.id === "tjs-seq" ? Math.min(n, 2) : n), args.tokens);
      for (let w = 0; w < Math.ceil(args.minRequests / n); w++) {
        const requests = pool.slice(w * n, (w + 1) * n);
        for (const r of running) {
          const wave = await r.system.runWave(requests, args.tokens);
          checkWave(r.id, wave, args.tokens);
          wave.requests.forEach((t, i) => t.text !== undefined && texts.get(r.id)!.set(`${n}/${w}/${requests[i].index}`, t.text));
          r.waves.set(n, [...(r.waves.get(n) ?? []), wave]);
        }
      }
      for (const r of running) {
        const l = summarize(n, r.waves.get(n)!);
        console.log(
          `  ${r.id.padEnd(9)} conc ${String(n).padStart(2)}: ${l.tokensPerSecond.toFixed(1).padStart(7)} tok/s, ` +
            `ttft p50 ${l.ttftP50Ms.toFixed(0)} ms, latency p50/p95 ${l.latencyP50Ms.toFixed(0)}/${l.latencyP95Ms.toFixed(0)} ms`,
        );
      }
    }
    return running.map((r) => ({
      id: r.id,
      label: r.system.label,
      loadMs: r.loadMs,
      levels: args.concurrency.map((n) => summarize(n, r.waves.get(n)!)),
    }));
  } finally {
    for (const r of running) await r.system.close();
  }
}

async function tokenGaps(folder: string, args: BenchArgs): Promise<TokenGapResult[]> {
  const card = benchModelCard(folder);
  const lm = await CausalLm.load(folder, card.config, { device: "cpu", dtype: args.dtype });
  try {
    const results: TokenGapResult[] = [];
    for (const prefillChunkTokens of [args.prefillChunkTokens, Math.max(args.gapPromptTokens, args.prefillChunkTokens)]) {
      const gap = await measureTokenGap(card, lm, {
        prefillChunkTokens,
        running: 8,
        longPromptTokens: args.gapPromptTokens,
        promptTokens: args.promptTokens,
      });
      results.push(gap);
    }
    return results;
  } finally {
    await lm.release();
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), parseConfig({}).prefillChunkTokens);
  if (!args) return console.log(USAGE);
  const startedAt = new Date();
  const loadBefore = loadavg();
  if (loadBefore[0] > 1) console.warn(`warning: load average ${loadBefore[0].toFixed(2)} — other work will skew the numbers`);
  const folder = await ensureBenchModel(undefined, args.dtype);
  const card = benchModelCard(folder);
  const poolSize = Math.max(...args.concurrency.map((n) => n * Math.ceil(args.minRequests / n)));
  const pool = benchPrompts(card, poolSize, args.promptTokens);
  const meanPrompt = pool.reduce((n, r) => n + r.promptIds.length, 0) / pool.length;
  console.log(
    `bench model ${folder}: prompts ≈${meanPrompt.toFixed(1)} tokens, ${args.tokens} new tokens (greedy, EOS ignored), ` +
      `concurrency ${args.concurrency.join("/")}, ≥${args.minRequests} requests per level`,
  );

  const texts: OutputTexts = new Map();
  const systems = await benchAll(folder, args, pool, texts);
  const gaps = args.gapPromptTokens > 0 ? await tokenGaps(folder, args) : [];

  console.log(`\n${resultsTable(systems)}\n`);
  if (gaps.length > 0) console.log(`token gap while a ${args.gapPromptTokens}-token prompt arrives:\n${tokenGapTable(gaps)}\n`);
  const checks = verdicts(systems);
  if (checks.length > 0) console.log(`${verdictLines(checks)}\n`);
  const agreement = outputAgreement(texts);
  for (const [id, a] of Object.entries(agreement)) {
    if (a.compared > 0) console.log(`greedy outputs equal to (a)'s: ${id} ${a.same}/${a.compared}`);
  }

  const loadAfter = loadavg();
  const outFile = join(args.outDir, `bench-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  mkdirSync(args.outDir, { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      // V8 flags change GC behaviour a lot on 2 cores (see --no-concurrent-marking in the README).
      execArgv: process.execArgv,
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
    },
    args,
    model: { folder, promptTokensMean: meanPrompt, sessionOptions: sessionOptionsFor({ device: "cpu" }) },
    systems,
    tokenGap: gaps,
    verdicts: checks,
    outputAgreement: agreement,
  };
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${outFile} (${report.durationS.toFixed(0)} s; load average ${loadBefore[0].toFixed(2)} → ${loadAfter[0].toFixed(2)})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
