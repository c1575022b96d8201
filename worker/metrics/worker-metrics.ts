// A worker's Prometheus registry (every series labelled `worker`): engine load from the inference
// thread's `stats` messages, per-job latencies (job-latency-tracker.ts), model residency, webhook
// attempts and, on NVIDIA hosts, GPUs. The one home of these metric names and their help text.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FromThreadMessage } from "../thread/thread-messages.ts";

type StatsMessage = Extract<FromThreadMessage, { type: "stats" }>;

export interface WorkerMetricsOptions {
  workerId: string;
  /** Models this worker serves (their genq_model_loaded series read 0 until loaded). */
  models: readonly string[];
  /** KV budget per loaded model (GENQ_MAX_KV_TOKENS): the denominator of genq_kv_cache_usage_ratio. */
  maxKvTokens: number;
}

const LATENCY_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const TOKEN_GAP_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly queueWait: Histogram<"model" | "priority">;
  readonly timeToFirstToken: Histogram<"model">;
  readonly timePerOutputToken: Histogram<"model">;
  readonly e2eLatency: Histogram<"model">;
  readonly generationTokens: Counter<"model">;
  readonly webhookDeliveries: Counter<"outcome">;
  readonly webhookDeliverySeconds: Histogram;
  private readonly running: Gauge;
  private readonly waiting: Gauge;
  private readonly kvUsage: Gauge;
  private readonly batchSize: Histogram;
  private readonly preemptions: Counter;
  private readonly promptTokens: Counter;
  private readonly prefixCacheHitTokens: Counter;
  private readonly modelLoadedGauge: Gauge<"model">;
  private readonly modelLoadSeconds: Gauge<"model">;
  private readonly states = new Map<string, "loaded" | "loading" | "unloaded">();
  /** The thread's running totals at its last report (its counters only grow). */
  private last = { preemptions: 0, promptTokensTotal: 0, prefixCacheHitTokensTotal: 0 };
  private lastStats: StatsMessage | undefined;

  constructor(private readonly options: WorkerMetricsOptions) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ worker: options.workerId });
    this.queueWait = new Histogram({
      name: "genq_queue_wait_seconds",
      help: "Time from submit until the engine started the job.",
      labelNames: ["model", "priority"],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: "genq_time_to_first_token_seconds",
      help: "Time from submit until the job's first output text (queue wait included).",
      labelNames: ["model"],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.timePerOutputToken = new Histogram({
      name: "genq_time_per_output_token_seconds",
      help: "Mean time between a finished job's output tokens after the first.",
      labelNames: ["model"],
      buckets: TOKEN_GAP_BUCKETS_S,
      registers,
    });
    this.e2eLatency = new Histogram({
      name: "genq_e2e_latency_seconds",
      help: "Time from submit until the engine finished the job.",
      labelNames: ["model"],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.generationTokens = new Counter({ name: "genq_generation_tokens_total", help: "Output tokens generated.", labelNames: ["model"], registers });
    this.promptTokens = new Counter({ name: "genq_prompt_tokens_total", help: "Prompt tokens admitted by the engine.", registers });
    this.prefixCacheHitTokens = new Counter({ name: "genq_prefix_cache_hit_tokens_total", help: "Prompt tokens whose KV came from the prefix cache.", registers });
    this.preemptions = new Counter({ name: "genq_preemptions_total", help: "Running sequences preempted for more urgent work.", registers });
    this.running = new Gauge({ name: "genq_running_sequences", help: "Sequences in the engine's batch (decoding or prefilling).", registers });
    this.waiting = new Gauge({ name: "genq_waiting_sequences", help: "Sequences the engine holds but has not admitted.", registers });
    this.kvUsage = new Gauge({ name: "genq_kv_cache_usage_ratio", help: "KV cache slots allocated / the KV budget of the loaded models (0..1).", registers });
    this.batchSize = new Histogram({ name: "genq_batch_size", help: "Sequences per engine step.", buckets: BATCH_BUCKETS, registers });
    this.modelLoadedGauge = new Gauge({ name: "genq_model_loaded", help: "1 while the model is loaded in this worker.", labelNames: ["model"], registers });
    this.modelLoadSeconds = new Gauge({ name: "genq_model_load_seconds", help: "How long the model's last load took.", labelNames: ["model"], registers });
    this.webhookDeliveries = new Counter({
      name: "genq_webhook_deliveries_total",
      help: "Webhook delivery attempts by outcome (delivered, retrying, failed, rejected, disabled, superseded, error).",
      labelNames: ["outcome"],
      registers,
    });
    this.webhookDeliverySeconds = new Histogram({ name: "genq_webhook_delivery_seconds", help: "Duration of one webhook delivery attempt.", buckets: LATENCY_BUCKETS_S, registers });
    for (const model of options.models) this.modelLoadedGauge.set({ model }, 0);
    for (const outcome of ["delivered", "retrying", "failed"]) this.webhookDeliveries.inc({ outcome }, 0);
  }

  /** A model started loading (the residency hook; the dashboard shows it `loading`). */
  modelLoading(model: string): void {
    this.states.set(model, "loading");
  }

  /** A model finished loading (the residency hook: call on every load). */
  modelLoaded(model: string, loadSeconds: number): void {
    this.states.set(model, "loaded");
    this.modelLoadedGauge.set({ model }, 1);
    this.modelLoadSeconds.set({ model }, loadSeconds);
  }

  /** A model was unloaded (the residency hook). */
  modelUnloaded(model: string): void {
    this.states.set(model, "unloaded");
    this.modelLoadedGauge.set({ model }, 0);
  }

  modelState(model: string): "loaded" | "loading" | "unloaded" {
    return this.states.get(model) ?? "unloaded";
  }

  /** The inference thread's load report (about every 500 ms while busy, once more when idle). */
  engineStats(stats: StatsMessage): void {
    this.lastStats = stats;
    this.running.set(stats.running);
    this.waiting.set(stats.waiting);
    this.kvUsage.set(this.kvUsageRatio);
    this.preemptions.inc(Math.max(0, stats.preemptions - this.last.preemptions));
    this.promptTokens.inc(Math.max(0, stats.promptTokensTotal - this.last.promptTokensTotal));
    this.prefixCacheHitTokens.inc(Math.max(0, stats.prefixCacheHitTokensTotal - this.last.prefixCacheHitTokensTotal));
    this.last = { preemptions: stats.preemptions, promptTokensTotal: stats.promptTokensTotal, prefixCacheHitTokensTotal: stats.prefixCacheHitTokensTotal };
    for (const [size, steps] of Object.entries(stats.stepBatchSizes)) {
      for (let i = 0; i < steps; i++) this.batchSize.observe(Number(size));
    }
  }

  get kvUsageRatio(): number {
    const loaded = [...this.states.values()].filter((state) => state === "loaded").length;
    const budget = this.options.maxKvTokens * Math.max(1, loaded);
    return Math.min(1, (this.lastStats?.kvTokens ?? 0) / budget);
  }

  /** Engine load as last reported, for the worker's dashboard report. */
  get engineLoad(): { running: number; waiting: number } {
    return { running: this.lastStats?.running ?? 0, waiting: this.lastStats?.waiting ?? 0 };
  }
}
