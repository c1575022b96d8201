// The inference thread for real: InferenceClient spawns the .ts thread entry under vitest and under
// the tsx CLI (how `npm run worker` starts), generates, cancels, streams, and reports init failures.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { InferenceClient } from "../../worker/thread/inference-client.ts";
import { START_CLAIM_SLOTS } from "../../worker/thread/start-claims.ts";
import type { GenerationRequest } from "../../worker/engine/generation.ts";
import type { FromThreadMessage, InferenceThreadOptions } from "../../worker/thread/thread-messages.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let options: InferenceThreadOptions;

beforeAll(async () => {
  options = {
    models: [{ name: "tiny", path: await tinyModelDir() }],
    device: "cpu",
    dtype: "fp32",
    maxBatch: 8,
    maxKvTokens: 16_384,
    prefillChunkTokens: 256,
  };
});

function request(id: string, overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    id,
    model: "tiny",
    promptIds: [1, 40, 41, 42, 43],
    maxTokens: 12,
    sampling: { temperature: 0 },
    stop: [],
    ignoreEos: true,
    priority: 5,
    ...overrides,
  };
}

/** Resolves with every message for `id` once it finished or failed. */
function outcome(client: InferenceClient, id: string): Promise<FromThreadMessage[]> {
  const seen: FromThreadMessage[] = [];
  return new Promise((resolve) => {
    const stop = client.subscribe((m) => {
      if (!("id" in m) || m.id !== id) return;
      seen.push(m);
      if (m.type === "finished" || m.type === "failed") {
        stop();
        resolve(seen);
      }
    });
  });
}

describe("InferenceClient under vitest", () => {
  let client: InferenceClient;
  beforeAll(async () => {
    client = await InferenceClient.start(options);
  });
  afterAll(() => client.close());

  it("starts the thread, reports models, generates and streams", async () => {
    expect(client.models).toEqual([
      {
        name: "tiny",
        vocabSize: 512,
        contextLength: 2048,
        selfCheck: expect.stringMatching(/^self-check ok in \d+ ms: batched, chunked prefill/),
        loadMs: expect.any(Number),
        residentBytes: expect.any(Number),
      },
    ]);
    const stats: FromThreadMessage[] = [];
    const stopStats = client.subscribe((m) => m.type === "stats" && stats.push(m));
    const [a, b] = [outcome(client, "a"), outcome(client, "b")];
    client.submit(request("a"));
    client.submit(request("b", { promptIds: [1, 50, 51] }));
    for (const messages of [await a, await b]) {
      expect(messages[0].type).toBe("started");
      const finished = messages.at(-1) as Extract<FromThreadMessage, { type: "finished" }>;
      expect(finished).toMatchObject({ type: "finished", finishReason: "length", completionTokens: 12 });
      const deltas = messages.filter((m) => m.type === "delta").map((m) => (m as { text: string }).text);
      expect(deltas.join("")).toBe(finished.text);
    }
    // The thread reports once it goes idle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    stopStats();
    expect(stats.at(-1)).toMatchObject({ type: "stats", running: 0, waiting: 0, kvTokens: 0, kvBytes: 0 });
  });

  it("cancels a running job with its partial text, and refuses bad ids", async () => {
    const long = outcome(client, "long");
    const stopOnDelta = client.subscribe((m) => m.type === "delta" && m.id === "long" && m.tokens >= 3 && client.cancel("long"));
    client.submit(request("long", { maxTokens: 2000 }));
    const messages = await long;
    stopOnDelta();
    const finished = messages.at(-1) as Extract<FromThreadMessage, { type: "finished" }>;
    expect(finished.finishReason).toBe("canceled");
    expect(finished.completionTokens).toBeLessThan(50);

    const bad = outcome(client, "bad");
    client.submit(request("bad", { promptIds: [1, 99_999] }));
    expect((await bad)[0]).toMatchObject({ type: "failed", code: "INVALID_TOKEN" });
    const unknown = outcome(client, "other-model");
    client.submit(request("other-model", { model: "nope" }));
    expect((await unknown)[0]).toMatchObject({ type: "failed", code: "ENGINE_ERROR" });
  });

  it("withdraws a waiting job at once, never starts it, and runs the same id when it comes back", async () => {
    const single = await InferenceClient.start({ ...options, maxBatch: 1 });
    try {
      const seen: FromThreadMessage[] = [];
      single.subscribe((m) => "id" in m && m.id === "waiter" && seen.push(m));
      const tokensOf = (id: string) =>
        new Promise<void>((resolve) => {
          const stop = single.subscribe((m) => m.type === "delta" && m.id === id && m.tokens >= 3 && (stop(), resolve()));
        });
      const runnerRunning = tokensOf("runner");
      single.submit(request("runner", { maxTokens: 2000 }));
      await runnerRunning;
      single.submit(request("waiter"));
      // Settled before withdraw() returns: no forward pass is waited for.
      expect(single.withdraw("waiter")).toBe(true);
      expect(seen.map((m) => m.type)).toEqual(["withdrawn"]);
      // A started job cannot be withdrawn.
      expect(single.withdraw("runner")).toBe(false);
      // Steps go on; the thread's own answer about the withdrawn job reaches no listener.
      const moreSteps = new Promise<void>((resolve) => {
        const stop = single.subscribe((m) => m.type === "delta" && m.id === "runner" && m.tokens >= 12 && (stop(), resolve()));
      });
      await moreSteps;
      expect(seen.map((m) => m.type)).toEqual(["withdrawn"]);

      // Back from the queue under the same id: it runs normally once the batch slot frees.
      const again = outcome(single, "waiter");
      single.submit(request("waiter"));
      single.cancel("runner");
      const messages = await again;
      expect(messages[0].type).toBe("started");
      expect(messages.at(-1)).toMatchObject({ type: "finished", completionTokens: 12, finishReason: "length" });
      expect(seen.filter((m) => m.type === "withdrawn")).toHaveLength(1);
    } finally {
      await single.close();
    }
  });

  it("withdraws the same id again before the thread answered: one terminal message per submit, each at once", async () => {
    const single = await InferenceClient.start({ ...options, maxBatch: 1 });
    try {
      const seen: FromThreadMessage[] = [];
      single.subscribe((m) => "id" in m && m.id === "bouncer" && seen.push(m));
      const runnerRunning = new Promise<void>((resolve) => {
        const stop = single.subscribe((m) => m.type === "delta" && m.id === "runner" && m.tokens >= 3 && (stop(), resolve()));
      });
      single.submit(request("runner", { maxTokens: 2000 }));
      await runnerRunning;
      // The job comes back from the queue and is withdrawn again, all before the thread's first answer.
      const rounds = 20;
      for (let i = 1; i <= rounds; i++) {
        single.submit(request("bouncer"));
        expect(single.withdraw("bouncer")).toBe(true);
        expect(seen.map((m) => m.type)).toEqual(Array(i).fill("withdrawn"));
      }
      // Once more, to run: the thread's late answers to the withdrawn submits reach no listener.
      const ran = outcome(single, "bouncer");
      single.submit(request("bouncer"));
      single.cancel("runner");
      const messages = await ran;
      expect(messages.map((m) => m.type).filter((t) => t !== "delta")).toEqual(["started", "finished"]);
      expect(messages.at(-1)).toMatchObject({ completionTokens: 12, finishReason: "length" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen.map((m) => m.type).filter((t) => t !== "delta")).toEqual([...Array(rounds).fill("withdrawn"), "started", "finished"]);
    } finally {
      await single.close();
    }
  });

  it("past the start-claim slots a withdrawal goes by message, and the slots come back once the thread answered", async () => {
    const single = await InferenceClient.start({ ...options, maxBatch: 1 });
    try {
      const types: string[] = [];
      single.subscribe((m) => "id" in m && m.id.startsWith("w") && types.push(m.type));
      const runnerRunning = new Promise<void>((resolve) => {
        const stop = single.subscribe((m) => m.type === "delta" && m.id === "runner" && m.tokens >= 3 && (stop(), resolve()));
      });
      single.submit(request("runner", { maxTokens: 2000 }));
      await runnerRunning;
      for (const round of [0, 1]) {
        // The runner holds one slot: the last of these finds none.
        const ids = Array.from({ length: START_CLAIM_SLOTS }, (_, i) => `w${round}-${i}`);
        for (const id of ids) single.submit(request(id));
        const last = ids.at(-1)!;
        const lastWithdrawn = new Promise<void>((resolve) => {
          const stop = single.subscribe((m) => m.type === "withdrawn" && m.id === last && (stop(), resolve()));
        });
        // Every slot in use (round 1: again, so none leaked): the one without a slot waits for the thread.
        expect(ids.map((id) => single.withdraw(id))).toEqual([...Array(START_CLAIM_SLOTS - 1).fill(true), false]);
        await lastWithdrawn;
      }
      expect(types).toEqual(Array(2 * START_CLAIM_SLOTS).fill("withdrawn"));
      single.cancel("runner");
    } finally {
      await single.close();
    }
  });
});

describe("InferenceClient decoding on its own thread (decoders given)", () => {
  let plain: InferenceClient;
  let decoding: InferenceClient;
  beforeAll(async () => {
    const card = loadModelCard("tiny", options.models[0].path);
    [plain, decoding] = await Promise.all([
      InferenceClient.start(options),
      InferenceClient.start(options, new Map([["tiny", (ids: number[]) => card.decode(ids)]])),
    ]);
  });
  afterAll(() => Promise.all([plain.close(), decoding.close()]));

  /** Every message for each request, from one client: all submitted at once. */
  const runAll = (client: InferenceClient, requests: GenerationRequest[]) =>
    Promise.all(
      requests.map((r) => {
        const done = outcome(client, r.id);
        client.submit(r);
        return done;
      }),
    );

  it("streams and finishes with the text the thread decodes itself; listeners never see token ids", async () => {
    const requests = [
      request("ids-a"),
      request("ids-b", { promptIds: [1, 50, 51], maxTokens: 20 }),
      request("ids-eos", { promptIds: [1, 7, 8, 9], maxTokens: 40, ignoreEos: false }),
      // Stop strings need the text in the engine: decoded there, as without decoders.
      request("ids-stop", { maxTokens: 30, stop: ["e"] }),
    ];
    const [expected, actual] = [await runAll(plain, requests), await runAll(decoding, requests)];
    const texts = (messages: FromThreadMessage[]) => ({
      types: [...new Set(messages.map((m) => m.type))],
      deltas: messages.filter((m) => m.type === "delta").map((m) => (m as { text: string }).text).join(""),
      finished: messages.at(-1),
    });
    for (let i = 0; i < requests.length; i++) {
      const want = texts(expected[i]);
      const got = texts(actual[i]);
      expect(got.types).not.toContain("tokens");
      expect(got.finished).toEqual(want.finished);
      expect(got.deltas).toBe(want.deltas);
      expect(got.deltas).toBe((got.finished as { text: string }).text);
    }
    expect((expected[0].at(-1) as { text: string }).text.length).toBeGreaterThan(0);
  });

  it("a canceled job keeps the text of its ids so far", async () => {
    const long = outcome(decoding, "ids-long");
    const stopOnDelta = decoding.subscribe((m) => m.type === "delta" && m.id === "ids-long" && m.tokens >= 3 && decoding.cancel("ids-long"));
    decoding.submit(request("ids-long", { maxTokens: 2000 }));
    const messages = await long;
    stopOnDelta();
    const finished = messages.at(-1) as Extract<FromThreadMessage, { type: "finished" }>;
    expect(finished.finishReason).toBe("canceled");
    const deltas = messages.filter((m) => m.type === "delta").map((m) => (m as { text: string }).text).join("");
    expect(finished.text.startsWith(deltas)).toBe(true);
    expect(finished.text.length).toBeGreaterThan(0);
  });
});

describe("InferenceClient start failures", () => {
  it('rejects device "cuda" on a host without the CUDA provider, saying how to install it', async () => {
    const started = InferenceClient.start({ ...options, device: "cuda" }).then(
      async (client) => {
        await client.close();
        return null; // a CUDA host: nothing to assert
      },
      (error: Error) => error,
    );
    const error = await started;
    if (error) expect(error.message).toMatch(/CUDA execution provider could not be loaded.*ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci.*CUDA 12 and cuDNN 9/);
  });

  it("rejects a missing model file, naming it", async () => {
    await expect(InferenceClient.start({ ...options, dtype: "q4" })).rejects.toThrow(/onnx\/model_q4\.onnx/);
  });
});

describe("InferenceClient under the tsx CLI", () => {
  it("spawns the same thread from a process started by tsx", async () => {
    const dir = await mkdtemp(join(tmpdir(), "genq-tsx-"));
    try {
      const script = join(dir, "generate.mts");
      const clientUrl = pathToFileURL(join(repoRoot, "worker/thread/inference-client.ts")).href;
      await writeFile(
        script,
        `import { InferenceClient } from ${JSON.stringify(clientUrl)};
const client = await InferenceClient.start(JSON.parse(process.argv[2]));
const done = new Promise((resolve) => client.subscribe((m) => m.type === "finished" && resolve(m)));
client.submit(${JSON.stringify(request("tsx"))});
process.stdout.write(JSON.stringify(await done));
await client.close();
`,
      );
      const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
      const { stdout } = await promisify(execFile)(tsx, [script, JSON.stringify(options)], { cwd: repoRoot, timeout: 30_000 });
      expect(JSON.parse(stdout)).toMatchObject({ type: "finished", id: "tsx", completionTokens: 12 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
