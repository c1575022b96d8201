// Entry of the inference thread (worker_threads): loads every model's session, answers `ready` or
// `init-failed`, then steps the engines while any has work, reading messages between steps.
import { parentPort, workerData } from "node:worker_threads";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { CausalLm } from "../model/causal-lm.ts";
import { InferenceEngine } from "../engine/inference-engine.ts";
import type { FromThreadMessage, InferenceThreadOptions, ToThreadMessage } from "./thread-messages.ts";

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
const post = (message: FromThreadMessage) => {
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
const sessions: CausalLm[] = [];
let shuttingDown = false;
let wake: (() => void) | null = null;

port.on("message", (message: ToThreadMessage) => {
  switch (message.type) {
    case "submit": {
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
  }
  flush();
  wake?.();
});

async function init(): Promise<boolean> {
  try {
    for (const { name, path } of options.models) {
      const card = loadModelCard(name, path, { lazyTokenizer: options.callerDecodes === true });
      const lm = await CausalLm.load(path, card.config, { device: options.device, dtype: options.dtype });
      sessions.push(lm);
      engines.set(name, new InferenceEngine(card, lm, options, post));
    }
    postNow({
      type: "ready",
      models: [...engines.values()].map((e, i) => ({
        name: e.card.name,
        vocabSize: e.card.vocabSize,
        contextLength: e.card.contextLength,
        selfCheck: sessions[i].selfCheck?.summary ?? "self-check skipped",
      })),
    });
    return true;
  } catch (error) {
    postNow({ type: "init-failed", message: error instanceof Error ? error.message : String(error) });
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
    preemptions: all.reduce((n, s) => n + s.preemptions, 0),
    promptTokensTotal: all.reduce((n, s) => n + s.counters.promptTokens, 0),
    prefixCacheHitTokensTotal: all.reduce((n, s) => n + s.counters.prefixCacheHitTokens, 0),
  });
}

async function loop(): Promise<void> {
  let lastStatsMs = 0;
  let wasBusy = false;
  while (!shuttingDown) {
    const busy = [...engines.values()].filter((e) => e.hasWork);
    if (busy.length === 0) {
      if (wasBusy) postStats();
      flush();
      wasBusy = false;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      continue;
    }
    wasBusy = true;
    for (const engine of busy) await engine.step();
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
await Promise.allSettled(sessions.map((s) => s.release()));
port.close();
