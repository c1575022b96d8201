// The inference thread for real: InferenceClient spawns the .ts thread entry under vitest and under
// the tsx CLI (how `npm run worker` starts), generates, cancels, streams, and reports init failures.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceClient } from "../../worker/thread/inference-client.ts";
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
