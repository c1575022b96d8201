// Stream tokens over the real app: minted into urls.events for API-key callers only, accepted
// for that one job's GET and event stream, refused (401) everywhere else, expired or tampered.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type JobJson, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { issueApiKey } from "../harness/admin-api.ts";

const ADMIN_KEY = "stream-admin-key-0123456789";
let env: TestEnv;
let api: TestApi;
let key: string;
let otherKey: string;

const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
const tokenOf = (job: JobJson) => new URL(job.urls.events, "http://x").searchParams.get("token")!;

async function submit(k = key): Promise<JobJson> {
  const res = await api.post("/v1/jobs", { prompt: "hi", max_tokens: 2 }, bearer(k));
  expect(res.status).toBe(202);
  return res.json();
}

beforeAll(async () => {
  env = await createTestEnv({ GENQ_ADMIN_KEY: ADMIN_KEY, GENQ_STREAM_TOKEN_TTL_MS: "60000" });
  api = await startTestApi(env.config);
});
afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

describe("stream tokens", () => {
  it("are not issued while the API runs without keys", async () => {
    const job = (await (await api.post("/v1/jobs", { prompt: "open", max_tokens: 1 })).json()) as JobJson;
    expect(job.urls.events).toBe(`/v1/jobs/${job.id}/events`);
    key = (await issueApiKey(api, ADMIN_KEY, "app")).key;
    otherKey = (await issueApiKey(api, ADMIN_KEY, "other")).key;
  });

  it("sign urls.events in every job answer to a key holder, never urls.self", async () => {
    const job = await submit();
    expect(job.urls.self).toBe(`/v1/jobs/${job.id}`);
    expect(job.urls.events).toMatch(/^\/v1\/jobs\/job_\w+\/events\?token=gqst1\.[\w-]+\.[\w-]{43}$/);
    expect(job.urls.events).not.toContain(key.slice(-43));
    const got = (await (await api.get(`/v1/jobs/${job.id}`, bearer(key))).json()) as JobJson;
    const listed = (await (await api.get("/v1/jobs", bearer(key))).json()).data.find((j: JobJson) => j.id === job.id);
    const canceled = (await (await api.post(`/v1/jobs/${job.id}/cancel`, "", bearer(key))).json()) as JobJson;
    for (const answer of [got, listed, canceled]) expect(tokenOf(answer)).toBe(tokenOf(job));
  });

  it("open that job's reads and event stream, for any origin, echoing the same token", async () => {
    const job = await submit();
    const token = tokenOf(job);
    const read = await api.get(`/v1/jobs/${job.id}?token=${token}`);
    expect(read.status).toBe(200);
    expect(read.headers.get("access-control-allow-origin")).toBe("*");
    const body = (await read.json()) as JobJson;
    expect(body.id).toBe(job.id);
    expect(tokenOf(body)).toBe(token);
    expect((await api.get(`/v1/jobs/${job.id}?token=${token}`, { "if-none-match": read.headers.get("etag")! })).status).toBe(304);
    expect((await api.get(`/v1/jobs/${job.id}?token=${token}&fields=status`)).status).toBe(200);

    const events = await api.get(`/v1/jobs/${job.id}/events?token=${token}`);
    expect(events.status).toBe(200);
    expect(events.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(events.headers.get("access-control-allow-origin")).toBe("*");
    await events.body?.cancel();
  });

  it("are refused for anything but that job's reads", async () => {
    const job = await submit();
    const other = await submit();
    const token = tokenOf(job);
    const refused = [
      api.get(`/v1/jobs?token=${token}`),
      api.get(`/v1/jobs/${other.id}?token=${token}`),
      api.get(`/v1/jobs/${other.id}/events?token=${token}`),
      api.get(`/v1/jobs/${job.id}/webhooks?token=${token}`),
      api.post(`/v1/jobs/${job.id}/cancel?token=${token}`, ""),
      api.post(`/v1/jobs?token=${token}`, { prompt: "x" }),
      api.post(`/v1/webhooks/secret/rotate?token=${token}`, ""),
      api.get(`/v1/admin/keys?token=${token}`),
      api.get(`/v1/jobs/${job.id}?token=${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`),
      api.get(`/v1/jobs/${job.id}?token=${token.replace("gqst1.", "gqst1.e")}`),
      api.get(`/v1/jobs/${job.id}?token=${key}`),
      api.get(`/v1/jobs/${job.id}?token=`),
    ];
    for (const res of await Promise.all(refused)) await expectProblem(res, 401, "UNAUTHORIZED");
    expect((await (await api.get(`/v1/jobs/${job.id}`, bearer(key))).json()).status).toBe("queued");
  });

  it("are refused once expired, and name the way to a fresh one", async () => {
    const job = await submit();
    const { streamTokens } = api.nodeDeps.deps.auth;
    const stale = streamTokens!.mint(job.id, (await api.get("/v1/admin/keys", bearer(ADMIN_KEY)).then((r) => r.json())).data[1].tenant, Date.now() - 61_000);
    expect(stale.expiresAtMs).toBeLessThanOrEqual(Date.now());
    const problem = await expectProblem(await api.get(`/v1/jobs/${job.id}/events?token=${stale.token}`), 401, "UNAUTHORIZED");
    expect(problem.detail).toMatch(/expired.*urls\.events/);
  });

  it("carry the tenant: a token minted for one tenant never reads another's job", async () => {
    const theirs = await submit(otherKey);
    const forged = api.nodeDeps.deps.auth.streamTokens!.mint(theirs.id, "someone-else", Date.now());
    await expectProblem(await api.get(`/v1/jobs/${theirs.id}?token=${forged.token}`), 404, "JOB_NOT_FOUND");
    expect((await api.get(`/v1/jobs/${theirs.id}?token=${tokenOf(theirs)}`)).status).toBe(200);
  });
});
