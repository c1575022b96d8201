// A bench-model engine run in this thread for the feature benchmarks: submits every request at once,
// steps until idle, and records each request's first-token and finish time and its text.
import { loadModelCard, type ModelCard } from "../../shared/models/model-card.ts";
import { InferenceEngine, type EngineOptions } from "../../worker/engine/inference-engine.ts";
import { CausalLm } from "../../worker/model/causal-lm.ts";
import type { GenerationEvent as FromThreadMessage, GenerationRequest } from "../../worker/engine/generation.ts";
import { BENCH_MODEL_NAME } from "./bench-model.ts";

export interface RequestOutcome {
  ttftMs: number;
  latencyMs: number;
  tokens: number;
  text: string;
  finishReason: string;
}

export interface SessionResult {
  wallMs: number;
  /**
   * CPU time of the whole process (onnxruntime's threads included) during the wave: on a shared,
   * overloaded machine a steadier measure of the work done than wall time.
   */
  cpuMs: number;
  outcomes: RequestOutcome[];
  engine: InferenceEngine;
}

export async function loadBenchLm(folder: string): Promise<{ card: ModelCard; lm: CausalLm }> {
  const card = loadModelCard(BENCH_MODEL_NAME, folder);
  return { card, lm: await CausalLm.load(folder, card.config, { device: "cpu", dtype: "fp32" }) };
}

/** A fresh engine on the loaded session whose messages go to `session.emit` of the running wave. */
export function benchEngine(card: ModelCard, lm: CausalLm, options: EngineOptions): { engine: InferenceEngine; route: { emit: (m: FromThreadMessage) => void } } {
  const route = { emit: (_m: FromThreadMessage) => {} };
  return { engine: new InferenceEngine(card, lm, options, (m) => route.emit(m)), route };
}

/** Runs the requests on a fresh engine (sharing the loaded session); all are submitted at time 0. */
export async function runEngineSession(card: ModelCard, lm: CausalLm, options: EngineOptions, requests: GenerationRequest[]): Promise<SessionResult> {
  return runWave(benchEngine(card, lm, options), requests);
}

/** Submits every request at time 0 to the engine and steps until idle. */
export async function runWave(bench: ReturnType<typeof benchEngine>, requests: GenerationRequest[]): Promise<SessionResult> {
  const { engine, route } = bench;
  const outcomes = new Map<string, RequestOutcome>();
  let startMs = 0;
  route.emit = (m: FromThreadMessage) => {
    if (!("id" in m)) return;
    if (m.type === "failed") throw new Error(`${m.id} failed: ${m.message}`);
    const outcome = outcomes.get(m.id)!;
    const atMs = performance.now() - startMs;
    if (m.type === "delta" && Number.isNaN(outcome.ttftMs)) outcome.ttftMs = atMs;
    if (m.type === "finished") {
      Object.assign(outcome, { latencyMs: atMs, tokens: m.completionTokens, text: m.text, finishReason: m.finishReason });
      if (Number.isNaN(outcome.ttftMs)) outcome.ttftMs = atMs;
    }
  };
  startMs = performance.now();
  const cpuStart = process.cpuUsage();
  for (const r of requests) {
    outcomes.set(r.id, { ttftMs: NaN, latencyMs: NaN, tokens: 0, text: "", finishReason: "" });
    engine.submit(r);
  }
  while (engine.hasWork) await engine.step();
  const cpu = process.cpuUsage(cpuStart);
  return { wallMs: performance.now() - startMs, cpuMs: (cpu.user + cpu.system) / 1000, outcomes: requests.map((r) => outcomes.get(r.id)!), engine };
}
