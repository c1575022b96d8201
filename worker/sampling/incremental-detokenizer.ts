// Streaming text from generated token ids: decodes a short window of recent ids and emits what it
// adds (vLLM's prefix_offset/read_offset scheme), holding back text that ends mid-character.
/** Decodes ids to text, e.g. `ids => tokenizer.decode(ids, { skip_special_tokens: true })`. */
export type TokenDecoder = (ids: number[]) => string;

/** Prompt ids decoded ahead of the first generated token, as in vLLM. */
const PROMPT_CONTEXT_TOKENS = 5;
/** What byte-level and byte-fallback decoders produce for an incomplete UTF-8 sequence. */
const REPLACEMENT_CHARACTER = "\uFFFD";

export interface IncrementalDetokenizerOptions {
  /**
   * The prompt's ids (only the last few are used). Decoding the first generated token after them
   * keeps its leading space, which a decoder like Llama's strips from the start of a text.
   * Without them, the emitted text equals `decode(generatedIds)`.
   */
  promptIds?: ArrayLike<number>;
}

export class IncrementalDetokenizer {
  private readonly decode: TokenDecoder;
  /** Prompt context (if any) followed by every pushed id. */
  private readonly ids: number[] = [];
  /** Start of the decode window: ids before it never need decoding again. */
  private prefixOffset: number;
  /** End of the ids already turned into emitted text. */
  private readOffset: number;
  /** decode(ids[prefixOffset, readOffset)), cached while the offsets stay put. */
  private prefixText: string | undefined;
  private emitted = "";

  constructor(decode: TokenDecoder, options: IncrementalDetokenizerOptions = {}) {
    this.decode = decode;
    const prompt = options.promptIds ?? [];
    for (let i = Math.max(0, prompt.length - PROMPT_CONTEXT_TOKENS); i < prompt.length; i++) {
      this.ids.push(prompt[i]);
    }
    this.prefixOffset = 0;
    this.readOffset = this.ids.length;
  }

  /** All text emitted so far (the concatenation of every delta). */
  get text(): string {
    return this.emitted;
  }

  /** Adds one generated id; returns the new text it completes (often "", never a partial character). */
  push(id: number): string {
    this.ids.push(id);
    const prefixText = (this.prefixText ??= this.decodeRange(this.prefixOffset, this.readOffset));
    const windowText = this.decodeRange(this.prefixOffset, this.ids.length);
    // A trailing U+FFFD means the window ends inside a multi-byte character whose remaining bytes
    // come with later tokens; a window no longer than the prefix has added nothing visible yet.
    if (windowText.length <= prefixText.length || windowText.endsWith(REPLACEMENT_CHARACTER)) return "";
    return this.advance(windowText.slice(prefixText.length));
  }

  /** End of generation: emits whatever is still held back (a truncated character shows as U+FFFD). */
  flush(): string {
    if (this.readOffset === this.ids.length) return "";
    const prefixText = (this.prefixText ??= this.decodeRange(this.prefixOffset, this.readOffset));
    const windowText = this.decodeRange(this.prefixOffset, this.ids.length);
    return this.advance(windowText.length > prefixText.length ? windowText.slice(prefixText.length) : "");
  }

  private advance(delta: string): string {
    // The next window starts at the ids just emitted: enough context for spacing and merges,
    // and it keeps each decode short however long the output grows.
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    this.prefixText = undefined;
    this.emitted += delta;
    return delta;
  }

  private decodeRange(start: number, end: number): string {
    // Tokenizer.decode rejects an empty id list.
    return end > start ? this.decode(this.ids.slice(start, end)) : "";
  }
}
