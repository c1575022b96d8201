// /metrics shows every tenant's counts: with GENQ_METRICS_TOKEN set it needs that Bearer token;
// without it, it stays open (the documented default for a loopback quick start).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";

const TOKEN = "scrape-token-0123456789abcdef";

describe("/metrics with GENQ_METRICS_TOKEN", () => {
  let env: TestEnv;
  let api: TestApi;
  beforeAll(async () => {
    env = await createTestEnv({ GENQ_METRICS_TOKEN: TOKEN });
    api = await startTestApi(env.config);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it("refuses scrapes without the token or with a wrong one, and answers with it", async () => {
    const missing = await api.get("/metrics");
    await expectProblem(missing, 401, "UNAUTHORIZED");
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer /);
    await expectProblem(await api.get("/metrics", { authorization: `Bearer ${TOKEN}x` }), 401, "UNAUTHORIZED");
    await expectProblem(await api.get("/metrics", { authorization: TOKEN }), 401, "UNAUTHORIZED");
    const ok = await api.get("/metrics", { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("genq_jobs");
    // Liveness and readiness stay open for orchestrators.
    expect((await api.get("/healthz")).status).toBe(200);
  });
});

describe("/metrics without a token", () => {
  it("stays open", async () => {
    const env = await createTestEnv();
    const api = await startTestApi(env.config);
    try {
      expect((await api.get("/metrics")).status).toBe(200);
    } finally {
      await api.close();
      await env.cleanup();
    }
  });
});
