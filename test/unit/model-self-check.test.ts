// The load-time self-check (invariant 8) on real graphs: it keeps each layout's policy when batched =
// alone, narrows it when a graph is fed in a way it cannot take (and the engine then stays batch-
// invariant), and refuses with one line a model that fails even alone.
import { describe, expect, it } from "vitest";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { runBatchSelfCheck } from "../../worker/model/batch-self-check.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import { createInferenceSession } from "../../worker/model/create-inference-session.ts";
import { feedingPolicyFor } from "../../worker/model/feeding-policy.ts";
import { readGraphOpTypes } from "../../worker/model/graph-op-types.ts";
import { modelFilePath } from "../../worker/model/model-file-path.ts";
import { readModelSignature } from "../../worker/model/model-signature.ts";
import { runAlone, runTogether } from "../harness/batch-invariance.ts";
import { promptOf, startEngine } from "../harness/engine-runner.ts";
import { tinyModelDir, type TinyModelOptions } from "../harness/tiny-model.ts";

/** A CausalLm built from the graph but with a signature of our choosing (a mis-read graph). */
async function misreadModel(options: TinyModelOptions, edit: (s: ReturnType<typeof readModelSignature>) => void): Promise<CausalLm> {
  const dir = await tinyModelDir(options);
  const session = await createInferenceSession(modelFilePath(dir, "fp32"), { device: "cpu" });
  const path = modelFilePath(dir, "fp32");
  const signature = readModelSignature(session, loadModelCard("tiny", dir).config, await readGraphOpTypes(path));
  edit(signature);
  const lm = new CausalLm(session, signature);
  lm.feeding = feedingPolicyFor(signature.attention);
  return lm;
}

describe("load-time batch self-check", () => {
  it.each<[TinyModelOptions, string]>([
    [{}, "batched, chunked prefill"],
    [{ attention: "gqa" }, "batched, chunked prefill up to 1 row(s)"],
    [{ attention: "mha" }, "batched, prefill in one pass"],
  ])("keeps the layout's own policy when batched = alone (%j)", async (options, mode) => {
    const dir = await tinyModelDir(options);
    const lm = await CausalLm.load(dir, loadModelCard("tiny", dir).config, { device: "cpu", dtype: "fp32" });
    expect(lm.selfCheck?.tried).toEqual([{ mode, problem: "" }]);
    expect(lm.selfCheck?.summary).toMatch(new RegExp(`^self-check ok in \\d+ ms: ${mode.replace(/[()]/g, "\\$&")}`));
    await lm.release();
  });

  it("an in-graph mask fed chunks on a cache errors, so the check falls back to one-pass prefill", async () => {
    const lm = await misreadModel({ attention: "mha" }, (s) => (s.attention = "external-mask"));
    const report = await runBatchSelfCheck(lm, 512);
    expect(report.tried.map((t) => t.mode)).toEqual(["batched, chunked prefill", "batched, prefill in one pass"]);
    expect(report.tried[0].problem).toMatch(/^error: .*Expand/);
    expect(report.summary).toMatch(/prefill in one pass .*after: batched, chunked prefill: error/);
    expect(lm.feeding.chunkOnCacheRows).toBe(0);
    await lm.release();
  });

  it("GroupQueryAttention fed left-padded rows is silently wrong batched: the check falls back to one row per pass", async () => {
    const lm = await misreadModel({ attention: "gqa" }, (s) => {
      s.attention = "external-mask";
      s.kv.align = "end";
    });
    const report = await runBatchSelfCheck(lm, 512);
    expect(report.tried.map((t) => t.mode)).toEqual([
      "batched, chunked prefill",
      "batched, prefill in one pass",
      "one row per pass",
    ]);
    expect(report.tried[1].problem).toMatch(/logits differ from alone/);
    expect(lm.feeding.maxRowsPerPass).toBe(1);
    // The engine under the safe mode: correct (= the properly fed graph alone), just not batched.
    const prompts = Array.from({ length: 5 }, (_, i) => promptOf(2 + 7 * i, 40 + i, 512));
    const dir = await tinyModelDir({ attention: "gqa" });
    const proper = await startEngine(dir);
    const expected = await runAlone(proper, prompts, 5);
    // Observe (not replace) the passes: every one has a single row.
    const rowsPerPass: number[] = [];
    const forward = lm.forward.bind(lm);
    lm.forward = (input) => (rowsPerPass.push(input.past.rows), forward(input));
    const safe = await startEngine(dir, { card: proper.card, lm });
    expect(await runTogether(safe, prompts, 5, "safe")).toEqual(expected);
    expect(Math.max(...rowsPerPass)).toBe(1);
    await proper.release();
    await lm.release();
  });

  it("dynamic uint8 quantization (one activation scale per batch) is caught and served one row per pass", async () => {
    const dir = await tinyModelDir({ dtypes: ["uint8"] });
    const run = await startEngine(dir, { dtype: "uint8" });
    expect(run.lm.selfCheck?.tried.map((t) => t.mode)).toEqual([
      "batched, chunked prefill",
      "batched, prefill in one pass",
      "one row per pass",
    ]);
    expect(run.lm.selfCheck?.tried[0].problem).toMatch(/logits differ from alone/);
    const prompts = Array.from({ length: 4 }, (_, i) => promptOf(3 + 9 * i, 70 + i, 512));
    const alone = await runAlone(run, prompts, 4);
    expect(await runTogether(run, prompts, 4, "together")).toEqual(alone);
    await run.release();
  });

  it("a model whose single-sequence pass fails is refused with one line", async () => {
    // int32 inputs fed as int64: what genq did before it read input dtypes from the graph.
    const lm = await misreadModel({ inputIdsDtype: "int32" }, (s) => (s.inputIdsDtype = "int64"));
    const check = runBatchSelfCheck(lm, 512);
    await expect(check).rejects.toThrow(/^model self-check: a single sequence fails its forward pass: .*type/i);
    await expect(check).rejects.toThrow(/^[^\n]+$/);
    await lm.release();
  });
});
