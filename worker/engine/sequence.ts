// One generation request inside the engine: its token ids, sampler, stop strings, streamed text and
// lifecycle (waiting → prefilling → running → finished). Knows nothing about batches or tensors.
import { IncrementalDetokenizer } from "../sampling/incremental-detokenizer.ts";
import { StopSequenceMatcher } from "../sampling/stop-sequence-matcher.ts";
import { TokenSampler } from "../sampling/token-sampler.ts";
import type { FinishReason, GenerationRequest } from "./generation.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";

export type SequenceState = "waiting" | "prefilling" | "running" | "finished";

/** What one accepted token produced: text safe to stream now, and the finish reason if it ended. */
export interface TokenOutcome {
  tokenId: number;
  emit: string;
  finishReason: FinishReason | null;
}

export class Sequence {
  state: SequenceState = "waiting";
  finishReason: FinishReason | null = null;
  /** Prompt then generated ids: what the repetition penalty looks at. */
  readonly tokenIds: number[];
  readonly promptTokens: number;
  /** Prompt tokens not yet fed to the model (counts down during chunked prefill). */
  pendingPromptTokens: number;
  /** Text emitted so far (stop strings never included). */
  text = "";
  /** performance.now() of the last sampled token; for the inter-token gap metric. */
  lastTokenAtMs = 0;
  private readonly sampler: TokenSampler;
  private readonly stops: StopSequenceMatcher;
  private readonly detokenizer: IncrementalDetokenizer;
  private readonly eosIds: ReadonlySet<number>;

  constructor(
    readonly request: GenerationRequest,
    card: ModelCard,
  ) {
    this.tokenIds = [...request.promptIds];
    this.promptTokens = request.promptIds.length;
    this.pendingPromptTokens = this.promptTokens;
    this.sampler = new TokenSampler(request.sampling, card.vocabSize);
    this.stops = new StopSequenceMatcher(request.stop);
    this.detokenizer = new IncrementalDetokenizer((ids) => card.decode(ids), { promptIds: request.promptIds });
    this.eosIds = new Set(request.ignoreEos ? [] : card.eosTokenIds);
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

  /** The id the next decode pass feeds (the last sampled one). */
  get lastTokenId(): number {
    return this.tokenIds[this.tokenIds.length - 1];
  }

  /** Samples from float32 [vocab] logits (read only) and applies EOS, stop strings and max_tokens. */
  sampleNext(logits: Float32Array): TokenOutcome {
    const id = this.sampler.sample(logits, this.tokenIds);
    this.tokenIds.push(id);
    if (this.eosIds.has(id)) return { tokenId: id, ...this.end("stop", "") };
    const { emit, stopped } = this.stops.push(this.detokenizer.push(id));
    if (stopped) return { tokenId: id, ...this.end("stop", emit) };
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
    if (!this.stops.stopped) {
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
