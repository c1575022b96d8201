// genq's engine through the real inference thread (InferenceClient start / submit / subscribe):
// (b) continuous batching with maxBatch 64, and (a) the same thread and code with maxBatch 1, which
// serves requests strictly one after another. TTFT = first `delta` message seen on the main thread.
import type { ModelDtype } from "../../worker/model/model-file-path.ts";
import { InferenceClient } from "../../worker/thread/inference-client.ts";
import type { FromThreadMessage } from "../../worker/thread/thread-messages.ts";
import { BENCH_MODEL_NAME, benchModelCard } from "./bench-model.ts";
import type { BenchRequest, BenchSystem, RequestTiming, WaveResult } from "./bench-types.ts";
import { generationRequest } from "./generation-request.ts";

export interface EngineSystemOptions {
  dtype: ModelDtype;
  maxBatch: number;
  prefillChunkTokens: number;
}

/** The inference thread on the bench model (cpu, fp32), as every engine-based bench system starts it. */
export function startBenchClient(folder: string, options: EngineSystemOptions): Promise<InferenceClient> {
  // Decoded on this (the main) thread, as the worker does.
  const card = benchModelCard(folder);
  return InferenceClient.start({
    models: [{ name: BENCH_MODEL_NAME, path: folder }],
    device: "cpu",
    dtype: options.dtype,
    maxBatch: options.maxBatch,
    maxKvTokens: 1 << 20,
    prefillChunkTokens: options.prefillChunkTokens,
  }, new Map([[BENCH_MODEL_NAME, (ids: number[]) => card.decode(ids)]]));
}

export async function startGenqSystem(folder: string, options: EngineSystemOptions): Promise<BenchSystem> {
  const client = await startBenchClient(folder, options);
  let wave = 0;

  const naive = options.maxBatch === 1;
  return {
    id: naive ? "naive" : "genq",
    label: naive ? "(a) one at a time: genq's engine with maxBatch 1, same thread" : `(b) genq engine via InferenceClient (maxBatch ${options.maxBatch})`,
    runWave(requests: BenchRequest[], tokens: number): Promise<WaveResult> {
      wave++;
      const timings = new Map<string, RequestTiming>();
      const ids = requests.map((r) => `w${wave}-${r.index}`);
      for (const id of ids) timings.set(id, { ttftMs: NaN, latencyMs: NaN, tokens: 0 });
      let pending = ids.length;
      return new Promise((resolve, reject) => {
        const startMs = performance.now();
        const stop = client.subscribe((message: FromThreadMessage) => {
          if (!("id" in message)) return;
          const timing = timings.get(message.id);
          if (!timing) return;
          if (message.type === "failed") {
            stop();
            reject(new Error(`request ${message.id} failed: ${message.message}`));
          } else if (message.type === "delta" && Number.isNaN(timing.ttftMs)) {
            timing.ttftMs = performance.now() - startMs;
          } else if (message.type === "finished") {
            timing.latencyMs = performance.now() - startMs;
            timing.tokens = message.completionTokens;
            timing.text = message.text;
            if (Number.isNaN(timing.ttftMs)) timing.ttftMs = timing.latencyMs;
            if (--pending === 0) {
              stop();
              resolve({ wallMs: performance.now() - startMs, requests: ids.map((id) => timings.get(id)!) });
            }
          }
        });
        requests.forEach((request, i) => client.submit(generationRequest(ids[i], request, tokens)));
      });
    },
    close: () => client.close(),
  };
}
