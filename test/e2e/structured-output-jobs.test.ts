// response_format on POST /v1/jobs end to end: unsupported schemas are refused at submit with
// 400 UNSUPPORTED_SCHEMA naming the keyword (nothing stored); accepted ones run on the worker and
// the job's text parses and validates.
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../harness/expect-problem.ts";
import { isTerminalJob } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.close();
});

const schemaFormat = (schema: Record<string, unknown>) => ({ type: "json_schema", json_schema: { name: "t", schema, strict: true } });

describe("response_format on POST /v1/jobs", () => {
  it.each([
    ["format", { type: "object", properties: { d: { type: "string", format: "date-time" } } }],
    ["$ref", { type: "object", properties: { d: { $ref: "#/$defs/x" } } }],
    ["multipleOf", { type: "integer", multipleOf: 3 }],
    ["oneOf", { oneOf: [{ type: "string" }, { type: "null" }] }],
    ["patternProperties", { type: "object", patternProperties: { "^x": { type: "string" } } }],
    ["additionalProperties", { type: "object", additionalProperties: { type: "string" } }],
    ["pattern", { type: "string", pattern: "(?=a)b" }],
    ["uniqueItems", { type: "array", uniqueItems: true }],
  ])("refuses %s with UNSUPPORTED_SCHEMA and stores nothing", async (keyword, schema) => {
    const res = await stack.api.post("/v1/jobs", { prompt: "x", response_format: schemaFormat(schema) });
    const body = await expectProblem(res, 400, "UNSUPPORTED_SCHEMA");
    expect(body.detail).toContain(keyword);
    expect(await stack.api.nodeDeps.deps.store.jobs.countByStatus()).toEqual({});
  });

  it("refuses a malformed response_format as VALIDATION_FAILED", async () => {
    await expectProblem(await stack.api.post("/v1/jobs", { prompt: "x", response_format: { type: "xml" } }), 400, "VALIDATION_FAILED");
    await expectProblem(await stack.api.post("/v1/jobs", { prompt: "x", response_format: { type: "json_schema" } }), 400, "VALIDATION_FAILED");
  });

  it("json_schema and json_object jobs succeed with JSON that validates", async () => {
    const schema = {
      type: "object",
      properties: { title: { type: "string", maxLength: 10 }, pages: { type: "integer", minimum: 1, maximum: 500 }, draft: { type: "boolean" } },
      required: ["title", "pages", "draft"],
      additionalProperties: false,
    };
    const validate = new Ajv().compile(schema);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await stack.api.post("/v1/jobs", { prompt: `Document ${i}`, max_tokens: 120, seed: i, response_format: schemaFormat(schema) });
      expect(res.status).toBe(202);
      ids.push((await res.json()).id);
    }
    const objectJob = await (await stack.api.post("/v1/jobs", { prompt: "Any", max_tokens: 60, temperature: 0, response_format: { type: "json_object" } })).json();
    for (const id of ids) {
      const done = await stack.api.waitFor(id, isTerminalJob);
      expect(done.status).toBe("succeeded");
      expect(validate(JSON.parse(done.output.text))).toBe(true);
    }
    const done = await stack.api.waitFor(objectJob.id, isTerminalJob);
    const value = JSON.parse(done.output.text);
    expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
  });
});
