// Resident bytes of a loaded model, as the memory budget counts them: the ONNX weight files on disk
// (the graph and its external data, which the session holds in memory) plus the KV cache it may
// grow to (GENQ_MAX_KV_TOKENS + GENQ_PREFIX_CACHE_TOKENS slots). Before the first load the KV
// shape is read from config.json; after it, from the session (exact dtype).
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { modelFilePath, type ModelDtype } from "./model-file-path.ts";
import type { KvShape } from "./model-signature.ts";

const BYTES_PER_KV_ELEMENT: Record<KvShape["dtype"], number> = { float32: 4, float16: 2 };

/** The .onnx file plus its external data beside it (`model.onnx_data`, `model.onnx.data`, `model.onnx_data_1`, ...). */
export function weightsBytes(onnxPath: string): number {
  const dir = dirname(onnxPath);
  const name = basename(onnxPath);
  return readdirSync(dir)
    .filter((entry) => entry === name || entry.startsWith(`${name}_data`) || entry.startsWith(`${name}.data`))
    .reduce((sum, entry) => sum + statSync(join(dir, entry)).size, 0);
}

/** Key + value bytes of `tokens` KV slots across every layer. */
export function kvBytes(kv: Pick<KvShape, "layers" | "kvHeads" | "headDim" | "dtype">, tokens: number): number {
  return tokens * 2 * kv.layers * kv.kvHeads * kv.headDim * BYTES_PER_KV_ELEMENT[kv.dtype];
}

/** The footprint before loading: the KV shape from config.json, fp16 caches for fp16 exports. */
export function estimateResidentBytes(folder: string, dtype: ModelDtype, config: Record<string, unknown>, kvTokens: number): number {
  const num = (key: string) => (typeof config[key] === "number" ? (config[key] as number) : undefined);
  const heads = num("num_attention_heads") ?? 1;
  const kv = {
    layers: num("num_hidden_layers") ?? 1,
    kvHeads: num("num_key_value_heads") ?? heads,
    headDim: num("head_dim") ?? Math.ceil((num("hidden_size") ?? heads) / heads),
    dtype: dtype === "fp16" || dtype === "q4f16" ? ("float16" as const) : ("float32" as const),
  };
  return weightsBytes(modelFilePath(folder, dtype)) + kvBytes(kv, kvTokens);
}
