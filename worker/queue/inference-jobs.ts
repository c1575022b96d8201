// Turns the inference thread's event stream into one promise per job, plus per-job listeners
// for streaming (deltas). The main thread never blocks on the model.
import type { GenerationErrorCode } from "../../shared/errors.ts";
import type { FinishReason, GenerationRequest } from "../engine/generation.ts";
import type { InferenceClient } from "../thread/inference-client.ts";
import type { FromThreadMessage } from "../thread/thread-messages.ts";

export type GenerationOutcome =
  | { kind: "finished"; text: string; finishReason: FinishReason; promptTokens: number; completionTokens: number }
  | { kind: "failed"; code: GenerationErrorCode; message: string };

export interface GenerationListeners {
  onDelta?: (text: string, tokens: number) => void;
}

/** What InferenceJobs uses of the thread client. */
type InferenceThread = Pick<InferenceClient, "submit" | "cancel" | "subscribe">;

interface Pending extends GenerationListeners {
  resolve: (outcome: GenerationOutcome) => void;
}

export class InferenceJobs {
  private readonly pending = new Map<string, Pending>();
  private readonly unsubscribe: () => void;

  constructor(private readonly inference: InferenceThread) {
    this.unsubscribe = inference.subscribe((message) => this.onMessage(message));
  }

  generate(request: GenerationRequest, listeners: GenerationListeners = {}): Promise<GenerationOutcome> {
    return new Promise((resolve) => {
      this.pending.set(request.id, { ...listeners, resolve });
      this.inference.submit(request);
    });
  }

  cancel(id: string): void {
    if (this.pending.has(id)) this.inference.cancel(id);
  }

  close(): void {
    this.unsubscribe();
  }

  private onMessage(message: FromThreadMessage): void {
    if (!("id" in message)) return;
    const entry = this.pending.get(message.id);
    if (!entry) return;
    switch (message.type) {
      case "delta":
        entry.onDelta?.(message.text, message.tokens);
        return;
      case "finished":
        this.pending.delete(message.id);
        entry.resolve({
          kind: "finished",
          text: message.text,
          finishReason: message.finishReason,
          promptTokens: message.promptTokens,
          completionTokens: message.completionTokens,
        });
        return;
      case "failed":
        this.pending.delete(message.id);
        entry.resolve({ kind: "failed", code: message.code, message: message.message });
        return;
    }
  }
}
