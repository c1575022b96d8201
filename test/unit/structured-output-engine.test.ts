// Structured outputs on the random-weight tiny model through the real engine: every constrained
// output parses and validates with ajv (200 jobs, 5 schemas, every sampler), json_object always
// yields an object, other rows of a mixed batch are unaffected, and stop strings still apply.
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResponseFormat } from "../../shared/structured-output/response-format-grammar.ts";
import type { GenerationRequest } from "../../worker/engine/generation.ts";
import { greedyRequest, promptOf, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";

const VOCAB = 512;
const SCHEMAS: Record<string, Record<string, unknown>> = {
  person: {
    type: "object",
    properties: {
      name: { type: "string", minLength: 1, maxLength: 12 },
      age: { type: "integer", minimum: 0, maximum: 120 },
      email: { type: "string", pattern: "^[a-z]{1,8}@[a-z]{1,8}\\.(com|org)$" },
      tags: { type: "array", items: { enum: ["red", "green", "blue"] }, maxItems: 3 },
    },
    required: ["name", "age"],
    additionalProperties: false,
  },
  invoice: {
    type: "object",
    properties: {
      id: { type: "string", pattern: "^INV-\\d{4}$" },
      total: { type: "number", minimum: 0, exclusiveMaximum: 10000 },
      paid: { type: "boolean" },
      lines: {
        type: "array",
        minItems: 1,
        maxItems: 3,
        items: { type: "object", properties: { sku: { type: "string", maxLength: 6 }, qty: { type: "integer", minimum: 1, maximum: 99 } }, required: ["sku", "qty"] },
      },
    },
    required: ["id", "total", "paid", "lines"],
  },
  result: {
    type: "object",
    properties: {
      status: { enum: ["ok", "error", "retry"] },
      result: { anyOf: [{ type: "null" }, { type: "object", properties: { code: { type: "integer", minimum: -10, maximum: 10 } }, required: ["code"] }] },
      version: { const: 2 },
    },
    required: ["status", "result", "version"],
  },
  nested: {
    type: "object",
    properties: { a: { type: "object", properties: { b: { type: "object", properties: { c: { type: ["string", "null"], maxLength: 5 }, d: { type: "number", minimum: -1, maximum: 1 } }, required: ["c", "d"] } }, required: ["b"] } },
    required: ["a"],
  },
  scores: { type: "array", items: { type: "integer", minimum: -5, maximum: 5 }, minItems: 2, maxItems: 6 },
};
const SAMPLERS: Array<GenerationRequest["sampling"]> = [
  { temperature: 0 },
  { temperature: 1, seed: 1 },
  { temperature: 0.7, topK: 20, seed: 2 },
  { temperature: 1.3, topP: 0.9, seed: 3 },
  { temperature: 1, topK: 50, topP: 0.8, repetitionPenalty: 1.2, seed: 4 },
];

const ajv = new Ajv({ strict: true });
const validators = Object.fromEntries(Object.entries(SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]));
const jsonSchema = (name: string): ResponseFormat => ({ type: "json_schema", json_schema: { name, schema: SCHEMAS[name], strict: true } });

function constrained(id: string, i: number, format: ResponseFormat, overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return greedyRequest(id, promptOf(3 + (i % 17), i + 100, VOCAB), {
    maxTokens: 160,
    ignoreEos: false,
    sampling: SAMPLERS[i % SAMPLERS.length],
    responseFormat: format,
    ...overrides,
  });
}

describe("structured outputs on the random tiny model", () => {
  let run: EngineRun;
  beforeAll(async () => {
    run = await startEngine(await tinyModelDir());
  });
  afterAll(() => run.release());

  it("200 jobs over 5 schemas and every sampler: all parse and validate", async () => {
    const names = Object.keys(SCHEMAS);
    for (let i = 0; i < 200; i++) run.engine.submit(constrained(`s-${i}`, i, jsonSchema(names[i % names.length])));
    await run.runToIdle();
    const reasons = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const done = run.finished(`s-${i}`);
      expect(done, `job s-${i}: ${JSON.stringify(run.failed(`s-${i}`))}`).toBeDefined();
      const validate = validators[names[i % names.length]];
      const value = JSON.parse(done!.text) as unknown;
      expect(validate(value), `${done!.text}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      reasons.set(done!.finishReason, (reasons.get(done!.finishReason) ?? 0) + 1);
    }
    // Most close on their own (random weights wander); the rest were closed within max_tokens and say "length".
    expect(reasons.get("stop") ?? 0).toBeGreaterThan(100);
    expect([...reasons.keys()].every((r) => r === "stop" || r === "length")).toBe(true);
  });

  it("json_object always yields an object, also when max_tokens is tight", async () => {
    for (let i = 0; i < 20; i++) run.engine.submit(constrained(`o-${i}`, i, { type: "json_object" }, { maxTokens: 24 + i * 4 }));
    await run.runToIdle();
    for (let i = 0; i < 20; i++) {
      const done = run.finished(`o-${i}`)!;
      const value = JSON.parse(done.text) as unknown;
      expect(typeof value === "object" && value !== null && !Array.isArray(value), done.text).toBe(true);
      expect(done.completionTokens).toBeLessThanOrEqual(24 + i * 4);
    }
  });

  it("max_tokens below the schema's shortest JSON ends with length and incomplete text", async () => {
    run.engine.submit(constrained("short", 1, jsonSchema("invoice"), { maxTokens: 3 }));
    await run.runToIdle();
    const done = run.finished("short")!;
    expect(done.finishReason).toBe("length");
    expect(() => JSON.parse(done.text)).toThrow();
  });

  it("a mixed batch: free-text rows produce the same greedy tokens as alone", async () => {
    const free = Array.from({ length: 6 }, (_, i) => greedyRequest(`free-${i}`, promptOf(5 + i * 7, i + 1, VOCAB), { maxTokens: 12 }));
    for (const r of free) {
      run.engine.submit({ ...r, id: `alone-${r.id}` });
      await run.runToIdle();
    }
    const alone = free.map((r) => run.tokens.get(`alone-${r.id}`));
    const structured = Array.from({ length: 6 }, (_, i) => constrained(`mix-${i}`, i * 5, jsonSchema("person")));
    free.forEach((r, i) => {
      run.engine.submit(r);
      run.engine.submit(structured[i]);
    });
    await run.runToIdle();
    expect(free.map((r) => run.tokens.get(r.id))).toEqual(alone);
    // Greedy constrained rows are batch-invariant too: same text alone.
    run.engine.submit({ ...structured[0], id: "mix-alone" });
    await run.runToIdle();
    expect(run.finished("mix-alone")!.text).toBe(run.finished("mix-0")!.text);
  });

  it("stop strings still end a constrained output (the text is then cut)", async () => {
    run.engine.submit(constrained("stop", 0, jsonSchema("person"), { stop: ['"age"'] }));
    await run.runToIdle();
    const done = run.finished("stop")!;
    expect(done.finishReason).toBe("stop");
    expect(done.text.trimStart().startsWith("{")).toBe(true);
    expect(done.text).not.toContain('"age"');
  });
});
