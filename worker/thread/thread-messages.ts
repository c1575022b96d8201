// The message protocol between the worker's main thread (BullMQ, SQLite) and the inference
// thread (onnxruntime sessions, scheduler): a transport for the engine's requests and events
// (worker/engine/generation.ts). Plain structured-clone data only.
import type { GenerationEvent, GenerationRequest } from "../engine/generation.ts";
import type { ModelDtype } from "../model/model-file-path.ts";

export interface InferenceThreadOptions {
  /** Model name -> folder, in registration order (the first is the default). */
  models: Array<{ name: string; path: string }>;
  /** "cpu" or "cuda". */
  device: "cpu" | "cuda";
  /** ONNX file variant to load (transformers.js names: fp32 = onnx/model.onnx, q8 = model_quantized.onnx, ...). */
  dtype: ModelDtype;
  /** Most sequences decoded together in one forward pass (GENQ_MAX_BATCH). */
  maxBatch: number;
  /** Most tokens held in the KV cache across all running sequences. */
  maxKvTokens: number;
  /** Prompt tokens prefilled per engine step, so a long prompt never freezes running sequences. */
  prefillChunkTokens: number;
  /** Waiting this long raises a sequence one priority level (GENQ_PRIORITY_AGING_SECONDS); 0 = off. */
  priorityAgingMs?: number;
  /** Prompt-prefix KV cache per model, in tokens (GENQ_PREFIX_CACHE_TOKENS); 0 or absent = off. */
  prefixCacheTokens?: number;
  /** Models loaded before `ready` (absent = all); the others load on a `load` message. */
  preload?: string[];
  /**
   * The client decodes `streamIds` requests on its own thread: the tokenizer is then built here only
   * when a request needs text in the engine (stop strings, response formats). Set by InferenceClient.
   */
  callerDecodes?: boolean;
  /** Start-claim slots shared with the client (start-claims.ts); set by InferenceClient. */
  startClaims?: SharedArrayBuffer;
}

/** A model the thread loaded: its card facts, the self-check's line, how long loading took and what it holds. */
export interface LoadedModelInfo {
  name: string;
  vocabSize: number;
  contextLength: number;
  selfCheck: string;
  /** Session creation + batch self-check, wall-clock ms. */
  loadMs: number;
  /** Weight files + KV cache budget (model-footprint.ts). */
  residentBytes: number;
}

export type ToThreadMessage =
  /** claimSlot: the request's start-claim slot, when the client had one free. */
  | { type: "submit"; request: GenerationRequest; claimSlot?: number }
  | { type: "cancel"; id: string }
  /** Give back a job that has not started (answered by `withdrawn`; ignored once it started). */
  | { type: "withdraw"; id: string }
  | { type: "shutdown" }
  /** Load a model of `models` (answered by model-loaded or model-load-failed; loaded already: model-loaded again). */
  | { type: "load"; model: string }
  /** Release a model's session once its engine has no work (answered by model-unloaded). */
  | { type: "unload"; model: string };

export type FromThreadMessage =
  /** Everything one engine step (or one handled message) produced, in order: one postMessage per step. */
  | { type: "batch"; messages: FromThreadMessage[] }
  | {
      type: "ready";
      /** selfCheck: the load-time batch self-check's one line (the feeding mode it settled on, its cost). */
      models: LoadedModelInfo[];
    }
  | { type: "init-failed"; message: string }
  | { type: "model-loaded"; model: LoadedModelInfo }
  | { type: "model-load-failed"; model: string; message: string }
  | { type: "model-unloaded"; model: string }
  | GenerationEvent
  /**
   * Engine load, at most every 500 ms while busy. `running` = admitted (decoding or prefilling);
   * `kvTokens` = KV slots allocated, padding included; `kvBytes` = their key+value bytes;
   * `preemptions` = running sequences preempted since the thread started (all models).
   */
  | {
      type: "stats";
      running: number;
      waiting: number;
      kvTokens: number;
      kvBytes: number;
      stepMs: number;
      preemptions: number;
      /** Totals since the thread started, all models: prompt tokens admitted, and those served from the prefix cache. */
      promptTokensTotal: number;
      prefixCacheHitTokensTotal: number;
      /** Engine steps since the previous stats message, by batch size (sequences in the step). */
      stepBatchSizes: Record<number, number>;
    };
