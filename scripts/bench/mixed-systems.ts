// Open-loop servers for the mixed workload: requests arrive over time and each reports when its first
// token and its end were observable. (a) naive: genq's engine with max batch 1, arrival order;
// (b) transformers.js with static batches formed by a time window (Triton-style dynamic batcher);
// (c) genq: the engine through the inference thread, with priorities.
import type { TextStreamer } from "@huggingface/transformers";
import type { FromThreadMessage } from "../../worker/thread/thread-messages.ts";
import { BENCH_MODEL_NAME } from "./bench-model.ts";
import type { TraceRequest } from "./mixed-trace.ts";
import { startBenchClient } from "./system-genq.ts";
import { FirstTokenStreamer, loadTransformersJs } from "./system-transformers-js.ts";

export interface Completion {
  firstTokenAtMs: number;
  doneAtMs: number;
  tokens: number;
}

export interface OpenLoopSystem {
  readonly id: string;
  readonly label: string;
  submit(request: TraceRequest, done: (completion: Completion) => void): void;
  close(): Promise<void>;
}

export async function startEngineOpenLoop(folder: string, options: { maxBatch: number; prefillChunkTokens: number }): Promise<OpenLoopSystem> {
  const naive = options.maxBatch === 1;
  const client = await startBenchClient(folder, { dtype: "fp32", ...options });
  const pending = new Map<string, { firstTokenAtMs: number; done: (c: Completion) => void }>();
  let seq = 0;
  client.subscribe((message: FromThreadMessage) => {
    if (!("id" in message)) return;
    const entry = pending.get(message.id);
    if (!entry) return;
    const nowMs = performance.now();
    if (message.type === "delta" && Number.isNaN(entry.firstTokenAtMs)) entry.firstTokenAtMs = nowMs;
    else if (message.type === "finished") {
      pending.delete(message.id);
      entry.done({ firstTokenAtMs: Number.isNaN(entry.firstTokenAtMs) ? nowMs : entry.firstTokenAtMs, doneAtMs: nowMs, tokens: message.completionTokens });
    } else if (message.type === "failed") throw new Error(`request ${message.id} failed: ${message.message}`);
  });
  return {
    id: naive ? "naive" : "genq",
    label: naive ? "naive: one at a time, arrival order (genq's engine, max batch 1)" : `genq: continuous batching, priorities, preemption (max batch ${options.maxBatch})`,
    submit(request, done) {
      const id = `m${seq++}`;
      pending.set(id, { firstTokenAtMs: NaN, done });
      client.submit({
        id,
        model: BENCH_MODEL_NAME,
        promptIds: request.promptIds,
        maxTokens: request.outputTokens,
        sampling: { temperature: 0 },
        stop: [],
        ignoreEos: true,
        // The naive server knows nothing of priorities: strictly first come, first served.
        priority: naive ? 5 : request.priority,
      });
    },
    close: () => client.close(),
  };
}

/**
 * transformers.js behind a dynamic batcher: when the model is free, the oldest waiting request
 * waits up to maxQueueDelayMs for company, then up to maxBatch requests run as one left-padded
 * generate() for the longest output among them; every request of the batch completes at its end.
 */
export async function startTransformersJsBatcher(folder: string, options: { maxBatch: number; maxQueueDelayMs: number }): Promise<OpenLoopSystem> {
  const { tokenizer, model } = await loadTransformersJs(folder);
  const queue: Array<{ request: TraceRequest; arrivedAtMs: number; done: (c: Completion) => void }> = [];
  let busy = false;
  let timer: NodeJS.Timeout | null = null;

  const runBatch = async () => {
    timer = null;
    if (busy || queue.length === 0) return;
    busy = true;
    const batch = queue.splice(0, options.maxBatch);
    const inputs = tokenizer(batch.map((b) => b.request.text), { padding: true });
    const tokens = Math.max(...batch.map((b) => b.request.outputTokens));
    const streamer = new FirstTokenStreamer();
    await model.generate({
      ...inputs,
      max_new_tokens: tokens,
      min_new_tokens: tokens,
      do_sample: false,
      streamer: streamer as unknown as TextStreamer,
    });
    const doneAtMs = performance.now();
    for (const b of batch) b.done({ firstTokenAtMs: streamer.firstTokenAtMs, doneAtMs, tokens: b.request.outputTokens });
    busy = false;
    schedule();
  };
  const schedule = () => {
    if (busy || timer || queue.length === 0) return;
    const waitMs = queue.length >= options.maxBatch ? 0 : Math.max(0, queue[0].arrivedAtMs + options.maxQueueDelayMs - performance.now());
    timer = setTimeout(() => void runBatch(), waitMs);
  };
  return {
    id: "tjs-dyn",
    label: `transformers.js generate, dynamic batcher (max_queue_delay ${options.maxQueueDelayMs} ms, max batch ${options.maxBatch})`,
    submit(request, done) {
      queue.push({ request, arrivedAtMs: performance.now(), done });
      if (queue.length >= options.maxBatch && timer) {
        clearTimeout(timer);
        timer = null;
      }
      schedule();
    },
    async close() {
      if (timer) clearTimeout(timer);
      await model.dispose();
    },
  };
}
