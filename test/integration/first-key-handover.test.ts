// Who owns the jobs submitted before the first API key: the first key's tenant inherits them (with
// their Idempotency-Keys and webhook secret), and the admin API can move a tenant's jobs later.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../shared/store/open-store.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type JobJson, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { issueApiKey } from "../harness/admin-api.ts";

const ADMIN_KEY = "handover-admin-key-0123456789";
let env: TestEnv;
let api: TestApi;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const admin = bearer(ADMIN_KEY);
const listIds = async (key: string) => (await (await api.get("/v1/jobs?limit=100", bearer(key))).json()).data.map((j: JobJson) => j.id);

const issue = (name: string, tenant?: string) => issueApiKey(api, ADMIN_KEY, name, tenant);

beforeAll(async () => {
  env = await createTestEnv({ GENQ_ADMIN_KEY: ADMIN_KEY });
  api = await startTestApi(env.config);
});
afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const open: string[] = [];
let first: JobJson;

describe("the first key", () => {
  let openSecret: string;
  let second: JobJson;

  it("inherits every job submitted without a key", async () => {
    for (const prompt of ["one", "two"]) {
      const res = await api.post("/v1/jobs", { prompt, max_tokens: 1 }, { "idempotency-key": `open-${prompt}` });
      open.push((await res.json()).id);
    }
    openSecret = (await (await api.post("/v1/webhooks/secret/rotate", "")).json()).secret;
    first = await issue("first");
    second = await issue("second");
    expect(await listIds(first.key)).toEqual([...open].reverse());
    for (const id of open) expect((await api.get(`/v1/jobs/${id}`, bearer(first.key))).status).toBe(200);
    expect(await listIds(second.key)).toEqual([]);
  });

  it("keeps their Idempotency-Keys and the webhook secret rotated before it", async () => {
    const replay = await api.post("/v1/jobs", { prompt: "one", max_tokens: 1 }, { ...bearer(first.key), "idempotency-key": "open-one" });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await replay.json()).id).toBe(open[0]);
    const store = await openStore(env.config);
    try {
      expect((await store.webhookSecrets.signingSecrets(first.tenant, Date.now()))[0]).toBe(openSecret);
    } finally {
      await store.close();
    }
  });
});

describe("POST /v1/admin/tenants/reassign", () => {
  it("moves a tenant's jobs to another tenant", async () => {
    const team = await issue("team key", "team-a");
    // The target already used one of the moved jobs' Idempotency-Keys: it keeps its own job.
    const theirs = (await (await api.post("/v1/jobs", { prompt: "team", max_tokens: 1 }, { ...bearer(team.key), "idempotency-key": "open-two" })).json()).id;
    const moving = [...(await listIds(first.key)), ...(await listIds(team.key))];

    const res = await api.post("/v1/admin/tenants/reassign", { from: first.tenant, to: "team-a" }, admin);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ object: "tenant_reassignment", from: first.tenant, to: "team-a", jobs: 2 });
    expect(await listIds(first.key)).toEqual([]);
    expect([...(await listIds(team.key))].sort()).toEqual([...moving].sort());
    const replay = await api.post("/v1/jobs", { prompt: "team", max_tokens: 1 }, { ...bearer(team.key), "idempotency-key": "open-two" });
    expect((await replay.json()).id).toBe(theirs);
  });

  it("validates the body, and exists only for the admin key", async () => {
    await expectProblem(await api.post("/v1/admin/tenants/reassign", { from: "a", to: "a" }, admin), 400, "VALIDATION_FAILED");
    await expectProblem(await api.post("/v1/admin/tenants/reassign", { from: "a", to: "" }, admin), 400, "VALIDATION_FAILED");
    await expectProblem(await api.post("/v1/admin/tenants/reassign", { from: "a b", to: "c" }, admin), 400, "VALIDATION_FAILED");
    await expectProblem(await api.post("/v1/admin/tenants/reassign", { from: "a", to: "c", all: true }, admin), 400, "VALIDATION_FAILED");
    const key = await issue("not an admin");
    await expectProblem(await api.post("/v1/admin/tenants/reassign", { from: "team-a", to: key.tenant }, bearer(key.key)), 401, "UNAUTHORIZED");
    expect((await api.get("/v1/jobs", bearer(key.key))).status).toBe(200);
    expect(await listIds(key.key)).toEqual([]);
  });
});
