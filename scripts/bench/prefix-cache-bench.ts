// `npm run bench:prefix`: 200 documents of 50-300 tokens behind one shared 512-token instruction prefix,
// all submitted at once to the bench model's engine, with the prefix cache off and on: prompt tokens
// computed, time to finish, TTFT p50/p95, and whether greedy outputs agree. One run; ratios within it.
import { parseArgs } from "node:util";
import { BPE_CORPUS } from "../model-builder/bpe-corpus.ts";
import type { GenerationRequest } from "../../worker/engine/generation.ts";
import { ensureBenchModel } from "./bench-model.ts";
import { loadBenchLm, runEngineSession, type SessionResult } from "./engine-session.ts";
import { percentile } from "./percentile.ts";

const { values } = parseArgs({
  options: {
    docs: { type: "string", default: "200" },
    prefix: { type: "string", default: "512" },
    tokens: { type: "string", default: "16" },
    "max-batch": { type: "string", default: "16" },
    "cache-tokens": { type: "string", default: "4096" },
    "prefill-chunk": { type: "string", default: "256" },
  },
});
const docs = Number(values.docs);
const prefixTokens = Number(values.prefix);

const folder = await ensureBenchModel();
const { card, lm } = await loadBenchLm(folder);
const corpus = card.encode(BPE_CORPUS.repeat(8), false);
const instruction = [card.bosTokenId ?? 1, ...corpus.slice(0, prefixTokens - 1)];
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const requests: GenerationRequest[] = Array.from({ length: docs }, (_, i) => {
  const length = 50 + Math.floor(random() * 251);
  const start = prefixTokens + Math.floor(random() * (corpus.length - prefixTokens - length));
  return {
    id: `doc-${i}`,
    model: "bench",
    promptIds: [...instruction, ...corpus.slice(start, start + length)],
    maxTokens: Number(values.tokens),
    sampling: { temperature: 0 },
    stop: [],
    ignoreEos: true,
    priority: 5,
  };
});
const promptTotal = requests.reduce((n, r) => n + r.promptIds.length, 0);
const options = { maxBatch: Number(values["max-batch"]), maxKvTokens: 1 << 20, prefillChunkTokens: Number(values["prefill-chunk"]) };

// Warm-up (JIT, ORT arenas) on a few other documents, then the measured runs.
await runEngineSession(card, lm, options, requests.slice(0, 4).map((r) => ({ ...r, id: `warm-${r.id}` })));
const runs: Array<[string, SessionResult]> = [];
for (const [label, cacheTokens] of [["off", 0], ["on", Number(values["cache-tokens"])]] as const) {
  runs.push([label, await runEngineSession(card, lm, { ...options, prefixCacheTokens: cacheTokens }, requests)]);
}

const rows = runs.map(([label, run]) => {
  const { counters } = run.engine.stats();
  const ttfts = run.outcomes.map((o) => o.ttftMs);
  return {
    label,
    computed: counters.promptTokens - counters.prefixCacheHitTokens,
    hits: counters.prefixCacheHitTokens,
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    ttftP50: percentile(ttfts, 50),
    ttftP95: percentile(ttfts, 95),
  };
});
const [off, on] = rows;
const agree = runs[0][1].outcomes.filter((o, i) => o.text === runs[1][1].outcomes[i].text).length;
const ms = (v: number) => `${(v / 1000).toFixed(1)} s`;
console.log(`\n${docs} documents (50-300 tokens) behind a ${prefixTokens}-token shared prefix: ${promptTotal} prompt tokens, ${values.tokens} new tokens each, max batch ${options.maxBatch}, prefill chunk ${options.prefillChunkTokens} slots\n`);
console.log("| prefix cache | prompt tokens computed | served from cache | time to finish | CPU time | TTFT p50 | TTFT p95 |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.label} | ${r.computed} | ${r.hits} | ${ms(r.wallMs)} | ${ms(r.cpuMs)} | ${ms(r.ttftP50)} | ${ms(r.ttftP95)} |`);
console.log(
  `\non vs off: ${(off.computed / on.computed).toFixed(2)}× fewer prompt tokens computed, ${(off.wallMs / on.wallMs).toFixed(2)}× faster to finish (${(off.cpuMs / on.cpuMs).toFixed(2)}× less CPU time), ` +
    `TTFT p50 ${(off.ttftP50 / on.ttftP50).toFixed(2)}× / p95 ${(off.ttftP95 / on.ttftP95).toFixed(2)}× lower; greedy outputs identical for ${agree}/${docs}`,
);
await lm.release();
