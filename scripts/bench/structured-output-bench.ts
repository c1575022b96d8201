// `npm run bench:structured`: per-token cost of JSON-schema-constrained vs free decoding on the bench
// model (vocab 32,000), one request at a time and 16 at once, greedy. Each mode runs a warm-up wave
// on its engine first (so the schema's masks are partly cached, as in steady service), then the
// measured waves; ms per generated token = wall time / tokens. One run; ratios within it.
import { parseArgs } from "node:util";
import type { ResponseFormat } from "../../shared/structured-output/response-format-grammar.ts";
import type { GenerationRequest } from "../../worker/engine/generation.ts";
import { benchModelCard, benchPrompts, ensureBenchModel } from "./bench-model.ts";
import { benchEngine, loadBenchLm, runWave } from "./engine-session.ts";

const { values } = parseArgs({ options: { tokens: { type: "string", default: "48" }, requests: { type: "string", default: "16" } } });
const maxTokens = Number(values.tokens);
const count = Number(values.requests);
const FORMAT: ResponseFormat = {
  type: "json_schema",
  json_schema: {
    name: "record",
    strict: true,
    schema: {
      type: "object",
      properties: {
        title: { type: "string", maxLength: 40 },
        year: { type: "integer", minimum: 1900, maximum: 2030 },
        tags: { type: "array", items: { type: "string", maxLength: 12 }, maxItems: 4 },
        rating: { anyOf: [{ type: "number", minimum: 0, maximum: 5 }, { type: "null" }] },
      },
      required: ["title", "year", "tags", "rating"],
      additionalProperties: false,
    },
  },
};

const folder = await ensureBenchModel();
const { card, lm } = await loadBenchLm(folder);
const prompts = benchPrompts(benchModelCard(folder), 3 * count, 32);
const request = (tag: string, i: number, constrained: boolean): GenerationRequest => ({
  id: `${tag}-${i}`,
  model: "bench",
  promptIds: prompts[i].promptIds,
  maxTokens,
  sampling: { temperature: 0 },
  stop: [],
  // Free decoding runs to max_tokens; constrained ends where its JSON closes.
  ignoreEos: !constrained,
  priority: 5,
  ...(constrained ? { responseFormat: FORMAT } : {}),
});

const coldTtftMs = { free: NaN, json_schema: NaN };
// One free request first, so the cold numbers below do not include onnxruntime's own first run.
await runWave(benchEngine(card, lm, { maxBatch: 1, maxKvTokens: 1 << 20, prefillChunkTokens: 256 }), [request("ort-warm", 2 * count, false)]);
const results: Array<{ batch: number; mode: string; msPerToken: number; cpuMsPerToken: number; tokens: number }> = [];
for (const batch of [1, 16]) {
  for (const constrained of [false, true]) {
    const bench = benchEngine(card, lm, { maxBatch: batch, maxKvTokens: 1 << 20, prefillChunkTokens: 256 });
    const waveSize = batch === 1 ? 1 : count;
    const warm = await runWave(bench, Array.from({ length: waveSize }, (_, i) => request("warm", count + i, constrained)));
    // A fresh engine's first request: constrained, it also builds the token trie and its first masks.
    if (batch === 1) coldTtftMs[constrained ? "json_schema" : "free"] = warm.outcomes[0].ttftMs;
    let wallMs = 0;
    let cpuMs = 0;
    let tokens = 0;
    const waves = batch === 1 ? 4 : 1;
    for (let w = 0; w < waves; w++) {
      const wave = await runWave(bench, Array.from({ length: waveSize }, (_, i) => request(`w${w}`, w * waveSize + i, constrained)));
      wallMs += wave.wallMs;
      cpuMs += wave.cpuMs;
      tokens += wave.outcomes.reduce((n, o) => n + o.tokens, 0);
      if (constrained) for (const o of wave.outcomes) if (o.finishReason === "stop") JSON.parse(o.text);
    }
    results.push({ batch, mode: constrained ? "json_schema" : "free", msPerToken: wallMs / tokens, cpuMsPerToken: cpuMs / tokens, tokens });
  }
}
console.log(`\nbench model, greedy, max_tokens ${maxTokens}, prompts ≈32 tokens; time per generated token (prefill included)\n`);
console.log("| batch | free ms/token | json_schema ms/token | constrained / free | CPU ms/token free · json_schema | CPU constrained / free |");
console.log("|---|---|---|---|---|---|");
for (const batch of [1, 16]) {
  const [free, json] = results.filter((r) => r.batch === batch);
  console.log(
    `| ${batch} | ${free.msPerToken.toFixed(1)} (${free.tokens} tokens) | ${json.msPerToken.toFixed(1)} (${json.tokens} tokens) | ${(json.msPerToken / free.msPerToken).toFixed(2)}× ` +
      `| ${free.cpuMsPerToken.toFixed(1)} · ${json.cpuMsPerToken.toFixed(1)} | ${(json.cpuMsPerToken / free.cpuMsPerToken).toFixed(2)}× |`,
  );
}
console.log(
  `\ncold (a fresh engine's first request, batch 1): TTFT free ${coldTtftMs.free.toFixed(0)} ms, json_schema ${coldTtftMs.json_schema.toFixed(0)} ms ` +
    `(+${(coldTtftMs.json_schema - coldTtftMs.free).toFixed(0)} ms: token trie and first masks)`,
);
await lm.release();
