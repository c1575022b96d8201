// Chat prompts whose message content stays text: special-token strings a client writes into a
// message (`</s>`, `<|im_start|>`) must not become control tokens; only the chat template's own
// special tokens are special. Content without such strings is encoded exactly as before (the
// whole rendering at once, as Hugging Face does), so ordinary prompts keep their tokens.
import { randomBytes } from "node:crypto";
import type { Tokenizer } from "@huggingface/tokenizers";
import { GenqError } from "../errors.ts";

export interface ChatMessage {
  role: string;
  content: string;
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

// Em spaces around each placeholder reveal whether the template trimmed the content (Jinja's
// trim removes them; templates almost never write them themselves).
const EDGE = "\u2003";
const PLACEHOLDER_OPEN = "⟦";

export class ChatPromptEncoder {
  private readonly specialStrings: string[];
  private readonly specialIds: Set<number>;
  private textTokenizer: Tokenizer | undefined;

  constructor(
    private readonly tokenizerJson: Record<string, unknown>,
    private readonly tokenizerConfig: Record<string, unknown>,
    private readonly tokenizer: Tokenizer,
    /** The tokenizer's class: content is encoded with a copy that knows no special tokens. */
    private readonly TextTokenizer: typeof Tokenizer,
    private readonly render: (messages: ChatMessage[]) => string,
  ) {
    const added = (Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : []) as AddedToken[];
    const specials = added.filter((t) => t.special && typeof t.content === "string" && t.content !== "");
    this.specialStrings = specials.map((t) => t.content);
    this.specialIds = new Set(specials.map((t) => t.id));
  }

  /** Token ids of the rendered chat, every message's content tokenized as plain text. */
  promptIds(messages: ChatMessage[]): number[] {
    const encode = (text: string) => this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    if (!messages.some((m) => this.specialStrings.some((s) => m.content.includes(s)))) return encode(this.render(messages));

    // Render with placeholders, then encode the template's text (its special tokens stay
    // special) and each content (with a tokenizer that knows no special tokens) separately.
    // Mixed case ("Gq") makes re-casing templates visible; digits survive it, so it is caught below.
    const nonce = randomBytes(8).readBigUInt64BE().toString();
    const rendered = this.render(messages.map((m, i) => ({ ...m, content: `${EDGE}${PLACEHOLDER_OPEN}Gq${nonce}:${i}⟧${EDGE}` })));
    const marker = new RegExp(`(${EDGE}?)${PLACEHOLDER_OPEN}Gq${nonce}:(\\d+)⟧(${EDGE}?)`, "g");
    const ids: number[] = [];
    const offender = () => notAsText(messages.findIndex((m) => this.specialStrings.some((s) => m.content.includes(s))));
    // The template did something else with the content (sliced, re-cased, ...): genq cannot tell
    // content from template, so it refuses rather than let the content's tokens be special.
    const templateText = (text: string) => {
      if (text.includes(PLACEHOLDER_OPEN) || text.includes(nonce)) throw offender();
      return encode(text);
    };
    let at = 0;
    for (const match of rendered.matchAll(marker)) {
      ids.push(...templateText(rendered.slice(at, match.index)));
      const index = Number(match[2]);
      let content = messages[index].content;
      if (!match[1]) content = content.trimStart();
      if (!match[3]) content = content.trimEnd();
      ids.push(...this.encodeAsText(content, index));
      at = match.index + match[0].length;
    }
    ids.push(...templateText(rendered.slice(at)));
    return ids;
  }

  private encodeAsText(content: string, index: number): number[] {
    this.textTokenizer ??= new this.TextTokenizer(
      { ...this.tokenizerJson, added_tokens: (this.tokenizerJson.added_tokens as AddedToken[]).filter((t) => !t.special) },
      this.tokenizerConfig,
    );
    const ids: number[] = this.textTokenizer.encode(content, { add_special_tokens: false }).ids;
    // A vocabulary whose merges can spell a special token would still make one: refuse.
    if (ids.some((id) => this.specialIds.has(id))) throw notAsText(index);
    return ids;
  }
}

function notAsText(index: number): GenqError {
  const field = `messages.${index}.content`;
  const message = "contains special-token text that this model's chat template does not let genq keep as plain text";
  return new GenqError("VALIDATION_FAILED", `${field}: ${message}`, { errors: [{ field, message }] });
}
