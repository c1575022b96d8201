// The message protocol between the worker's main thread (BullMQ, SQLite) and the inference
// thread (onnxruntime sessions, scheduler): a transport for the engine's requests and events
// (worker/engine/generation.ts). Plain structured-clone data only.
import type { GenerationEvent, GenerationRequest } from "../engine/generation.ts";

export interface InferenceThreadOptions {
  /** Model name -> folder, in registration order (the first is the default). */
  models: Array<{ name: string; path: string }>;
  /** "cpu" or "cuda". */
  device: "cpu" | "cuda";
  /** ONNX file variant to load: fp32 = onnx/model.onnx, fp16 = model_fp16.onnx, q8 = model_quantized.onnx, q4 = model_q4.onnx. */
  dtype: "fp32" | "fp16" | "q8" | "q4";
  /** Most sequences decoded together in one forward pass (GENQ_MAX_BATCH). */
  maxBatch: number;
  /** Most tokens held in the KV cache across all running sequences. */
  maxKvTokens: number;
  /** Prompt tokens prefilled per engine step, so a long prompt never freezes running sequences. */
  prefillChunkTokens: number;
  /** Prompt-prefix KV cache per model, in tokens (GENQ_PREFIX_CACHE_TOKENS); 0 or absent = off. */
  prefixCacheTokens?: number;
}

export type ToThreadMessage =
  | { type: "submit"; request: GenerationRequest }
  | { type: "cancel"; id: string }
  | { type: "shutdown" };

export type FromThreadMessage =
  | { type: "ready"; models: Array<{ name: string; vocabSize: number; contextLength: number }> }
  | { type: "init-failed"; message: string }
  | GenerationEvent
  /**
   * Engine load, at most every 500 ms while busy. `running` = admitted (decoding or prefilling);
   * `kvTokens` = KV slots allocated, padding included; `kvBytes` = their key+value bytes.
   */
  | {
      type: "stats";
      running: number;
      waiting: number;
      kvTokens: number;
      kvBytes: number;
      stepMs: number;
      /** Totals since the thread started, all models: prompt tokens admitted, and those served from the prefix cache. */
      promptTokensTotal: number;
      prefixCacheHitTokensTotal: number;
    };
