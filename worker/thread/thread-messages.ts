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
  /** 0 (most urgent) .. 9; admission is by priority, then arrival order. */
  priority: number;
  /**
   * Run alone (no batch mates): set for a job that was in flight during earlier engine crashes, so
   * that its next crash is attributable to it and innocent batch mates are not dragged along.
   */
  exclusive?: boolean;
}

export type ToThreadMessage =
  | { type: "submit"; request: GenerationRequest }
  | { type: "cancel"; id: string }
  | { type: "shutdown" };

export type FinishReason = "stop" | "length" | "canceled";

export type FromThreadMessage =
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
  /**
   * ENGINE_CRASHED: a forward pass or the thread itself broke while the job was in flight; the job is
   * not at fault by itself (it is handed back and retried until it proves to be a poison job).
   * The other codes are the request's own, final failures.
   */
  | { type: "failed"; id: string; code: "INVALID_TOKEN" | "CONTEXT_LENGTH_EXCEEDED" | "ENGINE_ERROR" | "ENGINE_CRASHED"; message: string }
  /**
   * Engine load, at most every 500 ms while busy. `running` = admitted (decoding or prefilling);
   * `kvTokens` = KV slots allocated, padding included; `kvBytes` = their key+value bytes.
   */
  | { type: "stats"; running: number; waiting: number; kvTokens: number; kvBytes: number; stepMs: number };
