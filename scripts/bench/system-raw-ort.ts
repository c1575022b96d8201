// (c) The ceiling: the bare onnxruntime forward pass at the wave's batch size with genq's session
// options, no scheduling, sampling or detokenization, run in its own lean worker thread
// (raw-forward-thread.ts). Only session.run is timed.
import { Worker } from "node:worker_threads";
import type { ModelDtype } from "../../worker/model/model-file-path.ts";
import type { BenchRequest, BenchSystem, WaveResult } from "./bench-types.ts";
import type { RawReply, RawWaveMessage } from "./raw-forward-thread.ts";
import { tsWorkerUrl } from "./ts-worker-url.ts";

export async function startRawOrtSystem(folder: string, dtype: ModelDtype = "fp32", intraOpThreads?: number): Promise<BenchSystem> {
  const worker = new Worker(tsWorkerUrl(new URL("./raw-forward-thread.ts", import.meta.url)), {
    workerData: { folder, dtype, intraOpThreads },
    execArgv: [],
  });
  const next = () =>
    new Promise<RawReply>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      worker.once("error", onError);
      worker.once("message", (reply: RawReply) => {
        worker.off("error", onError);
        resolve(reply);
      });
    });
  const ready = await next();
  if (ready.type !== "ready") throw new Error(`raw forward thread failed to start: ${JSON.stringify(ready)}`);

  return {
    id: "ort-raw",
    label: "(c) raw onnxruntime forward, own thread (same session options)",
    async runWave(requests: BenchRequest[], tokens: number): Promise<WaveResult> {
      const reply = next();
      worker.postMessage({ promptIds: requests.map((r) => r.promptIds), tokens } satisfies RawWaveMessage);
      const result = await reply;
      if (result.type !== "done") throw new Error(`raw forward pass failed: ${result.type === "error" ? result.message : result.type}`);
      return { wallMs: result.runMs, requests: requests.map(() => ({ ttftMs: result.ttftMs, latencyMs: result.runMs, tokens })) };
    },
    async close() {
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage("close");
      await exited;
    },
  };
}
