// Continuous-batching engine for one model. Each step: drop finished rows, admit a prefill group when
// none is in flight (preempting lower-priority rows first when a more urgent one waits and the batch
// is full: preemption.ts), one decode pass per lane of running rows, then at most one prefill-chunk
// pass; a group whose prompt is done samples its first tokens and joins the lanes (decode-lanes.ts).
import type { CausalLm } from "../model/causal-lm.ts";
import type { KvCache } from "../model/kv-cache.ts";
import type { GenerationEvent, GenerationRequest } from "./generation.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";
import { packLanes, type DecodeLane } from "./decode-lanes.ts";
import { AdmissionPolicy } from "./admission-policy.ts";
import { JsonGrammarCache } from "../sampling/json-grammar-cache.ts";
import { PrefillGroup } from "./prefill-group.ts";
import { groupYields, preemptFor } from "./preemption.ts";
import { PrefixAdmission, type PrefixCounters } from "./prefix-admission.ts";
import { PrefixCache } from "./prefix-cache.ts";
import { Scheduler } from "./scheduler.ts";
import { Sequence } from "./sequence.ts";
import { validateRequest } from "./validate-request.ts";

/** Group padding rule with the prefix cache on (see Scheduler.admit): padded slots ≤ 1.25 × real tokens. */
const CACHED_MAX_PADDED_TO_REAL = 1.25;

/**
 * Default idlePrefillChunkTokens: this many times prefillChunkTokens. The chunk budget bounds the
 * token gap of rows that are decoding; with none, every extra pass only re-reads the weights and
 * attends again over the growing cache. Still bounded, because a pass's activations (and, for graphs
 * without num_logits_to_keep, its logits) grow with its slots, and an urgent arrival waits for the
 * pass in flight.
 */
const IDLE_PREFILL_CHUNK_FACTOR = 16;

export interface EngineOptions {
  /** Most sequences decoded together (running + prefilling). */
  maxBatch: number;
  /** Most KV slots (rows × columns, padding included) the admitted sequences may grow to. */
  maxKvTokens: number;
  /** Prompt slots (rows × columns, padding included) per prefill-chunk pass; one chunk pass per step. */
  prefillChunkTokens: number;
  /** The same while no row is decoding (no token gap to protect); default 16 × prefillChunkTokens. */
  idlePrefillChunkTokens?: number;
  /** Waiting this long raises a sequence one priority level; 0 or absent = no aging. */
  priorityAgingMs?: number;
  /** Prompt-prefix KV cache budget in tokens (GENQ_PREFIX_CACHE_TOKENS); 0 or absent = off. */
  prefixCacheTokens?: number;
}

export interface EngineStats {
  running: number;
  /** Admitted, prompt not fully fed yet. */
  prefilling: number;
  waiting: number;
  /** KV slots allocated now, padding included. */
  kvTokens: number;
  kvBytes: number;
  /** Wall time of the last step. */
  stepMs: number;
  /** Longest time between two consecutive tokens of any running sequence since the last reset. */
  worstTokenGapMs: number;
  steps: number;
  /** Running sequences preempted (KV dropped, resumed later by recompute) since start. */
  preemptions: number;
  /** Since start: prompt tokens admitted and those whose KV came from the prefix cache. */
  counters: PrefixCounters;
  /** Tokens held by the prefix cache now. */
  prefixCacheTokens: number;
}

export type EngineEmit = (event: GenerationEvent) => void;

/** Observation points for tests and benchmarks (not part of the thread protocol). */
export interface EngineHooks {
  /** Every sampled token, in step order; `atMs` is performance.now() when its pass finished. */
  onToken?(sequenceId: string, tokenId: number, atMs: number): void;
  /** Wall clock (epoch ms) for aging and deadlines; default Date.now. */
  now?(): number;
  /**
   * Asked once per request, at its first admission: false means its caller withdrew it meanwhile
   * (thread/start-claims.ts), so it is dropped unstarted with a `withdrawn` event. Default: true.
   */
  claimStart?(id: string): boolean;
}

export class InferenceEngine {
  private readonly scheduler: Scheduler;
  private readonly active = new Map<string, Sequence>();
  /** The running rows, narrowest cache first; usually one lane (see decode-lanes.ts). */
  private lanes: DecodeLane[] = [];
  private group: PrefillGroup | null = null;
  private steps = 0;
  private lastStepMs = 0;
  private worstTokenGapMs = 0;
  private readonly policy: AdmissionPolicy;
  private readonly now: () => number;
  private arrivals = 0;
  private admissions = 0;
  private preemptions = 0;
  private readonly grammars: JsonGrammarCache;
  private readonly prefix: PrefixAdmission;

  constructor(
    readonly card: ModelCard,
    private readonly lm: CausalLm,
    private readonly options: EngineOptions,
    private readonly emit: EngineEmit,
    private readonly hooks: EngineHooks = {},
  ) {
    this.policy = new AdmissionPolicy({ priorityAgingMs: options.priorityAgingMs ?? 0 });
    this.scheduler = new Scheduler(options, this.policy);
    this.now = hooks.now ?? Date.now;
    this.grammars = new JsonGrammarCache(card);
    // Cached prefix KV is spliced into left-padded rows: only graphs fed that way (an external mask,
    // any batch shape) may reuse it; GroupQueryAttention and in-graph masks run without the cache.
    const prefixCacheFits = lm.signature.attention === "external-mask" && lm.feeding.maxRowsPerPass === Infinity;
    this.prefix = new PrefixAdmission(new PrefixCache(lm.signature.kv, prefixCacheFits ? (options.prefixCacheTokens ?? 0) : 0));
  }

  get hasWork(): boolean {
    return this.lanes.length > 0 || this.group !== null || this.scheduler.waitingCount > 0;
  }

  /** Queues a request, or answers `failed` at once when it can never run. Duplicate ids are ignored. */
  submit(request: GenerationRequest): void {
    if (this.active.has(request.id)) return;
    const problem = validateRequest(request, this.card, this.options.maxKvTokens);
    if (problem) return this.emit({ type: "failed", id: request.id, ...problem });
    let sequence: Sequence;
    try {
      sequence = new Sequence(request, this.card, this.grammars.masksFor(request.responseFormat), this.now());
    } catch (error) {
      return this.emit({ type: "failed", id: request.id, code: "ENGINE_ERROR", message: `invalid request: ${errorText(error)}` });
    }
    sequence.arrival = this.arrivals++;
    this.active.set(request.id, sequence);
    this.scheduler.enqueue(sequence);
  }

  /** Stops a sequence between steps; its text so far is kept. False if the id is unknown here. */
  cancel(id: string): boolean {
    const sequence = this.active.get(id);
    if (!sequence) return false;
    this.scheduler.remove(id);
    sequence.finish("canceled");
    this.finished(sequence);
    return true;
  }

  /**
   * Hands a never-started waiting sequence back (the worker returns its job to the queue so that
   * more urgent queued work can take its place): answers `withdrawn`. False if it started or is unknown.
   */
  withdraw(id: string): boolean {
    const sequence = this.active.get(id);
    if (!sequence || sequence.announcedStart || !this.scheduler.remove(id)) return false;
    this.active.delete(id);
    this.emit({ type: "withdrawn", id });
    return true;
  }

  stats(): EngineStats {
    const caches = [...this.lanes.map((l) => l.cache), this.group?.cache].filter((c): c is KvCache => c != null);
    return {
      running: this.runningSequences.filter((s) => s.state === "running").length,
      prefilling: this.group?.rows ?? 0,
      waiting: this.scheduler.waitingCount,
      kvTokens: caches.reduce((n, c) => n + c.slots, 0),
      kvBytes: caches.reduce((n, c) => n + c.bytes, 0),
      stepMs: this.lastStepMs,
      worstTokenGapMs: this.worstTokenGapMs,
      steps: this.steps,
      preemptions: this.preemptions,
      counters: { ...this.prefix.counters },
      prefixCacheTokens: this.prefix.cache.cachedTokens,
    };
  }

  resetTokenGap(): void {
    this.worstTokenGapMs = 0;
  }

  async step(): Promise<void> {
    const startMs = performance.now();
    try {
      this.dropFinishedRunning();
      if (this.group && !this.group.dropFinished()) this.group = null;
      if (this.group && groupYields(this.scheduler, this.policy, this.group.sequences, this.now())) this.requeueGroup(this.group);
      if (!this.group) {
        this.preempt();
        this.admitGroup();
      }
      for (const lane of [...this.lanes]) await this.decode(lane);
      if (this.group) await this.prefillChunk(this.group);
    } catch (error) {
      // Not a pass error (those fail their rows above) but e.g. a failed allocation while re-packing:
      // the batch state is suspect, so fail what was admitted and keep serving the queue.
      this.failAll([...this.runningSequences, ...(this.group?.sequences ?? [])], "engine step failed", error);
      this.lanes = [];
      this.group = null;
    }
    this.steps++;
    this.lastStepMs = performance.now() - startMs;
  }

  private get runningSequences(): Sequence[] {
    return this.lanes.flatMap((l) => l.sequences);
  }

  /** Makes room for a more urgent waiting sequence by preempting running ones (recompute mode). */
  private preempt(): void {
    const victims = preemptFor(this.scheduler, this.policy, this.runningSequences, this.now());
    if (victims.length === 0) return;
    this.preemptions += victims.length;
    // Their rows are no longer "running": re-packing drops them and their KV.
    this.lanes = packLanes(this.lm.signature.kv, this.lanes);
  }

  /** The prefill group in flight goes back to waiting (its partial prompt KV is dropped). */
  private requeueGroup(group: PrefillGroup): void {
    const nowMs = this.now();
    for (const sequence of group.sequences) {
      sequence.preempt(nowMs);
      this.scheduler.enqueue(sequence);
    }
    this.preemptions += group.rows;
    this.group = null;
  }

  private admitGroup(): void {
    const nowMs = this.now();
    const maxRows = this.lm.feeding.maxRowsPerPass;
    const planned = this.prefix.cache.enabled
      ? this.scheduler.admit(this.runningSequences, nowMs, (s, group) => this.prefix.pendingTokens(s, group), CACHED_MAX_PADDED_TO_REAL, maxRows)
      : this.scheduler.admit(this.runningSequences, nowMs, undefined, undefined, maxRows);
    const sequences = planned.filter((s) => s.announcedStart || this.claimStart(s));
    if (sequences.length === 0) return;
    for (const sequence of sequences) {
      sequence.admit(++this.admissions, nowMs);
      if (sequence.announcedStart) continue;
      sequence.announcedStart = true;
      this.emit({ type: "started", id: sequence.id });
    }
    const start = this.prefix.startGroup(sequences);
    this.group = new PrefillGroup(sequences, start ?? this.lm.emptyCache(sequences.length));
  }

  /** False (and the sequence is dropped, `withdrawn`) when its caller withdrew it before this first admission. */
  private claimStart(sequence: Sequence): boolean {
    if (this.hooks.claimStart?.(sequence.id) ?? true) return true;
    this.active.delete(sequence.id);
    this.emit({ type: "withdrawn", id: sequence.id });
    return false;
  }

  /** One token for every row of the lane: input_ids [B, 1], the lane's cache as past. */
  private async decode(lane: DecodeLane): Promise<void> {
    const rows = lane.sequences;
    const tokenIds = Int32Array.from(rows, (s) => s.lastTokenId);
    let output;
    try {
      output = await this.lm.forward({
        past: lane.cache,
        tokenIds,
        tokenMask: new Uint8Array(rows.length).fill(1),
        columns: 1,
        logits: "last",
      });
    } catch (error) {
      this.failAll(rows, "forward pass failed", error);
      this.lanes = this.lanes.filter((l) => l !== lane);
      return;
    }
    // Unchanged rows: the present tensors are the next step's past as they are.
    lane.cache = output.present;
    const nowMs = performance.now();
    rows.forEach((sequence, r) => {
      // A cancel may have landed while the pass ran; that row is dropped at the next step.
      if (sequence.state !== "running") return;
      this.worstTokenGapMs = Math.max(this.worstTokenGapMs, nowMs - sequence.lastTokenAtMs);
      sequence.lastTokenAtMs = nowMs;
      this.accept(sequence, output.lastLogits![r], nowMs);
    });
  }

  /** One chunk of the group's prompts; on the final chunk, first tokens and the merge. */
  private async prefillChunk(group: PrefillGroup): Promise<void> {
    // A graph that cannot take a multi-token chunk on a cache for this many rows gets the prompts in one pass.
    const chunked = group.rows <= this.lm.feeding.chunkOnCacheRows;
    const { prefillChunkTokens, idlePrefillChunkTokens = IDLE_PREFILL_CHUNK_FACTOR * prefillChunkTokens } = this.options;
    const budget = this.lanes.length === 0 ? Math.max(prefillChunkTokens, idlePrefillChunkTokens) : prefillChunkTokens;
    const columns = chunked ? Math.floor(budget / group.rows) : group.pendingColumns;
    const chunk = group.nextChunk(columns);
    let output;
    try {
      output = await this.lm.forward({ past: group.cache, ...chunk, logits: chunk.final ? "last" : "none" });
    } catch (error) {
      this.failAll(group.sequences, "prefill pass failed", error);
      this.group = null;
      return;
    }
    group.commit(output.present, chunk);
    if (!chunk.final) return;
    this.group = null;
    if (this.prefix.cache.enabled) this.prefix.storeGroup(group.sequences, group.cache);
    const nowMs = performance.now();
    group.sequences.forEach((sequence, r) => {
      if (sequence.state === "finished") return;
      sequence.state = "running";
      sequence.lastTokenAtMs = nowMs;
      this.accept(sequence, output.lastLogits![r], nowMs);
    });
    this.lanes = packLanes(this.lm.signature.kv, [...this.lanes, { sequences: group.sequences, cache: group.cache }], this.lm.feeding.maxRowsPerPass);
  }

  /** Re-packs the lanes that lost rows (finished or canceled); untouched lanes keep their cache. */
  private dropFinishedRunning(): void {
    if (this.lanes.every((l) => l.sequences.every((s) => s.state === "running"))) return;
    this.lanes = packLanes(this.lm.signature.kv, this.lanes, this.lm.feeding.maxRowsPerPass);
  }

  private accept(sequence: Sequence, logits: Float32Array, nowMs: number): void {
    let outcome;
    try {
      outcome = sequence.sampleNext(logits.subarray(0, this.card.vocabSize));
    } catch (error) {
      return this.failAll([sequence], "sampling failed", error);
    }
    this.hooks.onToken?.(sequence.id, outcome.tokenId, nowMs);
    if (outcome.emit) {
      this.emit({ type: "delta", id: sequence.id, text: outcome.emit, tokens: sequence.completionTokens });
    } else if (outcome.streamId !== undefined) {
      this.emit({ type: "tokens", id: sequence.id, tokenIds: [outcome.streamId], tokens: sequence.completionTokens });
    }
    if (outcome.finishReason) this.finished(sequence);
  }

  private finished(sequence: Sequence): void {
    this.active.delete(sequence.id);
    this.emit({
      type: "finished",
      id: sequence.id,
      text: sequence.text,
      finishReason: sequence.finishReason!,
      promptTokens: sequence.promptTokens,
      completionTokens: sequence.completionTokens,
    });
  }

  private failAll(sequences: Sequence[], what: string, error: unknown): void {
    for (const sequence of sequences) {
      if (sequence.state === "finished") continue;
      sequence.state = "finished";
      this.active.delete(sequence.id);
      this.emit({ type: "failed", id: sequence.id, code: "ENGINE_CRASHED", message: `${what}: ${errorText(error)}` });
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
