// OpenAI's streamed chunks for one job (`chat.completion.chunk` / `text_completion`): an opening
// chunk carrying the assistant role (chat only), one chunk per text delta, the closing chunk with
// finish_reason, and the usage chunk (empty choices) when stream_options.include_usage is set.
import type { JobRow } from "../store/schema/jobs.ts";
import { completionId, createdSeconds, openAiFinishReason, openAiUsage } from "./openai-completion.ts";
import type { OpenAiEndpoint } from "./openai-job-request.ts";

type Chunk = Record<string, unknown>;

export class OpenAiChunks {
  private readonly chat: boolean;
  private readonly head: Chunk;

  /** `row` is the job as admitted: its id, model and creation time head every chunk. */
  constructor(endpoint: OpenAiEndpoint, row: JobRow, private readonly includeUsage: boolean) {
    this.chat = endpoint === "/v1/chat/completions";
    this.head = {
      id: completionId(endpoint, row.id),
      object: this.chat ? "chat.completion.chunk" : "text_completion",
      created: createdSeconds(row),
      model: row.model,
      system_fingerprint: null,
    };
  }

  /** Chat streams open with the role (and empty content), as OpenAI's do; completions have no opening chunk. */
  opening(): Chunk | undefined {
    return this.chat ? this.chunk({ role: "assistant", content: "" }, null) : undefined;
  }

  text(text: string): Chunk {
    return this.chunk(this.chat ? { content: text } : text, null);
  }

  /** The chunk with finish_reason, then the usage chunk when asked for. */
  closing(row: JobRow): Chunk[] {
    const chunks = [this.chunk(this.chat ? {} : "", openAiFinishReason(row))];
    if (this.includeUsage) chunks.push({ ...this.head, choices: [], usage: openAiUsage(row) });
    return chunks;
  }

  private chunk(delta: Record<string, unknown> | string, finishReason: string | null): Chunk {
    const choice =
      typeof delta === "string"
        ? { index: 0, text: delta, logprobs: null, finish_reason: finishReason }
        : { index: 0, delta, logprobs: null, finish_reason: finishReason };
    return { ...this.head, choices: [choice], ...(this.includeUsage ? { usage: null } : {}) };
  }
}
