// Entry of the inference thread (worker_threads): loads the preloaded models' sessions, answers
// `ready` or `init-failed`, then steps the engines while any has work, reading messages between
// steps; other models load and unload on request (model residency).
import { parentPort, workerData } from "node:worker_threads";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { CausalLm } from "../model/causal-lm.ts";
import { kvBytes, weightsBytes } from "../model/model-footprint.ts";
import { modelFilePath } from "../model/model-file-path.ts";
import { InferenceEngine } from "../engine/inference-engine.ts";
import { StartClaims } from "./start-claims.ts";
import type { FromThreadMessage, InferenceThreadOptions, LoadedModelInfo, ToThreadMessage } from "./thread-messages.ts";

/** While busy, a `stats` message at most this often (and once more on going idle). */
const STATS_EVERY_MS = 500;

const port = parentPort;
if (!port) throw new Error("inference-thread.ts must run as a worker_threads Worker");
const options = workerData as InferenceThreadOptions;
/**
 * Messages produced while stepping or handling a message go out together: one postMessage (one
 * structured clone and one wake-up of the main thread) per step instead of one per token.
 */
const outbox: FromThreadMessage[] = [];
const claims = options.startClaims ? new StartClaims(options.startClaims) : null;
/** Submitted request → its start-claim slot, until its last message. */
const claimSlots = new Map<string, number>();
/** The engine's first admission of a request: false when the client withdrew it first. */
const claimStart = (id: string) => {
  const slot = claimSlots.get(id);
  return slot === undefined || claims === null || claims.claimStart(slot);
};
const post = (message: FromThreadMessage) => {
  if (message.type === "finished" || message.type === "failed" || message.type === "withdrawn") claimSlots.delete(message.id);
  outbox.push(message);
  // `started` marks the job running (started_at): sent before the step's forward passes, not after.
  if (message.type === "started") flush();
};
function postNow(message: FromThreadMessage): void {
  post(message);
  flush();
}
function flush(): void {
  if (outbox.length === 0) return;
  const messages = outbox.splice(0);
  parentPort!.postMessage(messages.length === 1 ? messages[0] : { type: "batch", messages });
}

const engines = new Map<string, InferenceEngine>();
const sessions = new Map<string, { lm: CausalLm; info: LoadedModelInfo }>();
/** Loads run one at a time, in order, between (not during) engine steps' awaits. */
let loads: Promise<unknown> = Promise.resolve();
/** Unloads asked for while the engine still had work: done once it has none. */
const unloadWhenIdle = new Set<string>();
/** Counters of unloaded engines, so the thread's totals never go down. */
const retired = { preemptions: 0, promptTokens: 0, prefixCacheHitTokens: 0 };
/** Steps by batch size since the last stats message (genq_batch_size). */
let stepBatchSizes: Record<number, number> = {};
let shuttingDown = false;
let wake: (() => void) | null = null;

port.on("message", (message: ToThreadMessage) => {
  switch (message.type) {
    case "submit": {
      if (message.claimSlot !== undefined) claimSlots.set(message.request.id, message.claimSlot);
      const engine = engines.get(message.request.model);
      if (engine) engine.submit(message.request);
      else post({ type: "failed", id: message.request.id, code: "ENGINE_ERROR", message: `model "${message.request.model}" is not loaded in this worker` });
      break;
    }
    case "cancel":
      for (const engine of engines.values()) if (engine.cancel(message.id)) break;
      break;
    case "withdraw":
      for (const engine of engines.values()) if (engine.withdraw(message.id)) break;
      break;
    case "shutdown":
      shuttingDown = true;
      break;
    case "load": {
      const name = message.model;
      unloadWhenIdle.delete(name);
      loads = loads.then(() =>
        loadModel(name).then(
          (info) => postNow({ type: "model-loaded", model: info }),
          (error: unknown) => postNow({ type: "model-load-failed", model: name, message: errorMessage(error) }),
        ),
      );
      break;
    }
    case "unload":
      unloadWhenIdle.add(message.model);
      loads = loads.then(unloadIdle);
      break;
  }
  flush();
  wake?.();
});

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Creates the session (with its load-time batch self-check) and the engine; a loaded model answers at once. */
async function loadModel(name: string): Promise<LoadedModelInfo> {
  const loaded = sessions.get(name);
  if (loaded) return loaded.info;
  const entry = options.models.find((m) => m.name === name);
  if (!entry) throw new Error(`model "${name}" is not registered in this worker`);
  const startedMs = performance.now();
  const card = loadModelCard(name, entry.path, { lazyTokenizer: options.callerDecodes === true });
  const lm = await CausalLm.load(entry.path, card.config, { device: options.device, dtype: options.dtype });
  const kvTokens = options.maxKvTokens + (options.prefixCacheTokens ?? 0);
  const info: LoadedModelInfo = {
    name,
    vocabSize: card.vocabSize,
    contextLength: card.contextLength,
    selfCheck: lm.selfCheck?.summary ?? "self-check skipped",
    loadMs: performance.now() - startedMs,
    residentBytes: weightsBytes(modelFilePath(entry.path, options.dtype)) + kvBytes(lm.signature.kv, kvTokens),
  };
  sessions.set(name, { lm, info });
  engines.set(name, new InferenceEngine(card, lm, options, post, { claimStart }));
  return info;
}

/** Releases the sessions asked to unload whose engines have no work left. */
async function unloadIdle(): Promise<void> {
  for (const name of [...unloadWhenIdle]) {
    const engine = engines.get(name);
    if (engine?.hasWork) continue;
    unloadWhenIdle.delete(name);
    const session = sessions.get(name);
    if (engine) {
      const stats = engine.stats();
      retired.preemptions += stats.preemptions;
      retired.promptTokens += stats.counters.promptTokens;
      retired.prefixCacheHitTokens += stats.counters.prefixCacheHitTokens;
    }
    engines.delete(name);
    sessions.delete(name);
    await session?.lm.release();
    postNow({ type: "model-unloaded", model: name });
  }
}

async function init(): Promise<boolean> {
  try {
    const models: LoadedModelInfo[] = [];
    for (const { name } of options.models) if (!options.preload || options.preload.includes(name)) models.push(await loadModel(name));
    postNow({ type: "ready", models });
    return true;
  } catch (error) {
    postNow({ type: "init-failed", message: errorMessage(error) });
    return false;
  }
}

function postStats(): void {
  const all = [...engines.values()].map((e) => e.stats());
  post({
    type: "stats",
    running: all.reduce((n, s) => n + s.running + s.prefilling, 0),
    waiting: all.reduce((n, s) => n + s.waiting, 0),
    kvTokens: all.reduce((n, s) => n + s.kvTokens, 0),
    kvBytes: all.reduce((n, s) => n + s.kvBytes, 0),
    stepMs: Math.max(0, ...all.map((s) => s.stepMs)),
    preemptions: all.reduce((n, s) => n + s.preemptions, retired.preemptions),
    promptTokensTotal: all.reduce((n, s) => n + s.counters.promptTokens, retired.promptTokens),
    prefixCacheHitTokensTotal: all.reduce((n, s) => n + s.counters.prefixCacheHitTokens, retired.prefixCacheHitTokens),
    stepBatchSizes,
  });
  stepBatchSizes = {};
}

/** Counts one engine step under the number of sequences it carried. */
function countStep(engine: InferenceEngine): void {
  const { running, prefilling } = engine.stats();
  const size = running + prefilling;
  if (size > 0) stepBatchSizes[size] = (stepBatchSizes[size] ?? 0) + 1;
}

async function loop(): Promise<void> {
  let lastStatsMs = 0;
  let wasBusy = false;
  while (!shuttingDown) {
    const busy = [...engines.values()].filter((e) => e.hasWork);
    // An unload that waited for its engine to drain runs once it has.
    if ([...unloadWhenIdle].some((name) => !engines.get(name)?.hasWork)) loads = loads.then(unloadIdle);
    if (busy.length === 0) {
      if (wasBusy) postStats();
      flush();
      wasBusy = false;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      // Woken by the first message of a burst: let the rest of the burst in first, so jobs submitted
      // together are admitted (and prefilled) together instead of one alone and the rest beside it.
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    wasBusy = true;
    for (const engine of busy) {
      await engine.step();
      countStep(engine);
    }
    if (performance.now() - lastStatsMs >= STATS_EVERY_MS) {
      postStats();
      lastStatsMs = performance.now();
    }
    flush();
    // session.run blocks this thread; yielding here lets queued submit/cancel messages in between steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

if (await init()) await loop();
await loads.catch(() => {});
await Promise.allSettled([...sessions.values()].map((s) => s.lm.release()));
port.close();
