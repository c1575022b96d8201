// Startup against a broken environment: the real entries (api, worker, npm start) print ONE line
// on stderr saying what is wrong and how to fix it, and exit non-zero; no stack trace, no
// `[ioredis] Unhandled error event` spam, no hang.
import { spawn } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../shared/store/sqlite/sqlite-database.ts";
import { freePort } from "../../scripts/redis-server-process.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { POSTGRES_SERVER_URL } from "../harness/postgres-database.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ENTRIES = { api: "api/node.ts", worker: "worker/index.ts", start: "scripts/start.ts" } as const;
/** Generous: tsx start-up on a loaded 2-core machine plus the 5 s Redis wait. */
const EXIT_WITHIN_MS = 45_000;

let env: TestEnv;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  env = await createTestEnv({ GENQ_LOG_LEVEL: "error" });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) cleanup();
  await env?.cleanup();
});

interface Exit {
  code: number | null;
  lines: string[];
}

function runEntry(entry: keyof typeof ENTRIES, overrides: Record<string, string>, options: { uid?: number } = {}): Promise<Exit> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRIES[entry]], {
    cwd: ROOT,
    env: { ...process.env, ...env.env, ...overrides },
    stdio: ["ignore", "ignore", "pipe"],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${entry} did not exit within ${EXIT_WITHIN_MS} ms; stderr: ${stderr.slice(-1000)}`));
    }, EXIT_WITHIN_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, lines: stderr.split("\n").filter((l) => l.trim() !== "") });
    });
  });
}

function expectOneLine(exit: Exit, entry: string, pattern: RegExp): void {
  expect(exit.code).not.toBe(0);
  expect(exit.lines).toHaveLength(1);
  expect(exit.lines[0]).toMatch(new RegExp(`^genq ${entry}: `));
  expect(exit.lines[0]).toMatch(pattern);
  expect(exit.lines[0]).toMatch(/Fix: /);
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe.concurrent("Redis unreachable", () => {
  for (const entry of ["worker", "api", "start"] as const) {
    it(`${entry}: names the Redis URL and exits`, async () => {
      const url = `redis://127.0.0.1:${await freePort()}`;
      expectOneLine(await runEntry(entry, { REDIS_URL: url, GENQ_DATA_DIR: tempDir("genq-nr-") }), entry, new RegExp(`Redis at ${url} is not reachable`));
    });
  }
});

describe.concurrent("PostgreSQL (GENQ_DATABASE_URL) unusable", () => {
  it("api: an unreachable server is named (password hidden) and the entry exits", async () => {
    const url = `postgres://genq:hunter2@127.0.0.1:${await freePort()}/genq`;
    const exit = await runEntry("api", { GENQ_DATABASE_URL: url, GENQ_DATA_DIR: tempDir("genq-pg-") });
    expectOneLine(exit, "api", /PostgreSQL database at postgres:\/\/genq@127\.0\.0\.1:\d+\/genq is not reachable \(ECONNREFUSED/);
    expect(exit.lines[0]).not.toContain("hunter2");
  });

  it("worker: a database that does not exist is named", async () => {
    const url = `${POSTGRES_SERVER_URL.replace(/\/[^/]*$/, "")}/genq_missing_${process.pid}`;
    const exit = await runEntry("worker", { GENQ_DATABASE_URL: url, GENQ_DATA_DIR: tempDir("genq-pg-") });
    expectOneLine(exit, "worker", /PostgreSQL database at .*genq_missing_\d+ does not exist/);
  });

  it("a malformed URL is a configuration error", async () => {
    const exit = await runEntry("api", { GENQ_DATABASE_URL: "mysql://db/genq" });
    expectOneLine(exit, "api", /invalid configuration: GENQ_DATABASE_URL: must start with postgres:\/\//);
  });
});

it("bad config values: lists every bad key", async () => {
  const exit = await runEntry("worker", { GENQ_PORT: "http", GENQ_MAX_BATCH: "0" });
  expectOneLine(exit, "worker", /invalid configuration: GENQ_PORT: .*; GENQ_MAX_BATCH: /);
});

it("missing model folder: names the model and the path", async () => {
  const exit = await runEntry("worker", { GENQ_MODELS: "tiny=/nonexistent/model" });
  expectOneLine(exit, "worker", /model "tiny" at \/nonexistent\/model cannot be loaded .*config\.json/);
});

it("missing tokenizer.json: names the file", async () => {
  const dir = tempDir("genq-notok-");
  cpSync(await tinyModelDir(), dir, { recursive: true });
  rmSync(join(dir, "tokenizer.json"));
  const exit = await runEntry("api", { GENQ_MODELS: `tiny=${dir}` });
  expectOneLine(exit, "api", /model "tiny" .* cannot be loaded .*tokenizer\.json: no such file/);
});

it("port in use: says which and how to fix it", async () => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => server.close());
  const port = (server.address() as { port: number }).port;
  const exit = await runEntry("start", { GENQ_PORT: String(port) });
  expectOneLine(exit, "start", /port is already in use .*GENQ_PORT/);
});

it("read-only SQLite file: refuses to start instead of failing every submit", async () => {
  const dataDir = tempDir("genq-ro-");
  openDatabase(join(dataDir, "genq.db")).$client.close();
  chmodSync(join(dataDir, "genq.db"), 0o444);
  // Root writes through file modes: run the entry as nobody then (the data dir stays writable, as in the report).
  chmodSync(dataDir, 0o777);
  const asRoot = process.getuid?.() === 0;
  // nobody must be able to reach the checkout: a clone under a 0700 folder (e.g. /root) would stop it
  // before genq runs. Grant traversal (o+x only, no listing) on the ancestors for this test, then restore.
  const restore = asRoot ? grantTraversal(ROOT) : [];
  try {
    const exit = await runEntry("api", { GENQ_DATA_DIR: dataDir }, { uid: asRoot ? 65_534 : undefined });
    expectOneLine(exit, "api", /SQLite database cannot be used \(SQLITE_READONLY/);
  } finally {
    for (const [path, mode] of restore) chmodSync(path, mode);
  }
});

/** Adds o+x to `path` and each folder above it that lacks it; returns [folder, old mode] to restore. */
function grantTraversal(path: string): Array<[string, number]> {
  const changed: Array<[string, number]> = [];
  for (let dir = path; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      changed.push([dir, mode]);
    }
    if (dirname(dir) === dir) return changed;
  }
}
