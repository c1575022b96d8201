// The batch-invariance proof through the real engine (greedy): each prompt alone, all at once,
// joining mid-flight in waves, and under a tiny prefill budget (chunked). Every run's ids per prompt.
import { greedyRequest, startEngine, type EngineRun } from "./engine-runner.ts";

export async function runAlone(run: EngineRun, prompts: number[][], maxTokens: number, tag = "alone"): Promise<number[][]> {
  const result: number[][] = [];
  for (const [i, prompt] of prompts.entries()) {
    run.engine.submit(greedyRequest(`${tag}-${i}`, prompt, { maxTokens }));
    await run.runToIdle();
    result.push(run.tokens.get(`${tag}-${i}`) ?? []);
  }
  return result;
}

export async function runTogether(run: EngineRun, prompts: number[][], maxTokens: number, tag: string): Promise<number[][]> {
  prompts.forEach((prompt, i) => run.engine.submit(greedyRequest(`${tag}-${i}`, prompt, { maxTokens })));
  await run.runToIdle();
  return prompts.map((_, i) => run.tokens.get(`${tag}-${i}`) ?? []);
}

/** Waves of `waveSize` prompts, a few steps apart, so they overlap at different decode positions. */
export async function runInWaves(run: EngineRun, prompts: number[][], maxTokens: number, waveSize: number): Promise<number[][]> {
  for (let start = 0, wave = 0; start < prompts.length; start += waveSize, wave++) {
    prompts.slice(start, start + waveSize).forEach((prompt, k) => {
      run.engine.submit(greedyRequest(`wave-${start + k}`, prompt, { maxTokens }));
    });
    for (let s = 0; s < 2 + wave; s++) await run.step();
  }
  await run.runToIdle();
  return prompts.map((_, i) => run.tokens.get(`wave-${i}`) ?? []);
}

export interface InvarianceRuns {
  alone: number[][];
  together: number[][];
  waves: number[][];
  chunked: number[][];
  /** Prompts one at a time under the tiny budget: chunks of one row on a cache. */
  chunkedAlone: number[][];
  /** Messages of failed requests across all runs (expected empty). */
  failures: string[];
}

export async function batchInvarianceRuns(run: EngineRun, prompts: number[][], maxTokens: number): Promise<InvarianceRuns> {
  const alone = await runAlone(run, prompts, maxTokens);
  const together = await runTogether(run, prompts, maxTokens, "together");
  const waves = await runInWaves(run, prompts, maxTokens, 3);
  const tiny = await startEngine(run.card.path, { card: run.card, lm: run.lm, prefillChunkTokens: 5, idlePrefillChunkTokens: 5 });
  const chunked = await runTogether(tiny, prompts, maxTokens, "chunked");
  const chunkedAlone = await runAlone(tiny, prompts, maxTokens, "chunked-alone");
  const failures = [...run.messages, ...tiny.messages].flatMap((m) => (m.type === "failed" ? [m.message] : []));
  return { alone, together, waves, chunked, chunkedAlone, failures };
}
