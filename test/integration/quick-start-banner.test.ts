// `npm start`'s ready line, run as printed: before any key the curl works without one; once a
// key exists it carries `Authorization: Bearer $GENQ_API_KEY` (a placeholder, never the key)
// and works with that variable set. Real process, real curl, real shell.
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { openStore } from "../../shared/store/open-store.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let env: TestEnv;

/** Runs the banner's curl as a shell would, while a second start serves it. */
async function runPrinted(command: string, extraEnv: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", ["-c", `${command} -o /dev/null -w '%{http_code}'`], { env: { ...process.env, ...extraEnv } });
  return stdout;
}

async function withServer<T>(use: (banner: string[]) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { cwd: ROOT, env: { ...process.env, ...env.env }, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (/\n {2}try: .*\n/.test(out)) resolve();
      });
      child.once("exit", (code) => reject(new Error(`npm start exited (${code})`)));
    });
    return await use(out.trim().split("\n"));
  } finally {
    child.kill("SIGINT");
    await exited;
  }
}

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

describe("npm start's ready line", () => {
  it("prints a curl that works as printed, before and after the first key", async () => {
    await withServer(async (banner) => {
      const curl = banner.find((l) => l.startsWith("  try: "))!.slice(7);
      expect(curl).not.toMatch(/authorization/i);
      expect(await runPrinted(curl)).toBe("202");
    });

    const store = await openStore(env.config);
    const { key } = await issueApiKey(store.apiKeys, { name: "banner test" });
    await store.close();

    await withServer(async (banner) => {
      const curl = banner.find((l) => l.startsWith("  try: "))!.slice(7);
      expect(curl).toContain(`-H "Authorization: Bearer $GENQ_API_KEY"`);
      expect(banner.join("\n")).not.toContain(key);
      expect(await runPrinted(curl, { GENQ_API_KEY: key })).toBe("202");
      expect(await runPrinted(curl, { GENQ_API_KEY: "" })).toBe("401");
    });
  });
});
