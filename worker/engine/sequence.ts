// One generation request inside the engine: its token ids, sampler, stop strings, streamed text and
// lifecycle (waiting → prefilling → running → finished, or back to waiting when preempted) and the
// time it spent waiting. Knows nothing about batches or tensors.
import { IncrementalDetokenizer } from "../sampling/incremental-detokenizer.ts";
import { hasAllowed, JsonConstraint, type AllowedTokens, type ConstraintStep } from "../sampling/json-constraint.ts";
import type { JsonGrammarMasks } from "../sampling/json-grammar-masks.ts";
import { StopSequenceMatcher } from "../sampling/stop-sequence-matcher.ts";
import { TokenSampler } from "../sampling/token-sampler.ts";
import { engineDecodes, type FinishReason, type GenerationRequest } from "./generation.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";

export type SequenceState = "waiting" | "prefilling" | "running" | "finished";

/** What one accepted token produced: text safe to stream now, and the finish reason if it ended. */
export interface TokenOutcome {
  tokenId: number;
  emit: string;
  finishReason: FinishReason | null;
  /** The id for the caller to decode when the engine does not (engineDecodes false; never EOS). */
  streamId?: number;
}

export class Sequence {
  state: SequenceState = "waiting";
  finishReason: FinishReason | null = null;
  /** Prompt then generated ids: what the repetition penalty looks at. */
  readonly tokenIds: number[];
  readonly promptTokens: number;
  /**
   * Tokens of `prefillIds` not yet fed to the model (counts down during chunked prefill). After a
   * preemption (recompute mode) that is the prompt and every generated token again.
   */
  pendingPromptTokens: number;
  /** Engine arrival order (ties after priority and deadline). */
  arrival = 0;
  /** Admission order; the most recently admitted is preempted first (least work lost). */
  admission = 0;
  /** Whether `started` was announced (a resumed sequence does not announce it again). */
  announcedStart = false;
  /** Times it was preempted. */
  preemptions = 0;
  /** Text emitted so far (stop strings never included). */
  text = "";
  /** performance.now() of the last sampled token; for the inter-token gap metric. */
  lastTokenAtMs = 0;
  private readonly sampler: TokenSampler;
  private readonly stops: StopSequenceMatcher;
  /** Null when the caller decodes (engineDecodes false): the engine then never calls the tokenizer. */
  private readonly detokenizer: IncrementalDetokenizer | null;
  private readonly eosIds: ReadonlySet<number>;
  /** Waiting time accumulated before the current wait (epoch ms); aging counts only waiting. */
  private waitedBeforeMs: number;
  private waitingSinceMs: number | null;
  /** The response format's mask; null for free text. */
  private readonly constraint: JsonConstraint | null;
  /** The length budget overruled the model at least once: the JSON was closed early. */
  private budgetForced = false;

  constructor(
    readonly request: GenerationRequest,
    card: ModelCard,
    grammar: JsonGrammarMasks | null = null,
    nowMs: number = Date.now(),
  ) {
    // Time the job already spent queued before it reached the engine counts as waiting too.
    this.waitedBeforeMs = request.queuedAtMs !== undefined ? Math.max(0, nowMs - request.queuedAtMs) : 0;
    this.waitingSinceMs = nowMs;
    this.tokenIds = [...request.promptIds];
    this.promptTokens = request.promptIds.length;
    this.pendingPromptTokens = this.promptTokens;
    this.sampler = new TokenSampler(request.sampling, card.vocabSize);
    this.stops = new StopSequenceMatcher(request.stop);
    this.detokenizer = engineDecodes(request) ? new IncrementalDetokenizer((ids) => card.decode(ids), { promptIds: request.promptIds }) : null;
    this.eosIds = new Set(request.ignoreEos ? [] : card.eosTokenIds);
    this.constraint = grammar ? new JsonConstraint(grammar) : null;
  }

  get id(): string {
    return this.request.id;
  }

  get completionTokens(): number {
    return this.tokenIds.length - this.promptTokens;
  }

  /** Most KV slots the sequence can ever occupy: its admission reservation. */
  get reservedTokens(): number {
    return this.promptTokens + this.request.maxTokens;
  }

  /** What a prefill feeds: the prompt, or after a preemption the prompt and every generated token. */
  get prefillIds(): readonly number[] {
    return this.tokenIds;
  }

  /** Milliseconds spent waiting so far (queued or preempted), as of nowMs. */
  waitedMs(nowMs: number): number {
    return this.waitedBeforeMs + (this.waitingSinceMs === null ? 0 : Math.max(0, nowMs - this.waitingSinceMs));
  }

  /** Admitted into a prefill group: waiting time stops counting. */
  admit(admission: number, nowMs: number): void {
    this.waitedBeforeMs = this.waitedMs(nowMs);
    this.waitingSinceMs = null;
    this.admission = admission;
    this.state = "prefilling";
  }

  /**
   * Preempted (recompute mode): its KV is dropped by the caller; everything that decides the next
   * token (generated ids, sampler and its RNG, stop matcher, detokenizer offsets) stays here, so the
   * re-prefill of prompt + generated tokens continues exactly where it stopped.
   */
  preempt(nowMs: number): void {
    this.state = "waiting";
    this.pendingPromptTokens = this.tokenIds.length;
    this.waitingSinceMs = nowMs;
    this.preemptions++;
  }

  /** The id the next decode pass feeds (the last sampled one). */
  get lastTokenId(): number {
    return this.tokenIds[this.tokenIds.length - 1];
  }

  /** Samples from float32 [vocab] logits (read only) and applies EOS, stop strings and max_tokens. */
  sampleNext(logits: Float32Array): TokenOutcome {
    let allowed: AllowedTokens | undefined;
    if (this.constraint) {
      allowed = this.constraint.allowed(this.request.maxTokens - this.completionTokens - 1);
      if (!hasAllowed(allowed.mask)) throw new Error("the response format allows no token here");
    }
    const id = this.sampler.sample(logits, this.tokenIds, allowed?.mask);
    this.tokenIds.push(id);
    let step: ConstraintStep = "continue";
    if (this.constraint && allowed) {
      if (allowed.mask !== allowed.grammarMask && preferredOutside(logits, allowed, id)) this.budgetForced = true;
      step = this.constraint.accept(id);
    }
    // A JSON that ended because max_tokens was near is reported as "length": it parses, but the model was cut short.
    const closed = this.budgetForced ? "length" : "stop";
    if (step === "eos") return { tokenId: id, ...this.end(closed, "") };
    if (this.eosIds.has(id)) return { tokenId: id, ...this.end("stop", "") };
    if (!this.detokenizer) {
      // No stop strings and no constraint here (engineDecodes): only the length budget can end it.
      const finishReason = this.completionTokens >= this.request.maxTokens ? this.end("length", "").finishReason : null;
      return { tokenId: id, streamId: id, emit: "", finishReason };
    }
    const { emit, stopped } = this.stops.push(this.detokenizer.push(id));
    if (stopped) return { tokenId: id, ...this.end("stop", emit) };
    if (step === "done") return { tokenId: id, ...this.end(closed, emit) };
    if (this.completionTokens >= this.request.maxTokens) return { tokenId: id, ...this.end("length", emit) };
    this.text += emit;
    return { tokenId: id, emit, finishReason: null };
  }

  /** Ends the sequence early (cancel, engine error); held-back text that is no stop string is kept. */
  finish(reason: FinishReason): void {
    if (this.state !== "finished") this.end(reason, "");
  }

  private end(reason: FinishReason, emit: string): Omit<TokenOutcome, "tokenId"> {
    let text = emit;
    if (this.detokenizer && !this.stops.stopped) {
      // Text held back (a partial character, or what could have grown into a stop string) is
      // plain text once generation ends, unless it completes a stop string right here.
      const rest = this.stops.push(this.detokenizer.flush());
      text += rest.emit + this.stops.flush();
    }
    this.text += text;
    this.state = "finished";
    this.finishReason = reason;
    return { emit: text, finishReason: reason };
  }
}

/** Whether the grammar allowed a token the length budget removed that the model scored at least as high as `chosen`. */
function preferredOutside(logits: Float32Array, allowed: AllowedTokens, chosen: number): boolean {
  const { mask, grammarMask } = allowed;
  const floor = logits[chosen];
  for (let word = 0; word < mask.length; word++) {
    let removed = grammarMask[word] & ~mask[word];
    while (removed !== 0) {
      const id = word * 32 + 31 - Math.clz32(removed & -removed);
      removed &= removed - 1;
      if (logits[id] >= floor) return true;
    }
  }
  return false;
}
