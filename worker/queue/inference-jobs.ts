// Turns the inference thread's event stream into one promise per job, plus per-job listeners
// for streaming (started / delta), and the hand-back of jobs on shutdown. The main thread never
// blocks on the model.
import type { GenerationErrorCode } from "../../shared/errors.ts";
import type { FinishReason, GenerationRequest } from "../engine/generation.ts";
import type { InferenceClient } from "../thread/inference-client.ts";
import type { FromThreadMessage } from "../thread/thread-messages.ts";

export type GenerationOutcome =
  | { kind: "finished"; text: string; finishReason: FinishReason; promptTokens: number; completionTokens: number }
  | { kind: "failed"; code: GenerationErrorCode; message: string }
  /** Never started; handed back on request (withdraw) so the job can return to the queue. */
  | { kind: "withdrawn" }
  /** The engine broke while the job was in flight (not necessarily the job's fault): retry it. */
  | { kind: "crashed"; message: string }
  /** Taken back from the engine on shutdown (see handBack); `started` = it had begun running. */
  | { kind: "handed-back"; started: boolean };

export interface GenerationListeners {
  /** The engine admitted the job (once, even if it is later preempted and resumed): its run begins. */
  onStarted?: () => void;
  onDelta?: (text: string, tokens: number) => void;
}

/** What InferenceJobs uses of the thread client. */
type InferenceThread = Pick<InferenceClient, "submit" | "cancel" | "withdraw" | "subscribe">;

interface Pending extends GenerationListeners {
  resolve: (outcome: GenerationOutcome) => void;
  started: boolean;
}

export class InferenceJobs {
  private readonly pending = new Map<string, Pending>();
  private readonly unsubscribe: () => void;

  constructor(private readonly inference: InferenceThread) {
    this.unsubscribe = inference.subscribe((message) => this.onMessage(message));
  }

  generate(request: GenerationRequest, listeners: GenerationListeners = {}): Promise<GenerationOutcome> {
    return new Promise((resolve) => {
      this.pending.set(request.id, { ...listeners, resolve, started: false });
      this.inference.submit(request);
    });
  }

  cancel(id: string): void {
    if (this.pending.has(id)) this.inference.cancel(id);
  }

  /**
   * Asks the engine to hand back a job that has not started; its outcome becomes `withdrawn` if so.
   * True when that was settled at once (the outcome is already resolved).
   */
  withdraw(id: string): boolean {
    return this.pending.has(id) && this.inference.withdraw(id);
  }

  /**
   * Takes jobs back from the engine (shutdown): those not started yet (`which: "waiting"`) or all.
   * Their generate() promises resolve `handed-back` at once; the engine drops them between steps.
   */
  handBack(which: "waiting" | "all"): number {
    let count = 0;
    for (const [id, entry] of [...this.pending]) {
      if (which === "waiting" && entry.started) continue;
      this.pending.delete(id);
      this.inference.cancel(id);
      entry.resolve({ kind: "handed-back", started: entry.started });
      count++;
    }
    return count;
  }

  /** Resolves once no job is in the engine, or after `timeoutMs`; true when it drained. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.pending.size === 0;
  }

  get activeCount(): number {
    return this.pending.size;
  }

  close(): void {
    this.unsubscribe();
  }

  private onMessage(message: FromThreadMessage): void {
    if (!("id" in message)) return;
    const entry = this.pending.get(message.id);
    if (!entry) return;
    switch (message.type) {
      case "started":
        entry.started = true;
        entry.onStarted?.();
        return;
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
        entry.resolve(
          message.code === "ENGINE_CRASHED"
            ? { kind: "crashed", message: message.message }
            : { kind: "failed", code: message.code, message: message.message },
        );
        return;
      case "withdrawn":
        this.pending.delete(message.id);
        entry.resolve({ kind: "withdrawn" });
        return;
    }
  }
}
