// What the engine takes and tells: one generation request, and the events it emits about it.
// The thread protocol (worker/thread/) carries these; the engine never imports the thread.
import type { GenerationErrorCode } from "../../shared/errors.ts";
import type { SamplingParams } from "../sampling/sampling-params.ts";
import type { ResponseFormat } from "../../shared/structured-output/response-format-grammar.ts";

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
  /**
   * Run alone (no batch mates): set on a job's last allowed engine run (its earlier runs crashed),
   * so that its crash is attributable to it and innocent batch mates are not dragged along.
   */
  exclusive?: boolean;
  /** JSON output constrained token by token (json_object / json_schema); absent = free text. */
  responseFormat?: ResponseFormat;
  /**
   * Stream token ids (`tokens` events) instead of text, and finish with empty text: the caller decodes
   * (the inference client does, on the worker's main thread, keeping the tokenizer off the inference
   * thread). Honoured only when the engine needs no text itself: see engineDecodes().
   */
  streamIds?: boolean;
}

/** Whether the engine turns this request's ids into text itself: stop strings and response formats need it there. */
export function engineDecodes(request: GenerationRequest): boolean {
  return !request.streamIds || request.stop.length > 0 || request.responseFormat !== undefined;
}

export type FinishReason = "stop" | "length" | "canceled";

export type GenerationEvent =
  | { type: "started"; id: string }
  /** New text for a running job (stop strings already held back). `tokens` = completion tokens so far. */
  | { type: "delta"; id: string; text: string; tokens: number }
  /** New ids of a request the engine does not decode (see engineDecodes; EOS never included): the caller's delta. */
  | { type: "tokens"; id: string; tokenIds: number[]; tokens: number }
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
  /**
   * ENGINE_CRASHED: a forward pass or the thread itself broke while the job was in flight; the job is
   * not at fault by itself (it is handed back and retried until it proves to be a poison job).
   * The other codes are the request's own, final failures.
   */
  | { type: "failed"; id: string; code: GenerationErrorCode | "ENGINE_CRASHED"; message: string };
