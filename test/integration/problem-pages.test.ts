// Problem types resolve on genq itself: every code in the one table has a page at
// /problems/<code>, and a real error answer's `type` (under GENQ_PUBLIC_URL) links to its page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";

const PUBLIC_URL = "https://jobs.example.test/genq";
let env: TestEnv;
let api: TestApi;

const htmlText = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

beforeAll(async () => {
  env = await createTestEnv({ GENQ_PUBLIC_URL: PUBLIC_URL });
  api = await startTestApi(env.config);
});
afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

describe("problem pages", () => {
  it("serve one page per error code with its status, title, description and fix", async () => {
    const codes = Object.keys(ERROR_CODES) as ErrorCode[];
    expect(codes.length).toBeGreaterThan(20);
    const index = await (await api.get("/problems")).text();
    for (const code of codes) {
      const slug = code.toLowerCase().replaceAll("_", "-");
      const res = await api.get(`/problems/${slug}`);
      expect(res.status, code).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const text = htmlText(await res.text());
      const info = ERROR_CODES[code];
      for (const part of [code, String(info.status), info.title, info.description.replaceAll("`", ""), info.fix.replaceAll("`", "")]) {
        expect(text, `${code}: ${part}`).toContain(part);
      }
      expect(index).toContain(`href="problems/${slug}"`);
    }
  });

  it("are where a real error answer's type points", async () => {
    const problem = await expectProblem(await api.get("/v1/jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404, "JOB_NOT_FOUND");
    expect(problem.type).toBe(`${PUBLIC_URL}/problems/job-not-found`);
    expect(problem.title).toBe(ERROR_CODES.JOB_NOT_FOUND.title);
    const page = await api.get(new URL(problem.type).pathname.replace(/^\/genq/, ""));
    expect(page.status).toBe(200);
    expect(htmlText(await page.text())).toContain("JOB_NOT_FOUND");
    const invalid = await expectProblem(await api.post("/v1/jobs", "{"), 400, "INVALID_JSON");
    expect(invalid.type).toBe(`${PUBLIC_URL}/problems/invalid-json`);
  });

  it("answer an unknown code with a problem, not a page", async () => {
    await expectProblem(await api.get("/problems/no-such-code"), 404, "ROUTE_NOT_FOUND");
  });
});
