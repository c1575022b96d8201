// Worst gap between two tokens of running sequences while a long prompt is prefilled, with chunked
// prefill on (the default chunk) and off (one pass): engine in-process, stats().worstTokenGapMs.
import type { ModelCard } from "../../shared/models/model-card.ts";
import { InferenceEngine } from "../../worker/engine/inference-engine.ts";
import type { CausalLm } from "../../worker/model/causal-lm.ts";
import { benchPrompts, longPromptIds } from "./bench-model.ts";
import { generationRequest } from "./generation-request.ts";

export interface TokenGapResult {
  prefillChunkTokens: number;
  runningSequences: number;
  longPromptTokens: number;
  /** Mean step time of the running batch before the long prompt arrives. */
  steadyStepMs: number;
  /** Worst inter-token gap of the running sequences from the long prompt's submission to their first token after it joined. */
  worstTokenGapMs: number;
  /** Submission → first token of the long prompt. */
  longTtftMs: number;
  /** Mean step time after the long prompt joined the batch (the rectangular cache is now that wide). */
  afterMergeStepMs: number;
}

export async function measureTokenGap(
  card: ModelCard,
  lm: CausalLm,
  options: { prefillChunkTokens: number; running: number; longPromptTokens: number; promptTokens: number },
): Promise<TokenGapResult> {
  let longFirstTokenAtMs = NaN;
  const engine = new InferenceEngine(
    card,
    lm,
    { maxBatch: 64, maxKvTokens: 1 << 22, prefillChunkTokens: options.prefillChunkTokens },
    () => {},
    { onToken: (id, _token, atMs) => void (id === "long" && Number.isNaN(longFirstTokenAtMs) && (longFirstTokenAtMs = atMs)) },
  );
  const prompts = benchPrompts(card, options.running, options.promptTokens);
  prompts.forEach((p) => engine.submit(generationRequest(`run-${p.index}`, p, 1000)));
  const timeSteps = async (count: number) => {
    const start = performance.now();
    for (let i = 0; i < count; i++) await engine.step();
    return (performance.now() - start) / count;
  };
  await timeSteps(4); // admission, prefill, first decodes
  const steadyStepMs = await timeSteps(8);

  engine.resetTokenGap();
  const submittedAtMs = performance.now();
  const long = { index: -1, text: "", promptIds: longPromptIds(card, options.longPromptTokens) };
  engine.submit(generationRequest("long", long, 1000));
  while (Number.isNaN(longFirstTokenAtMs)) await engine.step();
  // The running rows' next token comes from the step after the merge: that gap spans the last prefill.
  await engine.step();
  const worstTokenGapMs = engine.stats().worstTokenGapMs;
  const afterMergeStepMs = await timeSteps(3);

  for (const p of prompts) engine.cancel(`run-${p.index}`);
  engine.cancel("long");
  while (engine.hasWork) await engine.step();
  return {
    prefillChunkTokens: options.prefillChunkTokens,
    runningSequences: options.running,
    longPromptTokens: options.longPromptTokens,
    steadyStepMs,
    worstTokenGapMs,
    longTtftMs: longFirstTokenAtMs - submittedAtMs,
    afterMergeStepMs,
  };
}
