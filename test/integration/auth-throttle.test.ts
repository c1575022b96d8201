// Failed authentication over two API processes sharing one Redis: wrong admin keys are throttled
// per source address and globally (429 AUTH_THROTTLED, even for the right key once throttled),
// bad API keys per source (valid keys never wait), and every failure and admin request is
// logged with its source but never with the credential.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../shared/logger.ts";
import { ADMIN_FAILURES_GLOBAL, ADMIN_FAILURES_PER_SOURCE, API_KEY_FAILURES_PER_SOURCE } from "../../api/middleware/auth-failures.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi, type TestResponse } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";

const ADMIN_KEY = "test-admin-key-0123456789abcdef";
let env: TestEnv;
let apis: TestApi[];
let log: string[];

/** A request as @hono/node-server hands it over: the socket's peer address in c.env. */
function from(source: string, api: TestApi, path: string, key: string): Promise<TestResponse> {
  const incoming = { socket: { remoteAddress: source } };
  return Promise.resolve(api.app.request(path, { headers: { authorization: `Bearer ${key}` } }, { incoming })) as Promise<TestResponse>;
}

beforeEach(async () => {
  env = await createTestEnv({ GENQ_ADMIN_KEY: ADMIN_KEY });
  log = [];
  const logger = createLogger("info", {}, (line) => log.push(line));
  apis = [await startTestApi(env.config, logger), await startTestApi(env.config, logger)];
});

afterEach(async () => {
  for (const api of apis ?? []) await api.close();
  await env?.cleanup();
});

describe("admin key guessing", () => {
  it("throttles one source across API processes, refuses even the right key then, and leaves other sources alone", async () => {
    for (let i = 0; i < ADMIN_FAILURES_PER_SOURCE; i++) {
      const res = await from("203.0.113.5", apis[i % 2], "/v1/admin/keys", `wrong-admin-key-guess-${i}`);
      await expectProblem(res, 401, "UNAUTHORIZED");
    }
    const throttled = await from("203.0.113.5", apis[0], "/v1/admin/keys", ADMIN_KEY);
    await expectProblem(throttled, 429, "AUTH_THROTTLED");
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await from("203.0.113.6", apis[1], "/v1/admin/keys", ADMIN_KEY)).status).toBe(200);

    const failures = log.filter((line) => line.includes('"authentication failed"'));
    expect(failures).toHaveLength(ADMIN_FAILURES_PER_SOURCE);
    expect(failures.every((line) => line.includes('"source":"203.0.113.5"') && line.includes('"credential":"admin"'))).toBe(true);
    expect(log.join("\n")).not.toMatch(/wrong-admin-key-guess|test-admin-key/);
    expect(log.some((line) => line.includes('"admin request"') && line.includes('"source":"203.0.113.6"') && line.includes('"status":200'))).toBe(true);
  });

  it("throttles guesses spread over many sources by the global cap", async () => {
    for (let i = 0; i < ADMIN_FAILURES_GLOBAL; i++) {
      await expectProblem(await from(`198.51.100.${i}`, apis[i % 2], "/v1/admin/keys", `guess-${i}-xxxxxxxxxxxx`), 401, "UNAUTHORIZED");
    }
    await expectProblem(await from("192.0.2.77", apis[0], "/v1/admin/keys", ADMIN_KEY), 429, "AUTH_THROTTLED");
  });
});

describe("API key failures", () => {
  it("throttles a source sending bad keys, while a valid key from it still works", async () => {
    const created = await Promise.resolve(
      apis[0].app.request("/v1/admin/keys", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "client" }),
      }),
    );
    const { key } = (await created.json()) as { key: string };
    const bad = key.slice(0, -4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA");
    for (let i = 0; i < API_KEY_FAILURES_PER_SOURCE; i++) {
      await expectProblem(await from("203.0.113.9", apis[i % 2], "/v1/jobs", bad), 401, "UNAUTHORIZED");
    }
    await expectProblem(await from("203.0.113.9", apis[0], "/v1/jobs", bad), 429, "AUTH_THROTTLED");
    expect((await from("203.0.113.9", apis[1], "/v1/jobs", key)).status).toBe(200);
    expect(log.join("\n")).not.toContain(bad.slice(-43));
  });
});
