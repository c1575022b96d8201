// POST /v1/files streams uploads to disk: over GENQ_FILE_MAX_BYTES it answers 413 without reading
// the rest (at once when Content-Length says so; mid-stream otherwise) and keeps nothing; bytes
// that look like multipart boundaries survive; line limits and bad forms are refused.
import { request } from "node:http";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApi, type ApiHandle } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import type { ResultLine } from "../harness/batch-files.ts";

const LIMIT_BYTES = 1_048_576;
let env: TestEnv;
let api: ApiHandle;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_FILE_MAX_BYTES: String(LIMIT_BYTES), GENQ_FILE_MAX_LINES: "1000" });
  api = await startApi(env.config, createLogger("error"));
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const BOUNDARY = "----genqtest7MA4YWxkTrZu0gW";
const head = (filename = "in.jsonl", purpose = "batch") =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/jsonl\r\n\r\n`,
  );
const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

async function fileCount(): Promise<number> {
  const rows = await api.deps.store.files.list({ tenantId: "", limit: 1000 });
  return rows.length;
}

function leftovers(): string[] {
  try {
    return readdirSync(join(env.config.dataDir, "files"));
  } catch {
    return [];
  }
}

it("stores the file byte for byte, boundary look-alikes included", async () => {
  const content = Buffer.from(`{"a":"--${BOUNDARY.slice(0, 10)}"}\r\n--not-a-boundary\r\n\r\n{"b":"\u00e9"}\n`);
  const res = await fetch(`${api.url}/v1/files`, { method: "POST", headers: { "content-type": CONTENT_TYPE }, body: Buffer.concat([head(), content, tail]) });
  expect(res.status).toBe(200);
  const file = await res.json() as ResultLine;
  expect(file).toMatchObject({ object: "file", purpose: "batch", filename: "in.jsonl", bytes: content.length });
  const back = Buffer.from(await (await fetch(`${api.url}/v1/files/${file.id}/content`)).arrayBuffer());
  expect(back.equals(content)).toBe(true);
  const deleted = await (await fetch(`${api.url}/v1/files/${file.id}`, { method: "DELETE" })).json() as ResultLine;
  expect(deleted).toEqual({ id: file.id, object: "file", deleted: true });
  expect(leftovers()).toEqual([]);
});

it("a Content-Length over the limit is refused with 413 before the body is read", async () => {
  const declared = 50 * LIMIT_BYTES;
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${api.url}/v1/files`, { method: "POST", headers: { "content-type": CONTENT_TYPE, "content-length": declared } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    // Only the head and 64 KiB are ever sent; the answer must come anyway.
    req.write(Buffer.concat([head(), Buffer.alloc(65_536, 0x61)]));
  });
  expect(answer.status).toBe(413);
  // OpenAI's error shape, as on every /v1/files answer.
  expect(JSON.parse(answer.body).error.code).toBe("payload_too_large");
  expect(await fileCount()).toBe(0);
});

it("a streamed upload without Content-Length is cut off at the limit: 413, the rest unread, nothing kept", async () => {
  const total = 32 * LIMIT_BYTES;
  let pulled = 0;
  const line = Buffer.from(`${"x".repeat(8_000)}\n`);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head());
    },
    pull(controller) {
      if (pulled >= total) {
        controller.enqueue(tail);
        controller.close();
        return;
      }
      pulled += line.length;
      controller.enqueue(line);
    },
  });
  const res = await fetch(`${api.url}/v1/files`, { method: "POST", headers: { "content-type": CONTENT_TYPE }, body, duplex: "half" } as RequestInit);
  const pulledAtAnswer = pulled;
  expect(res.status).toBe(413);
  expect(((await res.json()) as ResultLine).error.message).toMatch(/larger than 1048576 bytes/);
  // The answer came while most of the body was still unsent (socket and stream buffers hold a little more than the limit).
  expect(pulledAtAnswer).toBeLessThan(total / 2);
  expect(await fileCount()).toBe(0);
  expect(leftovers()).toEqual([]);
});

it("more lines than GENQ_FILE_MAX_LINES: 413; a wrong purpose: 400; not a form: 415", async () => {
  const manyLines = Buffer.from("{}\n".repeat(1001));
  const tooMany = await fetch(`${api.url}/v1/files`, { method: "POST", headers: { "content-type": CONTENT_TYPE }, body: Buffer.concat([head(), manyLines, tail]) });
  expect(tooMany.status).toBe(413);
  expect(((await tooMany.json()) as ResultLine).error.message).toMatch(/more than 1000 lines/);
  const wrongPurpose = await fetch(`${api.url}/v1/files`, { method: "POST", headers: { "content-type": CONTENT_TYPE }, body: Buffer.concat([head("a.jsonl", "fine-tune"), Buffer.from("{}\n"), tail]) });
  expect(wrongPurpose.status).toBe(400);
  const json = await fetch(`${api.url}/v1/files`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  expect(json.status).toBe(415);
  expect(await fileCount()).toBe(0);
  expect(leftovers()).toEqual([]);
});
