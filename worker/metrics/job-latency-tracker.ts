// Per-job latencies for the worker's histograms, read off the inference thread's own events:
// queue wait (submit → engine start), time to first token, time per output token and end-to-end,
// plus generated tokens. It wraps the thread client's submit to learn each request's model,
// priority and submit time; the processor and the engine stay unaware of it.
import type { GenerationRequest } from "../engine/generation.ts";
import type { InferenceClient } from "../thread/inference-client.ts";
import type { FromThreadMessage } from "../thread/thread-messages.ts";
import type { WorkerMetrics } from "./worker-metrics.ts";

type InferenceThread = Pick<InferenceClient, "submit" | "cancel" | "withdraw" | "subscribe">;

interface Timing {
  model: string;
  priority: number;
  /** Epoch ms the job was submitted (its row's created_at). */
  queuedAtMs: number;
  firstTextAtMs?: number;
}

export class JobLatencyTracker {
  private readonly timings = new Map<string, Timing>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly thread: InferenceThread,
    private readonly metrics: WorkerMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = thread.subscribe((message) => this.onMessage(message));
  }

  /** The thread client, with submits recorded: hand this to InferenceJobs. */
  get instrumented(): InferenceThread {
    return {
      submit: (request: GenerationRequest) => {
        this.timings.set(request.id, { model: request.model, priority: request.priority, queuedAtMs: request.queuedAtMs ?? this.now() });
        this.thread.submit(request);
      },
      cancel: (id) => this.thread.cancel(id),
      withdraw: (id) => this.thread.withdraw(id),
      subscribe: (listener) => this.thread.subscribe(listener),
    };
  }

  close(): void {
    this.unsubscribe();
  }

  private onMessage(message: FromThreadMessage): void {
    if (!("id" in message)) return;
    const timing = this.timings.get(message.id);
    if (!timing) return;
    const nowMs = this.now();
    const model = timing.model;
    switch (message.type) {
      case "started":
        this.metrics.queueWait.observe({ model, priority: String(timing.priority) }, seconds(nowMs - timing.queuedAtMs));
        return;
      case "delta":
        if (timing.firstTextAtMs === undefined && message.tokens > 0) {
          timing.firstTextAtMs = nowMs;
          this.metrics.timeToFirstToken.observe({ model }, seconds(nowMs - timing.queuedAtMs));
        }
        return;
      case "finished": {
        this.timings.delete(message.id);
        this.metrics.generationTokens.inc({ model }, message.completionTokens);
        if (message.finishReason === "canceled") return;
        if (timing.firstTextAtMs === undefined && message.completionTokens > 0) {
          timing.firstTextAtMs = nowMs;
          this.metrics.timeToFirstToken.observe({ model }, seconds(nowMs - timing.queuedAtMs));
        }
        if (timing.firstTextAtMs !== undefined && message.completionTokens > 1) {
          this.metrics.timePerOutputToken.observe({ model }, seconds(nowMs - timing.firstTextAtMs) / (message.completionTokens - 1));
        }
        this.metrics.e2eLatency.observe({ model }, seconds(nowMs - timing.queuedAtMs));
        return;
      }
      case "failed":
      case "withdrawn":
        this.timings.delete(message.id);
        return;
    }
  }
}

function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}
