// Safe by default: which startups may serve without API keys, the refusal to serve an open API
// on a non-loopback address (in-process and through the real entries), the admin API's absence
// without GENQ_ADMIN_KEY, and the keys CLI.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { resolveAuthPolicy } from "../../api/auth/auth-policy.ts";
import { ConfigError } from "../../shared/config.ts";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { openStore } from "../../shared/store/open-store.ts";
import { createLogger } from "../../shared/logger.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi } from "../harness/test-api.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function testEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const env = await createTestEnv(overrides);
  cleanups.push(() => env.cleanup());
  return env;
}

async function serve(env: TestEnv, lines: string[] = []): Promise<ApiHandle> {
  const api = await startApi(env.config, createLogger("warn", {}, (line) => lines.push(line)));
  cleanups.push(() => api.close());
  return api;
}

async function issueKeyOnDisk(env: TestEnv): Promise<string> {
  const store = await openStore(env.config);
  try {
    return (await issueApiKey(store.apiKeys, { name: "disk" })).key;
  } finally {
    await store.close();
  }
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("resolveAuthPolicy", () => {
  it.each([
    [undefined, "127.0.0.1", 0, "until-first-key"],
    [undefined, "localhost", 0, "until-first-key"],
    [undefined, "::1", 0, "until-first-key"],
    [undefined, "0.0.0.0", 1, "never"],
    [undefined, "127.0.0.1", 1, "never"],
    ["on", "127.0.0.1", 0, "never"],
    ["on", "0.0.0.0", 0, "never"],
    ["off", "0.0.0.0", 0, "always"],
    ["off", "10.1.2.3", 5, "always"],
  ] as const)("GENQ_AUTH=%s on %s with %i keys: %s", (auth, host, keys, open) => {
    expect(resolveAuthPolicy({ auth, host }, keys).open).toBe(open);
  });

  it.each(["0.0.0.0", "::", "10.0.0.5", "example.com", "127.0.0.1.nip.io"])("refuses an open API on %s", (host) => {
    expect(() => resolveAuthPolicy({ auth: undefined, host }, 0)).toThrow(ConfigError);
    expect(() => resolveAuthPolicy({ auth: undefined, host }, 0)).toThrow(/not a loopback address.*GENQ_AUTH=off/s);
  });
});

describe("API startup", () => {
  it("refuses to serve on 0.0.0.0 without keys", async () => {
    const env = await testEnv({ GENQ_HOST: "0.0.0.0" });
    await expect(serve(env)).rejects.toThrow(/GENQ_HOST: 0\.0\.0\.0 is not a loopback address/);
  });

  it("serves on 0.0.0.0 once a key exists, and requires it", async () => {
    const env = await testEnv({ GENQ_HOST: "0.0.0.0" });
    const key = await issueKeyOnDisk(env);
    const api = await serve(env);
    const url = `http://127.0.0.1:${api.port}/v1/jobs`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it("serves on 0.0.0.0 open only with GENQ_AUTH=off, and says so", async () => {
    const env = await testEnv({ GENQ_HOST: "0.0.0.0", GENQ_AUTH: "off" });
    const lines: string[] = [];
    const api = await serve(env, lines);
    expect((await fetch(`http://127.0.0.1:${api.port}/v1/jobs`)).status).toBe(200);
    expect(lines.join("\n")).toMatch(/GENQ_AUTH=off/);
  });

  it("logs that the loopback quick start is open", async () => {
    const lines: string[] = [];
    await serve(await testEnv(), lines);
    expect(lines.join("\n")).toMatch(/no API keys exist/);
  });

  it("with GENQ_AUTH=on requires keys even before any exists; the admin API issues the first", async () => {
    const env = await testEnv({ GENQ_AUTH: "on", GENQ_ADMIN_KEY: "admin-0123456789abcdef" });
    const api = await startTestApi(env.config);
    cleanups.push(() => api.close());
    expect((await api.get("/v1/jobs")).status).toBe(401);
    const created = await (await api.post("/v1/admin/keys", { name: "first" }, { authorization: "Bearer admin-0123456789abcdef" })).json();
    expect((await api.get("/v1/jobs", { authorization: `Bearer ${created.key}` })).status).toBe(200);
  });

  it("has no admin API without GENQ_ADMIN_KEY", async () => {
    const api = await startTestApi((await testEnv()).config);
    cleanups.push(() => api.close());
    const res = await api.get("/v1/admin/keys", { authorization: "Bearer anything-at-all-0123" });
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe("ROUTE_NOT_FOUND");
    expect((await api.post("/v1/admin/keys", { name: "x" })).status).toBe(404);
  });
});

describe("entries and CLI (real processes)", () => {
  it("npm run api and npm start refuse an open non-loopback bind with a clear message", async () => {
    // Separate data dirs: two processes migrating one fresh database at once is another test's topic.
    const [apiEnv, startEnv] = await Promise.all([testEnv({ GENQ_HOST: "0.0.0.0" }), testEnv({ GENQ_HOST: "0.0.0.0" })]);
    const [api, start] = await Promise.all([run(["api/node.ts"], apiEnv.env), run(["scripts/start.ts"], startEnv.env)]);
    for (const result of [api, start]) {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/GENQ_HOST: 0\.0\.0\.0 is not a loopback address and no API keys exist/);
    }
  });

  it("creates, lists and revokes keys; the key works until revoked", async () => {
    const env = await testEnv();
    const created = await run(["scripts/keys.ts", "create", "ci", "runner", "--tenant", "acme"], env.env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^gq_live_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const id = /created (key_[0-9A-Z]{26})/.exec(created.stderr)![1];

    const listed = await run(["scripts/keys.ts", "list"], env.env);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("ci runner");
    expect(listed.stdout).toContain("acme");
    expect(listed.stdout).not.toContain(key.slice(-43));

    const api = await startTestApi(env.config);
    cleanups.push(() => api.close());
    expect((await api.get("/v1/jobs", { authorization: `Bearer ${key}` })).status).toBe(200);
    const revoked = await run(["scripts/keys.ts", "revoke", id], env.env);
    expect(revoked.code).toBe(0);
    expect((await api.get("/v1/jobs", { authorization: `Bearer ${key}` })).status).toBe(401);
    expect((await run(["scripts/keys.ts", "revoke", "nope"], env.env)).code).toBe(2);
  });
});
