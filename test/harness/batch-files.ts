// Batch input files for tests and benchmarks: OpenAI batch JSONL lines, and polling a batch
// with the official client until it finishes.
import type OpenAI from "openai";

export interface BatchLineOptions {
  url?: "/v1/chat/completions" | "/v1/completions";
  maxTokens?: number;
  model?: string;
  /** genq extension: generate exactly max_tokens (work that cannot end early). */
  ignoreEos?: boolean;
}

export function batchLine(customId: string, text: string, options: BatchLineOptions = {}): string {
  const url = options.url ?? "/v1/chat/completions";
  const body: Record<string, unknown> =
    url === "/v1/chat/completions" ? { messages: [{ role: "user", content: text }] } : { prompt: text };
  Object.assign(body, { max_tokens: options.maxTokens ?? 4, temperature: 0 });
  if (options.model) body.model = options.model;
  if (options.ignoreEos) body.ignore_eos = true;
  return JSON.stringify({ custom_id: customId, method: "POST", url, body });
}

export function batchFile(lines: number, options: BatchLineOptions = {}): string {
  return Array.from({ length: lines }, (_, i) => batchLine(`req-${i}`, `document ${i}: summarize`, options)).join("\n") + "\n";
}

const FINISHED = new Set(["completed", "failed", "expired", "cancelled"]);

export async function waitForBatch(
  client: OpenAI,
  id: string,
  done: (batch: OpenAI.Batches.Batch) => boolean = (b) => FINISHED.has(b.status),
  timeoutMs = 60_000,
): Promise<OpenAI.Batches.Batch> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (done(batch)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${batch.status} (${JSON.stringify(batch.request_counts)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResultLine = Record<string, any>;

/** The JSON lines of a file's content, through the client. */
export async function fileLines(client: OpenAI, fileId: string): Promise<ResultLine[]> {
  const text = await (await client.files.content(fileId)).text();
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as ResultLine);
}
