// Main-thread side of the inference thread: spawns it (loading tsx into it, so the .ts entry runs
// under `tsx` and under vitest alike), forwards submits and cancels, and fans its events out; given
// the models' decoders it turns streamed token ids into text here, off the inference thread.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { engineDecodes, type GenerationRequest } from "../engine/generation.ts";
import { IncrementalDetokenizer, type TokenDecoder } from "../sampling/incremental-detokenizer.ts";
import { StartClaimsOwner } from "./start-claims.ts";
import type { FromThreadMessage, InferenceThreadOptions, LoadedModelInfo, ToThreadMessage } from "./thread-messages.ts";

type ReadyModels = Extract<FromThreadMessage, { type: "ready" }>["models"];
type Listener = (message: FromThreadMessage) => void;

/** How long close() waits for the thread to release its sessions before terminating it. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The thread's entry is a data: URL module that registers tsx's ESM hooks, then imports the .ts entry.
 * Passing `--import tsx` in execArgv is not enough: on Node 20 tsx only self-registers on the main
 * thread. execArgv is emptied so a parent already running under tsx (or vitest's fork flags) cannot
 * register the hooks a second time.
 */
function threadBootstrapUrl(): URL {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("tsx/package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports: Record<string, { import: { default: string } }> };
  const tsxEsmApi = pathToFileURL(join(dirname(manifestPath), manifest.exports["./esm/api"].import.default)).href;
  const entry = new URL("./inference-thread.ts", import.meta.url).href;
  const source = `import { register } from ${JSON.stringify(tsxEsmApi)};\nregister();\nawait import(${JSON.stringify(entry)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** A load or unload that could not finish because the thread died (not the model's fault). */
export class InferenceThreadGoneError extends Error {
  override name = "InferenceThreadGoneError";
}

export class InferenceClient {
  private readonly listeners = new Set<Listener>();
  /** Submitted ids with no finished/failed yet: failed for the caller if the thread dies. */
  private readonly inFlight = new Set<string>();
  private exited = false;
  private closing = false;
  private readonly crashListeners = new Set<(reason: string) => void>();
  /** Per in-flight streamIds request: its text, decoded here from the ids the thread streams. */
  private readonly detokenizers = new Map<string, IncrementalDetokenizer>();
  /** In-flight request → its start-claim slot (start-claims.ts). */
  private readonly claimSlots = new Map<string, number>();
  /**
   * Requests withdrawn here at once (their `withdrawn` already dispatched) → slots the thread still
   * holds; its own last message about each is swallowed and frees the slot. A queue per id: the same
   * job may come back and be withdrawn again before the thread has answered.
   */
  private readonly withdrawnEarly = new Map<string, number[]>();

  private constructor(
    private readonly worker: Worker,
    readonly models: ReadyModels,
    private readonly decoders: ReadonlyMap<string, TokenDecoder>,
    private readonly claims: StartClaimsOwner,
  ) {
    worker.on("message", (message: FromThreadMessage) => this.dispatch(message));
    worker.on("error", (error) => this.failInFlight(`inference thread crashed: ${error.message}`));
    worker.on("exit", (code) => {
      this.exited = true;
      this.failInFlight(`inference thread exited (code ${code})`);
      if (!this.closing) for (const listener of this.crashListeners) listener(`the inference thread exited unexpectedly (code ${code})`);
    });
  }

  /**
   * Spawns the thread; resolves once every model is loaded, rejects with the thread's init-failed message.
   * `decoders` (model name → ids-to-text, e.g. its ModelCard's decode): requests for those models that
   * need no text in the engine are decoded here (listeners still get `delta` text and `finished` text).
   */
  static start(options: InferenceThreadOptions, decoders: ReadonlyMap<string, TokenDecoder> = new Map()): Promise<InferenceClient> {
    const claims = new StartClaimsOwner();
    const workerData: InferenceThreadOptions = { ...options, callerDecodes: decoders.size > 0, startClaims: claims.buffer };
    const worker = new Worker(threadBootstrapUrl(), { workerData, execArgv: [] });
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      const onMessage = (message: FromThreadMessage) => {
        if (message.type === "ready") {
          cleanup();
          resolve(new InferenceClient(worker, message.models, decoders, claims));
        } else if (message.type === "init-failed") {
          cleanup();
          void worker.terminate();
          reject(new Error(message.message));
        }
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new Error(`inference thread failed to start: ${error.message}`, { cause: error }));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`inference thread exited during start (code ${code})`));
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
    });
  }

  submit(request: GenerationRequest): void {
    if (this.exited) {
      queueMicrotask(() => this.deliver({ type: "failed", id: request.id, code: "ENGINE_CRASHED", message: "inference thread is not running" }));
      return;
    }
    this.inFlight.add(request.id);
    const claimSlot = this.claims.take();
    if (claimSlot !== undefined) this.claimSlots.set(request.id, claimSlot);
    const decode = this.decoders.get(request.model);
    const streamed = { ...request, streamIds: true };
    if (decode && !engineDecodes(streamed)) {
      this.detokenizers.set(request.id, new IncrementalDetokenizer(decode, { promptIds: request.promptIds }));
      return this.send({ type: "submit", request: streamed, claimSlot });
    }
    this.send({ type: "submit", request, claimSlot });
  }

  cancel(id: string): void {
    if (!this.exited) this.send({ type: "cancel", id });
  }

  /**
   * Gives back a request that has not started. True when that is settled at once (its `withdrawn` was
   * dispatched before this returns); otherwise the thread answers between steps, with `withdrawn` or,
   * if it started it meanwhile, nothing.
   */
  withdraw(id: string): boolean {
    if (this.exited || !this.inFlight.has(id)) return false;
    const slot = this.claimSlots.get(id);
    // The engine drops it at admission if it still waits; the message takes it out of the queue sooner.
    this.send({ type: "withdraw", id });
    if (slot === undefined || !this.claims.withdraw(slot)) return false;
    this.claimSlots.delete(id);
    // Not through dispatch: an earlier early withdrawal of this id may still await the thread's answer.
    this.deliver({ type: "withdrawn", id });
    this.withdrawnEarly.set(id, [...(this.withdrawnEarly.get(id) ?? []), slot]);
    return true;
  }

  /** Loads a model in the thread (session + self-check); resolves with what it holds, rejects with why it failed. */
  load(model: string): Promise<LoadedModelInfo> {
    return this.request({ type: "load", model }, (m) =>
      m.type === "model-loaded" && m.model.name === model ? m.model : m.type === "model-load-failed" && m.model === model ? new Error(m.message) : undefined,
    );
  }

  /** Releases a model's session once its engine has no work; resolves when it is gone. */
  unload(model: string): Promise<void> {
    return this.request({ type: "unload", model }, (m) => (m.type === "model-unloaded" && m.model === model ? true : undefined)).then(() => {});
  }

  /** Sends a message and settles on the first answer `match` recognises (an Error rejects); the thread's death rejects. */
  private request<T>(message: ToThreadMessage, match: (m: FromThreadMessage) => T | Error | undefined): Promise<T> {
    if (this.exited) return Promise.reject(new InferenceThreadGoneError("inference thread is not running"));
    return new Promise<T>((resolve, reject) => {
      const settle = (outcome: T | Error) => {
        stop();
        this.crashListeners.delete(onCrash);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onCrash = (reason: string) => settle(new InferenceThreadGoneError(reason));
      const stop = this.subscribe((m) => {
        const outcome = match(m);
        if (outcome !== undefined) settle(outcome);
      });
      this.crashListeners.add(onCrash);
      this.send(message);
    });
  }

  /** Every message from the thread; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once if the thread dies without close(): this client can run nothing any more. */
  onCrash(listener: (reason: string) => void): void {
    this.crashListeners.add(listener);
  }

  /** Asks the thread to stop and release its sessions; terminates it if it does not exit in time. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.send({ type: "shutdown" });
    const timer = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private send(message: ToThreadMessage): void {
    this.worker.postMessage(message);
  }

  private dispatch(message: FromThreadMessage): void {
    if (message.type === "batch") {
      for (const inner of message.messages) this.dispatch(inner);
      return;
    }
    if (this.lateAnswerToEarlyWithdrawal(message)) return;
    this.deliver(message);
  }

  /** A message about a live submit (the thread's, or settled here): bookkeeping, then the listeners. */
  private deliver(message: FromThreadMessage): void {
    if (message.type === "tokens") return this.decodeTokens(message);
    if (message.type === "finished" || message.type === "failed" || message.type === "withdrawn") {
      this.inFlight.delete(message.id);
      const slot = this.claimSlots.get(message.id);
      this.claimSlots.delete(message.id);
      if (slot !== undefined) this.claims.release(slot);
      const detokenizer = this.detokenizers.get(message.id);
      this.detokenizers.delete(message.id);
      if (message.type === "finished" && detokenizer) return this.finishDecoded(message, detokenizer);
    }
    for (const listener of this.listeners) listener(message);
  }

  /** Ids the thread streamed for a request decoded here: a `delta` once they complete some text. */
  private decodeTokens(message: Extract<FromThreadMessage, { type: "tokens" }>): void {
    const detokenizer = this.detokenizers.get(message.id);
    if (!detokenizer) return;
    let text = "";
    for (const id of message.tokenIds) text += detokenizer.push(id);
    if (text) this.dispatch({ type: "delta", id: message.id, text, tokens: message.tokens });
  }

  /** As the engine does: held-back text streams as a last delta (not on cancel) and the finished text is all of it. */
  private finishDecoded(message: Extract<FromThreadMessage, { type: "finished" }>, detokenizer: IncrementalDetokenizer): void {
    const rest = detokenizer.flush();
    if (rest && message.finishReason !== "canceled") {
      this.dispatch({ type: "delta", id: message.id, text: rest, tokens: message.completionTokens });
    }
    this.dispatch({ ...message, text: detokenizer.text });
  }

  /** The thread's last word on a request withdrawn here at once: frees its slot, reaches no listener. */
  private lateAnswerToEarlyWithdrawal(message: FromThreadMessage): boolean {
    if (message.type !== "finished" && message.type !== "failed" && message.type !== "withdrawn") return false;
    // The thread sends one last message per submit, in order: the first for this id is the withdrawn one's.
    const slots = this.withdrawnEarly.get(message.id);
    if (!slots) return false;
    const slot = slots.shift()!;
    if (slots.length === 0) this.withdrawnEarly.delete(message.id);
    this.claims.release(slot);
    return true;
  }

  private failInFlight(reason: string): void {
    for (const id of [...this.inFlight]) this.deliver({ type: "failed", id, code: "ENGINE_CRASHED", message: reason });
  }
}
