// API keys and tenancy over the real app: the admin API, 401s for every bad credential, and one
// tenant never seeing (reading, listing, canceling, streaming) another tenant's jobs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type JobJson, type TestApi, type TestResponse } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { issueApiKey } from "../harness/admin-api.ts";

const ADMIN_KEY = "test-admin-key-0123456789abcdef";
let env: TestEnv;
let api: TestApi;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const del = (path: string, headers: Record<string, string> = {}) =>
  Promise.resolve(api.app.request(path, { method: "DELETE", headers })) as Promise<TestResponse>;


async function expectUnauthorized(res: TestResponse) {
  await expectProblem(res, 401, "UNAUTHORIZED");
  expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
}

const issueKey = (name: string, tenant?: string) => issueApiKey(api, ADMIN_KEY, name, tenant);

async function submit(key: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<JobJson> {
  const res = await api.post("/v1/jobs", { prompt: "hello", max_tokens: 2, ...body }, { ...bearer(key), ...headers });
  expect(res.status).toBe(202);
  return res.json();
}

beforeAll(async () => {
  env = await createTestEnv({ GENQ_ADMIN_KEY: ADMIN_KEY });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

let openJobId: string;
let alice: JobJson;
let bob: JobJson;

describe("before the first key (loopback quick start)", () => {
  it("answers without a key, as the open tenant", async () => {
    const res = await api.post("/v1/jobs", { prompt: "open", max_tokens: 1 });
    expect(res.status).toBe(202);
    openJobId = (await res.json()).id;
  });
});

describe("admin API", () => {
  it("refuses missing, wrong and tenant credentials", async () => {
    await expectUnauthorized(await api.get("/v1/admin/keys"));
    await expectUnauthorized(await api.get("/v1/admin/keys", bearer("x".repeat(ADMIN_KEY.length))));
    await expectUnauthorized(await api.get("/v1/admin/keys", bearer(ADMIN_KEY + "x")));
    await expectUnauthorized(await api.get("/v1/admin/keys", { authorization: `Basic ${btoa(`admin:${ADMIN_KEY}`)}` }));
    await expectUnauthorized(await api.post("/v1/admin/keys", { name: "x" }));
  });

  it("issues a key once, lists it without the secret, and validates the body", async () => {
    const res = await api.post("/v1/admin/keys", { name: "alice laptop" }, bearer(ADMIN_KEY));
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    alice = await res.json();
    expect(alice).toMatchObject({ object: "api_key", name: "alice laptop", tenant: alice.id, revoked_at: null });
    expect(alice.id).toMatch(/^key_[0-9A-Z]{26}$/);
    expect(alice.key).toMatch(new RegExp(`^gq_live_${alice.prefix}_[A-Za-z0-9_-]{43}$`));
    bob = await issueKey("bob");

    const list = await (await api.get("/v1/admin/keys", bearer(ADMIN_KEY))).json();
    expect(list.data.map((k: JobJson) => k.id)).toEqual(expect.arrayContaining([alice.id, bob.id]));
    const text = JSON.stringify(list);
    expect(text).not.toContain(alice.key);
    expect(text).not.toContain(alice.key.slice(-43));
    expect(text).not.toMatch(/secret|hash/i);

    await expectProblem(await api.post("/v1/admin/keys", {}, bearer(ADMIN_KEY)), 400, "VALIDATION_FAILED");
    await expectProblem(await api.post("/v1/admin/keys", { name: "a\nb" }, bearer(ADMIN_KEY)), 400, "VALIDATION_FAILED");
    await expectProblem(await api.post("/v1/admin/keys", { name: "x", tenant: "a b" }, bearer(ADMIN_KEY)), 400, "VALIDATION_FAILED");
    await expectProblem(await api.post("/v1/admin/keys", { name: "x", admin: true }, bearer(ADMIN_KEY)), 400, "VALIDATION_FAILED");
    await expectProblem(await del("/v1/admin/keys/key_01ARZ3NDEKTSV4RRFFQ69G5FAV", bearer(ADMIN_KEY)), 404, "API_KEY_NOT_FOUND");
    await expectProblem(await del("/v1/admin/keys/nope", bearer(ADMIN_KEY)), 404, "API_KEY_NOT_FOUND");
  });

  it("does not take a tenant key, and the admin key is not a tenant key", async () => {
    await expectUnauthorized(await api.get("/v1/admin/keys", bearer(alice.key)));
    await expectUnauthorized(await api.get("/v1/jobs", bearer(ADMIN_KEY)));
  });
});

describe("authentication", () => {
  it("requires a key once one exists", async () => {
    await expectUnauthorized(await api.post("/v1/jobs", { prompt: "x" }));
    await expectUnauthorized(await api.get("/v1/jobs"));
    // Unknown routes under /v1 do not reveal themselves to anonymous callers either.
    await expectUnauthorized(await api.get("/v1/nothing-here"));
  });

  it("refuses malformed, unknown, tampered and misplaced keys alike", async () => {
    const tampered = alice.key.slice(0, -1) + (alice.key.endsWith("A") ? "B" : "A");
    const unknown = `gq_live_${alice.prefix.replace(/./, (ch: string) => (ch === "0" ? "1" : "0"))}_${alice.key.slice(-43)}`;
    const attempts: Array<Record<string, string>> = [
      bearer(tampered),
      bearer(unknown),
      bearer("gq_live_short"),
      bearer(""),
      { authorization: alice.key },
      { authorization: `Token ${alice.key}` },
      { authorization: `Bearer ${alice.key} extra` },
      { "x-api-key": alice.key },
    ];
    for (const headers of attempts) {
      await expectUnauthorized(await api.get("/v1/jobs", headers));
    }
    await expectUnauthorized(await api.get(`/v1/jobs?api_key=${alice.key}`));
    expect((await api.get("/v1/jobs", { authorization: `bearer   ${alice.key}` })).status).toBe(200);
  });
});

describe("isolation between tenants", () => {
  let aliceJob: JobJson;
  let etag: string;

  beforeAll(async () => {
    const res = await api.post("/v1/jobs", { prompt: "alice's secret", max_tokens: 2, metadata: { doc: "a-1" } }, bearer(alice.key));
    aliceJob = await res.json();
    etag = res.headers.get("etag")!;
  });

  it("answers another tenant's job exactly like a job that does not exist", async () => {
    const missing = await expectProblem(await api.get("/v1/jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV", bearer(bob.key)), 404, "JOB_NOT_FOUND");
    const res = await api.get(`/v1/jobs/${aliceJob.id}`, bearer(bob.key));
    const other = await expectProblem(res, 404, "JOB_NOT_FOUND");
    expect({ ...other, detail: "" }).toEqual({ ...missing, detail: "" });
    expect(JSON.stringify(other)).not.toContain("alice");
    expect(res.headers.get("etag")).toBeNull();
    await expectProblem(await api.get(`/v1/jobs/${aliceJob.id}`, { ...bearer(bob.key), "if-none-match": etag }), 404, "JOB_NOT_FOUND");
    await expectProblem(await api.get(`/v1/jobs/${aliceJob.id}?wait=1`, bearer(bob.key)), 404, "JOB_NOT_FOUND");
    expect((await api.get(`/v1/jobs/${aliceJob.id}`, bearer(alice.key))).status).toBe(200);
  });

  it("cannot cancel or stream another tenant's job", async () => {
    await expectProblem(await api.post(`/v1/jobs/${aliceJob.id}/cancel`, "", bearer(bob.key)), 404, "JOB_NOT_FOUND");
    const events = await api.get(`/v1/jobs/${aliceJob.id}/events`, { ...bearer(bob.key), accept: "text/event-stream" });
    expect(events.status).toBe(404);
    expect(await events.text()).not.toContain("alice");
    expect((await (await api.get(`/v1/jobs/${aliceJob.id}`, bearer(alice.key))).json()).status).toBe("queued");
  });

  it("lists only the caller's own jobs, whatever the filter or cursor", async () => {
    const bobJob = await submit(bob.key);
    for (const query of ["", "?status=queued", `?after=job_7ZZZZZZZZZZZZZZZZZZZZZZZZZ`, "?limit=100"]) {
      const ids = (await (await api.get(`/v1/jobs${query}`, bearer(bob.key))).json()).data.map((j: JobJson) => j.id);
      expect(ids).toContain(bobJob.id);
      expect(ids).not.toContain(aliceJob.id);
      expect(ids).not.toContain(openJobId);
    }
  });

  it("scopes Idempotency-Key per tenant", async () => {
    const first = await submit(alice.key, { prompt: "same" }, { "idempotency-key": "shared-key-1" });
    const second = await submit(bob.key, { prompt: "same" }, { "idempotency-key": "shared-key-1" });
    expect(second.id).not.toBe(first.id);
    const other = await api.post("/v1/jobs", { prompt: "different", max_tokens: 2 }, { ...bearer(bob.key), "idempotency-key": "shared-key-1" });
    await expectProblem(other, 409, "IDEMPOTENCY_KEY_REUSED");
  });

  it("gives the jobs submitted before keys existed to the first key only", async () => {
    expect((await api.get(`/v1/jobs/${openJobId}`, bearer(alice.key))).status).toBe(200);
    await expectProblem(await api.get(`/v1/jobs/${openJobId}`, bearer(bob.key)), 404, "JOB_NOT_FOUND");
  });
});

describe("rotation and revocation", () => {
  it("lets a second key of the same tenant see its jobs, and a revoked key nothing", async () => {
    const job = await submit(alice.key);
    const rotated = await issueKey("alice rotated", alice.tenant);
    expect(rotated.tenant).toBe(alice.id);
    expect((await api.get(`/v1/jobs/${job.id}`, bearer(rotated.key))).status).toBe(200);

    const revoked = await (await del(`/v1/admin/keys/${alice.id}`, bearer(ADMIN_KEY))).json();
    expect(revoked.revoked_at).not.toBeNull();
    await expectUnauthorized(await api.get(`/v1/jobs/${job.id}`, bearer(alice.key)));
    await expectUnauthorized(await api.post("/v1/jobs", { prompt: "x" }, bearer(alice.key)));
    // Revoking again keeps the first revocation time.
    expect((await (await del(`/v1/admin/keys/${alice.id}`, bearer(ADMIN_KEY))).json()).revoked_at).toBe(revoked.revoked_at);
    expect((await api.get(`/v1/jobs/${job.id}`, bearer(rotated.key))).status).toBe(200);
  });

  it("never reopens the API when every key is revoked", async () => {
    for (const key of (await (await api.get("/v1/admin/keys", bearer(ADMIN_KEY))).json()).data) {
      await del(`/v1/admin/keys/${key.id}`, bearer(ADMIN_KEY));
    }
    await expectUnauthorized(await api.get("/v1/jobs"));
    await expectUnauthorized(await api.get("/v1/jobs", bearer(bob.key)));
  });
});
