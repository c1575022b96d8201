// Asserts an application/problem+json answer with the given status and stable code.
import { expect } from "vitest";
import type { JobJson, TestResponse } from "./test-api.ts";

export async function expectProblem(res: TestResponse, status: number, code: string): Promise<JobJson> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, code });
  expect(typeof body.title).toBe("string");
  expect(typeof body.detail).toBe("string");
  return body;
}
