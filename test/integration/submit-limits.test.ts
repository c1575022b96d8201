// Per-tenant fair use on POST /v1/jobs: the submit rate (429 RATE_LIMITED + Retry-After), the
// queued-or-running cap under 50 concurrent submits (429 QUOTA_EXCEEDED), and size limits.
// Every refusal leaves no row and no queue entry. Refill is shown by rewinding the bucket's
// clock in Redis (not by sleeping), so a slow machine cannot refill a token mid-test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { issueKey, rowCount, startTestApi, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";

interface Setup {
  env: TestEnv;
  api: TestApi;
}

async function setUp(overrides: Record<string, string>): Promise<Setup> {
  const env = await createTestEnv(overrides);
  return { env, api: await startTestApi(env.config) };
}

async function issue(api: TestApi, name: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await issueKey(api, name)}` };
}

async function stored(api: TestApi): Promise<{ rows: number; queued: number }> {
  const rows = await rowCount(api);
  const counts = await api.nodeDeps.deps.queue.counts();
  const queued = Object.values(counts).reduce((sum, states) => sum + Object.values(states).reduce((a, b) => a + b, 0), 0);
  return { rows, queued };
}


const job = { prompt: "hi", max_tokens: 1 };

describe("submit rate (token bucket in Redis)", () => {
  let s: Setup;
  // One token per 20 s: nothing refills while a test runs, however slow the machine.
  const TOKEN_MS = 20_000;
  beforeAll(async () => {
    s = await setUp({ GENQ_RATE_LIMIT_PER_SECOND: "0.05", GENQ_RATE_LIMIT_BURST: "3" });
  });
  afterAll(async () => {
    await s?.api.close();
    await s?.env.cleanup();
  });

  it("allows a burst, then answers 429 with Retry-After and stores nothing; other tenants are unaffected", async () => {
    const alice = await issue(s.api, "alice");
    const bob = await issue(s.api, "bob");
    for (let i = 0; i < 3; i++) expect((await s.api.post("/v1/jobs", job, alice)).status).toBe(202);
    const before = await stored(s.api);
    const limited = await s.api.post("/v1/jobs", job, alice);
    await expectProblem(limited, 429, "RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Even a bad body is refused by the limiter first: a flood of junk costs no parsing.
    await expectProblem(await s.api.post("/v1/jobs", "{oops", alice), 429, "RATE_LIMITED");
    expect(await stored(s.api)).toEqual(before);
    expect(before).toEqual({ rows: 3, queued: 3 });

    expect((await s.api.post("/v1/jobs", job, bob)).status).toBe(202);
    // Reads are not rate limited.
    expect((await s.api.get("/v1/jobs", alice)).status).toBe(200);
  });

  it("refills at the configured rate", async () => {
    const { row, key } = await issueApiKey(s.api.nodeDeps.deps.store.apiKeys, { name: "carol" });
    const carol = { authorization: `Bearer ${key}` };
    for (let i = 0; i < 3; i++) expect((await s.api.post("/v1/jobs", job, carol)).status).toBe(202);
    const limited = await s.api.post("/v1/jobs", job, carol);
    expect(limited.status).toBe(429);
    // Retry-After is the time to the next token (a little less than 20 s once some has passed).
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(TOKEN_MS / 2000);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(TOKEN_MS / 1000);
    // One token's worth of time passes (the bucket's last-refill time moves back by it).
    const redis = new Redis(s.env.config.redisUrl!);
    const bucket = `${s.env.config.queuePrefix}:ratelimit:${row.tenantId}`;
    await redis.hset(bucket, "ts", String(Number(await redis.hget(bucket, "ts")) - TOKEN_MS));
    redis.disconnect();
    expect((await s.api.post("/v1/jobs", job, carol)).status).toBe(202);
    expect((await s.api.post("/v1/jobs", job, carol)).status).toBe(429);
  });
});

describe("queued-or-running cap and size limits", () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp({
      GENQ_RATE_LIMIT_PER_SECOND: "0",
      GENQ_MAX_ACTIVE_JOBS_PER_TENANT: "10",
      GENQ_MAX_TOKENS_LIMIT: "8",
      GENQ_MAX_PROMPT_CHARS: "50",
    });
  });
  afterAll(async () => {
    await s?.api.close();
    await s?.env.cleanup();
  });

  it("admits exactly the cap out of 50 concurrent submits", async () => {
    const alice = await issue(s.api, "alice");
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => s.api.post("/v1/jobs", { prompt: `p${i}`, max_tokens: 1 }, alice)));
    const accepted = answers.filter((r) => r.status === 202);
    const refused = answers.filter((r) => r.status === 429);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const res of refused) {
      expect((await res.json()).code).toBe("QUOTA_EXCEEDED");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(await stored(s.api)).toEqual({ rows: 10, queued: 10 });

    // Another tenant has its own cap.
    const bob = await issue(s.api, "bob");
    expect((await s.api.post("/v1/jobs", job, bob)).status).toBe(202);

    // A finished (here: canceled) job frees a slot.
    const first = await accepted[0].json();
    expect((await s.api.post(`/v1/jobs/${first.id}/cancel`, "", alice)).status).toBe(200);
    expect((await s.api.post("/v1/jobs", job, alice)).status).toBe(202);
    await expectProblem(await s.api.post("/v1/jobs", job, alice), 429, "QUOTA_EXCEEDED");
  });

  it("refuses max_tokens and prompts over the configured limits with 400 (retrying cannot help)", async () => {
    const carol = await issue(s.api, "carol");
    const before = await stored(s.api);
    const tooMany = await expectProblem(await s.api.post("/v1/jobs", { prompt: "x", max_tokens: 9 }, carol), 400, "VALIDATION_FAILED");
    expect(tooMany.errors).toEqual([{ field: "max_tokens", message: expect.stringContaining("8") }]);
    const longPrompt = await expectProblem(await s.api.post("/v1/jobs", { prompt: "x".repeat(51) }, carol), 400, "VALIDATION_FAILED");
    expect(longPrompt.errors[0].field).toBe("prompt");
    const messages = [
      { role: "system", content: "y".repeat(30) },
      { role: "user", content: "z".repeat(30) },
    ];
    expect((await s.api.post("/v1/jobs", { messages, max_tokens: 1 }, carol)).status).toBe(400);
    expect(await stored(s.api)).toEqual(before);
    expect((await s.api.post("/v1/jobs", { prompt: "x".repeat(50), max_tokens: 8 }, carol)).status).toBe(202);
  });
});
