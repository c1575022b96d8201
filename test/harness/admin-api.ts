// Issues API keys through the real admin API (POST /v1/admin/keys) for tests.
import { expect } from "vitest";
import type { JobJson, TestApi } from "./test-api.ts";

/** The answer of a 201: {id, name, tenant, prefix, key, …}. */
export async function issueApiKey(api: TestApi, adminKey: string, name: string, tenant?: string): Promise<JobJson> {
  const res = await api.post("/v1/admin/keys", tenant ? { name, tenant } : { name }, { authorization: `Bearer ${adminKey}` });
  expect(res.status).toBe(201);
  return res.json();
}
