// A model whose ONNX file is corrupt passes the startup checks (the file exists) but cannot load:
// its jobs fail with ENGINE_ERROR naming the model, the worker keeps serving its other models, and
// GET /v1/models keeps it `unloaded`.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { modelObject } from "../harness/model-states.ts";
import { isTerminalJob } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

let stack: TestStack;
let brokenDir: string;

beforeAll(async () => {
  const good = await tinyModelDir();
  brokenDir = mkdtempSync(join(tmpdir(), "genq-broken-model-"));
  cpSync(good, brokenDir, { recursive: true });
  writeFileSync(join(brokenDir, "onnx", "model.onnx"), "not an onnx graph");
  stack = await startTestStack({ GENQ_MODELS: `good=${good},broken=${brokenDir}` });
});

afterAll(async () => {
  await stack?.close();
  rmSync(brokenDir, { recursive: true, force: true });
});

it("fails the jobs of a model that cannot load and keeps serving the others", async () => {
  const submit = async (model: string) => (await (await stack.api.post("/v1/jobs", { model, prompt: "Hi", max_tokens: 3 })).json()).id as string;
  const broken = await stack.api.waitFor(await submit("broken"), isTerminalJob);
  expect(broken.status).toBe("failed");
  expect(broken.error).toEqual({ code: "ENGINE_ERROR", message: expect.stringMatching(/^model "broken" could not be loaded: /) });
  const good = await stack.api.waitFor(await submit("good"), isTerminalJob);
  expect(good.status).toBe("succeeded");
  expect(await modelObject(stack.api, "broken")).toMatchObject({ state: "unloaded", workers: [], load_seconds: null });
  expect((await modelObject(stack.api, "good")).state).toBe("loaded");
});
