// Runs an InferenceEngine in-process on a generated model for tests: collects every message and
// sampled token id per request, and steps until idle.
import { loadModelCard, type ModelCard } from "../../shared/models/model-card.ts";
import { InferenceEngine, type EngineOptions } from "../../worker/engine/inference-engine.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import type { ModelDtype } from "../../worker/model/model-file-path.ts";
import type { GenerationEvent, GenerationRequest } from "../../worker/engine/generation.ts";

export interface EngineRun {
  engine: InferenceEngine;
  card: ModelCard;
  lm: CausalLm;
  messages: GenerationEvent[];
  /** Sampled ids per request id, in order. */
  tokens: Map<string, number[]>;
  /** Token ids produced by each step, in order: [step][i] = { id, tokenId }. */
  stepTokens: Array<Array<{ id: string; tokenId: number }>>;
  /** One step, recording which tokens it produced. */
  step(): Promise<void>;
  /** Steps until nothing is left; throws after maxSteps. */
  runToIdle(maxSteps?: number): Promise<void>;
  finished(id: string): Extract<GenerationEvent, { type: "finished" }> | undefined;
  failed(id: string): Extract<GenerationEvent, { type: "failed" }> | undefined;
  release(): Promise<void>;
}

export const defaultEngineOptions: EngineOptions = { maxBatch: 16, maxKvTokens: 1 << 20, prefillChunkTokens: 4096 };

export async function startEngine(
  modelDir: string,
  options: Partial<EngineOptions> & { dtype?: ModelDtype; card?: ModelCard; lm?: CausalLm; now?: () => number } = {},
): Promise<EngineRun> {
  const card = options.card ?? loadModelCard("tiny", modelDir);
  const lm = options.lm ?? (await CausalLm.load(modelDir, card.config, { device: "cpu", dtype: options.dtype ?? "fp32" }));
  const messages: GenerationEvent[] = [];
  const tokens = new Map<string, number[]>();
  const stepTokens: EngineRun["stepTokens"] = [];
  let current: Array<{ id: string; tokenId: number }> = [];
  const engine = new InferenceEngine(card, lm, { ...defaultEngineOptions, ...options }, (m) => messages.push(m), {
    now: options.now,
    onToken(id, tokenId) {
      tokens.set(id, [...(tokens.get(id) ?? []), tokenId]);
      current.push({ id, tokenId });
    },
  });
  const run: EngineRun = {
    engine,
    card,
    lm,
    messages,
    tokens,
    stepTokens,
    async step() {
      current = [];
      await engine.step();
      stepTokens.push(current);
    },
    async runToIdle(maxSteps = 10_000) {
      for (let i = 0; engine.hasWork; i++) {
        if (i >= maxSteps) throw new Error(`engine still busy after ${maxSteps} steps`);
        await run.step();
      }
    },
    finished: (id) => messages.find((m): m is Extract<GenerationEvent, { type: "finished" }> => m.type === "finished" && m.id === id),
    failed: (id) => messages.find((m): m is Extract<GenerationEvent, { type: "failed" }> => m.type === "failed" && m.id === id),
    release: () => (options.lm ? Promise.resolve() : lm.release()),
  };
  return run;
}

/** A greedy request that ignores EOS, so its length is exactly maxTokens. */
export function greedyRequest(id: string, promptIds: number[], overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    id,
    model: "tiny",
    promptIds,
    maxTokens: 8,
    sampling: { temperature: 0 },
    stop: [],
    ignoreEos: true,
    priority: 5,
    ...overrides,
  };
}

/** Deterministic prompt ids in [3, vocabSize) (ids 0-2 are pad/bos/eos in generated models). */
export function promptOf(length: number, seed: number, vocabSize: number): number[] {
  let state = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return 3 + ((state >>> 0) % (vocabSize - 3));
  });
}

/** What `request` produces alone on a fresh engine sharing `shared`'s model: token ids and the finished message. */
export async function runAlone(shared: EngineRun, request: GenerationRequest) {
  const run = await startEngine(shared.card.path, { card: shared.card, lm: shared.lm });
  run.engine.submit(request);
  await run.runToIdle();
  return { tokens: run.tokens.get(request.id), finished: run.finished(request.id) };
}
