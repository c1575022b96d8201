// The message protocol between the worker's main thread (BullMQ, SQLite) and the inference
// thread (onnxruntime sessions, scheduler). Plain structured-clone data only.
import type { SamplingParams } from "../sampling/sampling-params.ts";

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
  /** Waiting this long raises a sequence one priority level (GENQ_PRIORITY_AGING_SECONDS); 0 = off. */
  priorityAgingMs?: number;
}

export interface GenerationRequest {
  id: string;
  model: string;
  /** Prompt token ids (already rendered with the chat template and tokenized). */
  promptIds: number[];
  maxTokens: number;
  sampling: SamplingParams;
  stop: string[];
  ignoreEos: boolean;
  /** 0 (most urgent) .. 9; admission is by effective priority (aged), earliest queue deadline, arrival. */
  priority: number;
  /** Epoch ms the job was queued; time waited before reaching the engine counts toward aging. */
  queuedAtMs?: number;
  /** Epoch ms by which the job must start (max_queue_seconds); earlier deadlines go first within a level. */
  queueDeadlineMs?: number;
}

export type ToThreadMessage =
  | { type: "submit"; request: GenerationRequest }
  | { type: "cancel"; id: string }
  /** Give back a job that has not started (answered by `withdrawn`; ignored once it started). */
  | { type: "withdraw"; id: string }
  | { type: "shutdown" };

export type FinishReason = "stop" | "length" | "canceled";

export type FromThreadMessage =
  /** Everything one engine step (or one handled message) produced, in order: one postMessage per step. */
  | { type: "batch"; messages: FromThreadMessage[] }
  | { type: "ready"; models: Array<{ name: string; vocabSize: number; contextLength: number }> }
  | { type: "init-failed"; message: string }
  | { type: "started"; id: string }
  /** New text for a running job (stop strings already held back). `tokens` = completion tokens so far. */
  | { type: "delta"; id: string; text: string; tokens: number }
  | {
      type: "finished";
      id: string;
      text: string;
      finishReason: FinishReason;
      promptTokens: number;
      completionTokens: number;
    }
  /** The job never started and left the engine on request; the worker returns it to the queue. */
  | { type: "withdrawn"; id: string }
  | { type: "failed"; id: string; code: "INVALID_TOKEN" | "CONTEXT_LENGTH_EXCEEDED" | "ENGINE_ERROR"; message: string }
  /**
   * Engine load, at most every 500 ms while busy. `running` = admitted (decoding or prefilling);
   * `kvTokens` = KV slots allocated, padding included; `kvBytes` = their key+value bytes;
   * `preemptions` = running sequences preempted since the thread started (all models).
   */
  | { type: "stats"; running: number; waiting: number; kvTokens: number; kvBytes: number; stepMs: number; preemptions: number };
