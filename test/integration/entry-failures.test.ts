// A wrong environment stops `npm run api` / `npm run worker` with one clear message and exit 1,
// never a stack trace: bad settings, and the default model not built yet (fresh clone).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "genq-entry-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function run(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ["--import", "tsx", entry], { cwd: ROOT, env: { ...process.env, GENQ_LOG_LEVEL: "error", ...env }, timeout: 60_000 }, (_error, _stdout, stderr) =>
      resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe("entries in a wrong environment", () => {
  it("list bad settings and exit 1", async () => {
    const { code, stderr } = await run("worker/index.ts", { GENQ_PORT: "http", GENQ_DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^genq worker: invalid configuration: GENQ_PORT: must be a whole number\. Fix: .*\n$/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("say how to build the default model when it is missing", async () => {
    for (const entry of ["worker/index.ts", "api/node.ts"]) {
      const { code, stderr } = await run(entry, { GENQ_DATA_DIR: dataDir, REDIS_URL: inject("redisUrl"), GENQ_PORT: "0", GENQ_MODELS: "" });
      expect(code, entry).toBe(1);
      const line = stderr.trim().split("\n").pop()!;
      expect(line).toMatch(/^genq (worker|api): model "tiny" at .*models\/tiny cannot be loaded \(cannot read .*config\.json.*npm start once builds the default model, or npm run model:build -- --preset tiny --out /);
      expect(stderr).not.toMatch(/^\s+at /m);
    }
  });
});
