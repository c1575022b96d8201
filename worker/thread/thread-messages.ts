// The message protocol between the worker's main thread (BullMQ, SQLite) and the inference
// thread (onnxruntime sessions, scheduler). Plain structured-clone data only.
import type { ModelDtype } from "../model/model-file-path.ts";
import type { SamplingParams } from "../sampling/sampling-params.ts";

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
}

export type ToThreadMessage =
  | { type: "submit"; request: GenerationRequest }
  | { type: "cancel"; id: string }
  | { type: "shutdown" };

export type FinishReason = "stop" | "length" | "canceled";

export type FromThreadMessage =
  | {
      type: "ready";
      /** selfCheck: the load-time batch self-check's one line (the feeding mode it settled on, its cost). */
      models: Array<{ name: string; vocabSize: number; contextLength: number; selfCheck: string }>;
    }
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
  | { type: "failed"; id: string; code: "INVALID_TOKEN" | "CONTEXT_LENGTH_EXCEEDED" | "ENGINE_ERROR"; message: string }
  /**
   * Engine load, at most every 500 ms while busy. `running` = admitted (decoding or prefilling);
   * `kvTokens` = KV slots allocated, padding included; `kvBytes` = their key+value bytes.
   */
  | { type: "stats"; running: number; waiting: number; kvTokens: number; kvBytes: number; stepMs: number };
