// The `genq` command (bin/genq.mjs) run as a real process against a running genq: batch submit
// --wait --out (plain progress lines when not on a TTY), status, cancel's refusal, jobs submit
// --wait, and one clear line when the server cannot be reached.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { startWorker, type WorkerHandle } from "../../worker/worker-runtime.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { batchFile } from "../harness/batch-files.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let env: TestEnv;
let api: ApiHandle;
let worker: WorkerHandle;
let dir: string;

beforeAll(async () => {
  env = await createTestEnv();
  api = await startApi(env.config, createLogger("error"));
  worker = await startWorker(env.config, createLogger("error"));
  dir = mkdtempSync(join(tmpdir(), "genq-cli-"));
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function genq(args: string[], url = api.url): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/genq.mjs", ...args], { cwd: ROOT, env: { ...process.env, GENQ_URL: url, GENQ_API_KEY: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

it("batch submit --wait --out writes every result; status reports it; cancel of a finished batch is refused", async () => {
  const input = join(dir, "docs.jsonl");
  const out = join(dir, "results.jsonl");
  writeFileSync(input, batchFile(30));
  const submitted = await genq(["batch", "submit", input, "--wait", "--out", out]);
  expect(submitted.stderr).toMatch(/\d+\/30 done, 0 failed, [\d.]+ tokens\/s, ETA/);
  expect(submitted.code).toBe(0);
  const id = submitted.stdout.split("\n")[0];
  expect(id).toMatch(/^batch_/);
  expect(submitted.stdout).toContain(`${id} completed: 30/30 completed, 0 failed`);
  const results = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { custom_id: string; response: { status_code: number } });
  expect(results.map((r) => r.custom_id).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `req-${i}`).sort());
  expect(results.every((r) => r.response.status_code === 200)).toBe(true);

  const status = await genq(["batch", "status", id]);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(new RegExp(`^${id} completed: 30/30 completed, 0 failed; output file-`));
  const cancel = await genq(["batch", "cancel", id]);
  expect(cancel.code).toBe(1);
  expect(cancel.stderr).toMatch(/HTTP 409: batch is already completed/);
}, 120_000);

it("jobs submit --wait prints the generated text", async () => {
  const run = await genq(["jobs", "submit", "Once upon a time", "--max-tokens", "5", "--temperature", "0", "--wait"]);
  expect(run.code).toBe(0);
  expect(run.stdout.length).toBeGreaterThan(1);
}, 60_000);

it("an unreachable server is one clear line and exit 1", async () => {
  const run = await genq(["batch", "status", "batch_x"], "http://127.0.0.1:9");
  expect(run.code).toBe(1);
  expect(run.stderr.trim().split("\n")).toHaveLength(1);
  expect(run.stderr).toMatch(/^genq: cannot reach genq at http:\/\/127\.0\.0\.1:9 .*set GENQ_URL/);
}, 60_000);
