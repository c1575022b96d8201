// GENQ_MAX_WAITERS_PER_TENANT over two API processes sharing one Redis: long-polls and SSE
// streams count together per tenant, the next one is refused with 429 TOO_MANY_WAITERS, other
// tenants and plain polls are unaffected, and a slot frees when its client leaves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { RedisWaiterSlots } from "../../shared/limits/redis-waiter-slots.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type JobJson, type TestApi, type TestResponse } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { eventually } from "../harness/webhook-receiver.ts";

const ADMIN_KEY = "test-admin-key-0123456789abcdef";
let env: TestEnv;
let apiA: TestApi;
let apiB: TestApi;
let alice: string;
let bob: string;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const held = () => [apiA, apiB].reduce((sum, api) => sum + (api.nodeDeps.deps.waiters as RedisWaiterSlots).heldCount, 0);
const request = (api: TestApi, path: string, key: string, signal?: AbortSignal) =>
  Promise.resolve(api.app.request(path, { headers: bearer(key), signal })) as Promise<TestResponse>;

async function submit(key: string): Promise<string> {
  const res = await apiA.post("/v1/jobs", { prompt: "hi", max_tokens: 1 }, bearer(key));
  expect(res.status).toBe(202);
  return (await res.json()).id;
}

beforeAll(async () => {
  env = await createTestEnv({ GENQ_ADMIN_KEY: ADMIN_KEY, GENQ_MAX_WAITERS_PER_TENANT: "3" });
  apiA = await startTestApi(env.config);
  apiB = await startTestApi(env.config);
  const issue = async (name: string) => ((await (await apiA.post("/v1/admin/keys", { name }, bearer(ADMIN_KEY))).json()) as JobJson).key as string;
  alice = await issue("alice");
  bob = await issue("bob");
});

afterAll(async () => {
  await apiA?.close();
  await apiB?.close();
  await env?.cleanup();
});

describe("open waiters per tenant", () => {
  it("counts long-polls and streams across API processes, refuses the next, and frees a slot when a client leaves", async () => {
    // No worker runs: the job stays queued, so every waiter stays open until its client leaves.
    const id = await submit(alice);
    const polls = [new AbortController(), new AbortController()];
    const pending = [
      request(apiA, `/v1/jobs/${id}?wait=30`, alice, polls[0].signal).catch(() => undefined),
      request(apiB, `/v1/jobs/${id}?wait=30`, alice, polls[1].signal).catch(() => undefined),
    ];
    const stream = await request(apiB, `/v1/jobs/${id}/events`, alice);
    expect(stream.status).toBe(200);
    await eventually(() => held() === 3, 5_000, "three open waiters");

    const refused = await request(apiA, `/v1/jobs/${id}?wait=1`, alice);
    await expectProblem(refused, 429, "TOO_MANY_WAITERS");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(await request(apiA, `/v1/jobs/${id}/events`, alice), 429, "TOO_MANY_WAITERS");
    // The oldest keep going; a plain poll is not a waiter; another tenant has its own slots.
    expect(held()).toBe(3);
    expect((await request(apiA, `/v1/jobs/${id}`, alice)).status).toBe(200);
    const bobsJob = await submit(bob);
    expect((await request(apiB, `/v1/jobs/${bobsJob}?wait=0.05`, bob)).status).toBe(200);

    polls[0].abort();
    await eventually(() => held() === 2, 5_000, "the aborted long-poll's slot freed");
    expect((await request(apiA, `/v1/jobs/${id}?wait=0.05`, alice)).status).toBe(200);
    await stream.body!.cancel();
    await eventually(() => held() === 1, 5_000, "the closed stream's slot freed");
    polls[1].abort();
    await Promise.all(pending);
    await eventually(() => held() === 0, 5_000, "all slots freed");
  });
});

describe("leased slots", () => {
  it("keeps a slot while its holder renews it, and frees it once the holder stops (a crashed API process)", async () => {
    const connection = new Redis(env.config.redisUrl!);
    const prefix = `${env.config.queuePrefix}:lease`;
    const alive = new RedisWaiterSlots({ connection, prefix, maxPerTenant: 1, leaseMs: 1_500 });
    const other = new RedisWaiterSlots({ connection, prefix, maxPerTenant: 1, leaseMs: 1_500 });
    try {
      const held = await alive.acquire("t");
      expect(held.granted).toBe(true);
      // Several leases pass while it renews: the slot is still taken.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await other.acquire("t")).toMatchObject({ granted: false, open: 1 });
      // The holder dies without releasing: the lease runs out and the slot frees itself.
      alive.close();
      const next = await eventually(async () => {
        const grant = await other.acquire("t");
        return grant.granted ? grant : undefined;
      }, 5_000, "the dead holder's slot");
      next.release();
    } finally {
      alive.close();
      other.close();
      connection.disconnect();
    }
  });
});
