// GET /openapi.json and GET /docs: the document is valid OpenAPI 3.1 (@readme/openapi-parser),
// documents every route the app registers (a route added without an entry in
// api/openapi/route-catalog.ts fails here), its request bodies are the routes' own zod schemas,
// and real answers — successes and problems — match what it documents.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validate, compileErrors } from "@readme/openapi-parser";
import { z } from "zod";
import { openApiPath, type OpenApiDocument } from "../../api/openapi/openapi-document.ts";
import { createKeyRequest } from "../../api/routes/admin/admin-keys-routes.ts";
import { reassignRequest } from "../../api/routes/admin/admin-tenants-routes.ts";
import { createBatchRequest } from "../../api/routes/batches/create-batch.ts";
import { createJobRequestSchema } from "../../api/routes/jobs/create-job-request.ts";
import { ERROR_CODES, GenqError, problemSlug, type ErrorCode } from "../../shared/errors.ts";
import { chatCompletionRequestSchema } from "../../shared/openai/chat-completion-request.ts";
import { completionRequestSchema } from "../../shared/openai/completion-request.ts";
import { resultReportSchema } from "../../shared/result-sink/result-report.ts";
import { openAiError } from "../../shared/openai/openai-error.ts";
import { isOpenAiPath } from "../../api/middleware/openai-error-response.ts";
import type { TestEnv } from "../harness/test-env.ts";
import type { JobJson, TestApi } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";
import { issueApiKey } from "../harness/admin-api.ts";
import { openApiConformance, type ConformanceCheck } from "../harness/openapi-conformance.ts";

const ADMIN_KEY = "admin-openapi-0123456789";
let stack: TestStack;
let env: TestEnv;
let api: TestApi;
let doc: OpenApiDocument;
let conforms: ConformanceCheck;

beforeAll(async () => {
  // A real worker too, so completions and readiness answer as in service.
  stack = await startTestStack({ GENQ_AUTH: "on", GENQ_ADMIN_KEY: ADMIN_KEY, GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  ({ env, api } = stack);
  const res = await api.get("/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = (await res.json()) as OpenApiDocument;
  conforms = openApiConformance(doc);
}, 120_000);
afterAll(async () => {
  await stack?.close();
}, 60_000);

/** `METHOD /openapi/{path}` of every handler Hono registered (middleware: wildcards, ALL). */
function registeredOperations(): string[] {
  const routes = api.app.routes.filter((r) => r.method !== "ALL" && !r.path.includes("*"));
  return [...new Set(routes.map((r) => `${r.method} ${openApiPath(r.path)}`))].sort();
}

function documentedOperations(): string[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("documents exactly the routes the app registers", () => {
    const registered = registeredOperations();
    expect(registered.length).toBeGreaterThan(15);
    expect(registered).toContain("GET /v1/jobs/{id}");
    expect(documentedOperations()).toEqual(registered);
  });

  it("documents request bodies as the very schemas the routes validate with", () => {
    const bodies: Record<string, z.ZodType> = {
      "POST /v1/jobs": createJobRequestSchema(env.config.tenantLimits),
      "POST /v1/admin/keys": createKeyRequest,
      "POST /v1/admin/tenants/reassign": reassignRequest,
      "POST /v1/chat/completions": chatCompletionRequestSchema,
      "POST /v1/completions": completionRequestSchema,
      "POST /v1/batches": createBatchRequest,
      "POST /internal/v1/results": resultReportSchema,
    };
    const documented: Record<string, unknown> = {};
    const forms: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const content = op.requestBody?.content ?? {};
        if (content["application/json"]) documented[`${method.toUpperCase()} ${path}`] = content["application/json"].schema;
        if (content["multipart/form-data"]) forms.push(`${method.toUpperCase()} ${path}`);
      }
    }
    // Uploads are multipart forms (read by hand, no zod schema): the file part and its purpose.
    expect(forms).toEqual(["POST /v1/files"]);
    const upload = doc.paths["/v1/files"].post.requestBody.content["multipart/form-data"];
    expect(upload.schema.required).toEqual(["purpose", "file"]);
    expect(upload.schema.properties.file.contentMediaType).toBe("application/octet-stream");
    expect(Object.keys(documented).sort()).toEqual(Object.keys(bodies).sort());
    for (const [operation, schema] of Object.entries(bodies)) {
      expect(documented[operation], operation).toEqual(z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }));
    }
    // The limits shown are this server's.
    const jobBody = documented["POST /v1/jobs"] as { properties: Record<string, unknown> };
    expect(Object.keys(jobBody.properties)).toEqual(expect.arrayContaining(["prompt", "messages", "response_format", "priority", "webhook"]));
  });

  it("lists only real error codes, each under its HTTP status in the path's error shape", () => {
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const codes = op["x-error-codes"] as ErrorCode[];
        expect(codes, `${method} ${path}`).toContain("INTERNAL");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const responses = op.responses as Record<string, { content: Record<string, { schema: { allOf: any[] } }> }>;
        for (const code of codes) {
          expect(ERROR_CODES[code], code).toBeDefined();
          if (isOpenAiPath(path)) {
            const { status, body } = openAiError(new GenqError(code, ""));
            const schema = responses[String(status)].content["application/json"].schema;
            expect(schema.allOf[0].$ref).toBe("#/components/schemas/OpenAiError");
            expect(schema.allOf[1].properties.error.properties.code.enum, `${method} ${path} ${code}`).toContain(body.error.code);
          } else {
            const schema = responses[String(ERROR_CODES[code].status)].content["application/problem+json"].schema;
            expect(schema.allOf[1].properties.code.enum, `${method} ${path} ${code}`).toContain(code);
          }
        }
      }
    }
  });
});

describe("real answers match the document", () => {
  it("for jobs, webhooks and stream tokens", async () => {
    const key = (await issueApiKey(api, ADMIN_KEY, "openapi")).key as string;
    const auth = { authorization: `Bearer ${key}` };
    const submit = await api.post("/v1/jobs", { prompt: "hello", max_tokens: 4, webhook: { url: "http://127.0.0.1:9/hook" }, metadata: { a: 1 } }, auth);
    const job = (await submit.clone().json()) as JobJson;
    await conforms(submit, "post", "/v1/jobs");
    await conforms(await api.post("/v1/jobs", { prompt: 1 }, auth), "post", "/v1/jobs");
    await conforms(await api.post("/v1/jobs", "hi", { ...auth, "content-type": "text/plain" }), "post", "/v1/jobs");
    await conforms(await api.post("/v1/jobs", { prompt: "x" }), "post", "/v1/jobs");
    await conforms(await api.post("/v1/jobs", { prompt: "x", model: "nope" }, auth), "post", "/v1/jobs");
    const read = await api.get(`/v1/jobs/${job.id}`, auth);
    const etag = read.headers.get("etag")!;
    await conforms(read, "get", "/v1/jobs/:id");
    await conforms(await api.get(`/v1/jobs/${job.id}`, { ...auth, "if-none-match": etag }), "get", "/v1/jobs/:id");
    await conforms(await api.get(`/v1/jobs/${job.id}?wait=x`, auth), "get", "/v1/jobs/:id");
    await conforms(await api.get("/v1/jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV", auth), "get", "/v1/jobs/:id");
    // The stream token in urls.events opens this job's reads without the key.
    const token = new URL(job.urls.events, "http://x").searchParams.get("token");
    expect(token).toBeTruthy();
    await conforms(await api.get(`/v1/jobs/${job.id}?token=${token}`), "get", "/v1/jobs/:id");
    await conforms(await api.get(`/v1/jobs?token=${token}`), "get", "/v1/jobs");
    await conforms(await api.get("/v1/jobs?limit=2", auth), "get", "/v1/jobs");
    await conforms(await api.get("/v1/jobs?limit=abc", auth), "get", "/v1/jobs");
    await conforms(await api.post(`/v1/jobs/${job.id}/cancel`, "", auth), "post", "/v1/jobs/:id/cancel");
    await conforms(await api.post(`/v1/jobs/${job.id}/cancel`, "", auth), "post", "/v1/jobs/:id/cancel");
    const events = await api.get(`/v1/jobs/${job.id}/events`, auth);
    await conforms(events, "get", "/v1/jobs/:id/events");
    await conforms(await api.get(`/v1/jobs/${job.id}/events`, { ...auth, "last-event-id": "nope" }), "get", "/v1/jobs/:id/events");
    await conforms(await api.get(`/v1/jobs/${job.id}/webhooks`, auth), "get", "/v1/jobs/:id/webhooks");
    await conforms(await api.post(`/v1/jobs/${job.id}/webhooks/redeliver?event=job.canceled`, "", auth), "post", "/v1/jobs/:id/webhooks/redeliver");
    await conforms(await api.post(`/v1/jobs/${job.id}/webhooks/redeliver?event=bogus`, "", auth), "post", "/v1/jobs/:id/webhooks/redeliver");
    await conforms(await api.get("/v1/webhooks/secret", auth), "get", "/v1/webhooks/secret");
    await conforms(await api.get("/v1/webhooks/secret", auth), "get", "/v1/webhooks/secret");
    await conforms(await api.post("/v1/webhooks/secret/rotate", "", auth), "post", "/v1/webhooks/secret/rotate");
  }, 60_000);

  it("for the OpenAI-compatible routes", async () => {
    const auth = { authorization: `Bearer ${(await issueApiKey(api, ADMIN_KEY, "openai")).key as string}` };
    const messages = [{ role: "user", content: "hi" }];
    const expectStatus = (res: Response, status: number) => (expect(res.status).toBe(status), res);
    const chat = (body: Record<string, unknown>, headers = auth) => api.post("/v1/chat/completions", body, headers);
    await conforms(expectStatus(await chat({ model: "tiny", messages, max_tokens: 3 }), 200), "post", "/v1/chat/completions");
    const stream = expectStatus(await chat({ model: "tiny", messages, max_tokens: 3, stream: true }), 200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    await conforms(stream, "post", "/v1/chat/completions");
    await conforms(expectStatus(await chat({ model: "nope", messages }), 404), "post", "/v1/chat/completions");
    await conforms(await api.post("/v1/chat/completions", { messages: [] }, auth), "post", "/v1/chat/completions");
    await conforms(await api.post("/v1/chat/completions", { messages }), "post", "/v1/chat/completions");
    await conforms(expectStatus(await api.post("/v1/completions", { prompt: "hi", max_tokens: 3 }, auth), 200), "post", "/v1/completions");
    await conforms(await api.post("/v1/completions", { prompt: "hi", n: 2 }, auth), "post", "/v1/completions");
    await conforms(await api.get("/v1/models", auth), "get", "/v1/models");
    await conforms(await api.get("/v1/models/tiny", auth), "get", "/v1/models/:id");
    await conforms(expectStatus(await api.get("/v1/models/nope", auth), 404), "get", "/v1/models/:id");
  }, 120_000);

  it("for OpenAI Files and Batches", async () => {
    const auth = { authorization: `Bearer ${(await issueApiKey(api, ADMIN_KEY, "files")).key as string}` };
    const line = JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: { model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 } });
    const form = new FormData();
    form.append("purpose", "batch");
    form.append("file", new Blob([`${line}\n`], { type: "application/jsonl" }), "in.jsonl");
    const uploaded = await api.app.request("/v1/files", { method: "POST", headers: auth, body: form });
    expect(uploaded.status).toBe(200);
    const file = (await uploaded.clone().json()) as JobJson;
    await conforms(uploaded, "post", "/v1/files");
    await conforms(await api.post("/v1/files", { purpose: "batch" }, auth), "post", "/v1/files");
    await conforms(await api.get("/v1/files", auth), "get", "/v1/files");
    await conforms(await api.get("/v1/files?limit=0", auth), "get", "/v1/files");
    await conforms(await api.get(`/v1/files/${file.id}`, auth), "get", "/v1/files/:id");
    await conforms(await api.get("/v1/files/file-nope", auth), "get", "/v1/files/:id");
    await conforms(await api.get(`/v1/files/${file.id}/content`, auth), "get", "/v1/files/:id/content");
    const created = await api.post("/v1/batches", { input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }, auth);
    expect(created.status).toBe(200);
    const batch = (await created.clone().json()) as JobJson;
    await conforms(created, "post", "/v1/batches");
    await conforms(await api.post("/v1/batches", { input_file_id: "file-nope", endpoint: "/v1/chat/completions", completion_window: "24h" }, auth), "post", "/v1/batches");
    await conforms(await api.post("/v1/batches", { input_file_id: file.id, endpoint: "/v1/embeddings", completion_window: "24h" }, auth), "post", "/v1/batches");
    await conforms(await api.get("/v1/batches", auth), "get", "/v1/batches");
    await conforms(await api.get(`/v1/batches/${batch.id}`, auth), "get", "/v1/batches/:id");
    await conforms(await api.get("/v1/batches/batch_nope", auth), "get", "/v1/batches/:id");
    await conforms(await api.post(`/v1/batches/${batch.id}/cancel`, "", auth), "post", "/v1/batches/:id/cancel");
    await conforms(await api.app.request(`/v1/files/${file.id}`, { method: "DELETE", headers: auth }), "delete", "/v1/files/:id");
    await conforms(await api.app.request("/v1/files/file-nope", { method: "DELETE", headers: auth }), "delete", "/v1/files/:id");
  }, 60_000);

  it("for the dashboard and the result sink", async () => {
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    const auth = { authorization: `Bearer ${(await issueApiKey(api, ADMIN_KEY, "dashboard")).key as string}` };
    await conforms(await api.get("/dashboard"), "get", "/dashboard");
    await conforms(await api.get("/dashboard/app.js"), "get", "/dashboard/app.js");
    await conforms(await api.get("/dashboard/app.css"), "get", "/dashboard/app.css");
    await conforms(await api.get("/v1/dashboard/snapshot", admin), "get", "/v1/dashboard/snapshot");
    await conforms(await api.get("/v1/dashboard/snapshot", auth), "get", "/v1/dashboard/snapshot");
    await conforms(await api.get("/v1/dashboard/snapshot", { authorization: "Bearer wrong-key-0000000000" }), "get", "/v1/dashboard/snapshot");
    // GENQ_RESULT_SINK_TOKEN is not set here: the route does not exist.
    await conforms(await api.post("/internal/v1/results", { op: "hello" }, { authorization: "Bearer x" }), "post", "/internal/v1/results");
  }, 60_000);

  it("for the admin API", async () => {
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    const created = await api.post("/v1/admin/keys", { name: "to revoke" }, admin);
    const { id } = (await created.clone().json()) as JobJson;
    await conforms(created, "post", "/v1/admin/keys");
    await conforms(await api.post("/v1/admin/keys", { name: "" }, admin), "post", "/v1/admin/keys");
    await conforms(await api.post("/v1/admin/keys", { name: "x" }, { authorization: "Bearer wrong-admin-key-000000" }), "post", "/v1/admin/keys");
    await conforms(await api.get("/v1/admin/keys", admin), "get", "/v1/admin/keys");
    await conforms(await api.app.request(`/v1/admin/keys/${id}`, { method: "DELETE", headers: admin }), "delete", "/v1/admin/keys/:id");
    await conforms(await api.app.request("/v1/admin/keys/key_nope", { method: "DELETE", headers: admin }), "delete", "/v1/admin/keys/:id");
    await conforms(await api.post("/v1/admin/tenants/reassign", { from: "nobody", to: "somebody" }, admin), "post", "/v1/admin/tenants/reassign");
    await conforms(await api.post("/v1/admin/tenants/reassign", { from: "a", to: "a" }, admin), "post", "/v1/admin/tenants/reassign");
    await conforms(await api.post("/v1/admin/models/tiny/load", "", admin), "post", "/v1/admin/models/:id/load");
    await conforms(await api.post("/v1/admin/models/nope/unload", "", admin), "post", "/v1/admin/models/:id/unload");
  }, 60_000);

  it("for operations, problem and docs pages", async () => {
    await conforms(await api.get("/healthz"), "get", "/healthz");
    await conforms(await api.get("/readyz"), "get", "/readyz");
    await conforms(await api.get("/metrics"), "get", "/metrics");
    await conforms(await api.get("/openapi.json"), "get", "/openapi.json");
    await conforms(await api.get("/docs"), "get", "/docs");
    await conforms(await api.get("/problems"), "get", "/problems");
    await conforms(await api.get("/problems/job-not-found"), "get", "/problems/:slug");
    await conforms(await api.get("/problems/nope"), "get", "/problems/:slug");
  }, 60_000);
});

describe("GET /docs", () => {
  it("renders every operation, its parameters, body fields and error codes, with nothing fetched from elsewhere", async () => {
    const res = await api.get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    // Offline: no scripts and no resources from another origin.
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).not.toMatch(/href="(?:https?:)?\/\//i);
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(html).toContain(`id="${op.operationId}"`);
        expect(html).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
        for (const code of op["x-error-codes"] as ErrorCode[]) expect(html).toContain(`href="problems/${problemSlug(code)}"`);
        for (const p of (op.parameters ?? []) as { name: string }[]) expect(html).toContain(`<code>${p.name}</code>`);
      }
    }
    for (const field of ["prompt", "messages.role", "response_format", "webhook.url", "max_tokens"]) expect(html).toContain(`<code>${field}</code>`);
    for (const name of Object.keys(doc.components.schemas)) expect(html).toContain(`id="schema-${name}"`);
  });
});
