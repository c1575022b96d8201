// Worker-thread entry of system (c): a bare ORT session in an isolate holding nothing else (no
// tokenizer, no other model), so its GC work is the least any JS caller can have. Protocol: receives
// { promptIds[][], tokens }, answers { runMs, ttftMs } (summed session.run time, prefill time).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { createInferenceSession } from "../../worker/model/create-inference-session.ts";
import { modelFilePath, type ModelDtype } from "../../worker/model/model-file-path.ts";
import { readModelSignature } from "../../worker/model/model-signature.ts";

export interface RawWaveMessage {
  promptIds: number[][];
  tokens: number;
}
export type RawReply = { type: "ready" } | { type: "done"; runMs: number; ttftMs: number } | { type: "error"; message: string };

const port = parentPort!;
const { folder, dtype, intraOpThreads } = workerData as { folder: string; dtype: ModelDtype; intraOpThreads?: number };
const config = JSON.parse(readFileSync(join(folder, "config.json"), "utf8")) as Record<string, unknown>;
const session = await createInferenceSession(modelFilePath(folder, dtype), { device: "cpu", intraOpThreads });
const signature = readModelSignature(session, config);
const { kv } = signature;
const logitsToKeep = new ort.Tensor("int64", BigInt64Array.from([1n]), []);

/** int64 tensor [rows, columns] from a per-element function (values are small non-negative ints). */
function int64Tensor(rows: number, columns: number, value: (r: number, c: number) => number): ort.Tensor {
  const data = new BigInt64Array(rows * columns);
  const low = new Int32Array(data.buffer);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) low[2 * (r * columns + c)] = value(r, c);
  return new ort.Tensor("int64", data, [rows, columns]);
}

/** One left-padded prefill pass, then `tokens - 1` decode passes feeding present → past; argmax-free. */
async function wave({ promptIds, tokens }: RawWaveMessage): Promise<{ runMs: number; ttftMs: number }> {
  const rows = promptIds.length;
  const width = Math.max(...promptIds.map((p) => p.length));
  const pad = promptIds.map((p) => width - p.length);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64Tensor(rows, width, (r, c) => (c < pad[r] ? 0 : promptIds[r][c - pad[r]])),
    attention_mask: int64Tensor(rows, width, (r, c) => (c < pad[r] ? 0 : 1)),
  };
  if (signature.hasPositionIds) feeds.position_ids = int64Tensor(rows, width, (r, c) => Math.max(0, c - pad[r]));
  if (signature.hasLogitsToKeep) feeds.num_logits_to_keep = logitsToKeep;
  for (const name of signature.pastNames) feeds[name] = new ort.Tensor(kv.dtype, new Float32Array(0), [rows, kv.kvHeads, 0, kv.headDim]);

  let started = performance.now();
  let outputs = await session.run(feeds);
  let runMs = performance.now() - started;
  const ttftMs = runMs;
  // Every row feeds its last prompt id again: the cost of a pass does not depend on the ids.
  const lastIds = int64Tensor(rows, 1, (r) => promptIds[r].at(-1)!);
  for (let step = 1; step < tokens; step++) {
    const total = width + step;
    const next: Record<string, ort.Tensor> = { input_ids: lastIds, attention_mask: int64Tensor(rows, total, (r, c) => (c < pad[r] ? 0 : 1)) };
    if (signature.hasPositionIds) next.position_ids = int64Tensor(rows, 1, (r) => total - 1 - pad[r]);
    if (signature.hasLogitsToKeep) next.num_logits_to_keep = logitsToKeep;
    signature.pastNames.forEach((name, i) => (next[name] = outputs[signature.presentNames[i]] as ort.Tensor));
    started = performance.now();
    outputs = await session.run(next);
    runMs += performance.now() - started;
  }
  return { runMs, ttftMs };
}

port.on("message", (message: RawWaveMessage | "close") => {
  if (message === "close") {
    void session.release().then(() => port.close());
    return;
  }
  wave(message).then(
    (result) => port.postMessage({ type: "done", ...result } satisfies RawReply),
    (error: unknown) => port.postMessage({ type: "error", message: String(error) } satisfies RawReply),
  );
});
port.postMessage({ type: "ready" } satisfies RawReply);
