// Edge cases of submit that must read as the client's doing: a chat template that raises (400
// CHAT_TEMPLATE_ERROR with its message), a client vanishing mid-body (debug, not error, in the
// log), a 100k-deep array (a clear nesting message, not a stack overflow), and the prompt limit
// counted in code points.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi } from "../../api/node-api.ts";
import { createLogger } from "../../shared/logger.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import { eventually } from "../harness/webhook-receiver.ts";

// Mistral-style: refuses anything but user/assistant alternating, starting with user.
const STRICT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}" +
  "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token }}{% endfor %}";

let env: TestEnv;
let api: TestApi;
let strictDir: string;

beforeAll(async () => {
  const tiny = await tinyModelDir();
  strictDir = mkdtempSync(join(tmpdir(), "genq-strict-"));
  for (const file of ["config.json", "tokenizer.json"]) cpSync(join(tiny, file), join(strictDir, file));
  const tokenizerConfig = JSON.parse(readFileSync(join(tiny, "tokenizer_config.json"), "utf8"));
  writeFileSync(join(strictDir, "tokenizer_config.json"), JSON.stringify({ ...tokenizerConfig, chat_template: STRICT_TEMPLATE }));
  env = await createTestEnv({ GENQ_MODELS: `tiny=${tiny},strict=${strictDir}`, GENQ_MAX_PROMPT_CHARS: "10", GENQ_RATE_LIMIT_PER_SECOND: "0" });
  api = await startTestApi(env.config);
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
  rmSync(strictDir, { recursive: true, force: true });
});

describe("submit edge cases", () => {
  it("answers a chat template's raise_exception with 400 CHAT_TEMPLATE_ERROR and its message", async () => {
    const messages = [
      { role: "user", content: "a" },
      { role: "user", content: "b" },
    ];
    const body = await expectProblem(await api.post("/v1/jobs", { model: "strict", messages }), 400, "CHAT_TEMPLATE_ERROR");
    expect(body.detail).toContain("Conversation roles must alternate");
    expect(await api.nodeDeps.deps.store.jobs.countByStatus()).toEqual({});
    expect((await api.post("/v1/jobs", { model: "strict", messages: [{ role: "user", content: "a" }] })).status).toBe(202);
  });

  it("refuses a 100k-deep array with a nesting message, not a stack overflow", async () => {
    const body = await expectProblem(await api.post("/v1/jobs", `{"prompt":"x","metadata":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`), 400, "VALIDATION_FAILED");
    expect(body.detail).toMatch(/nesting deeper than 32 levels/);
    expect(body.detail).not.toMatch(/call stack/i);
    // Brackets inside strings are text, not nesting.
    expect((await api.post("/v1/jobs", { prompt: "[[[[", metadata: { note: "[".repeat(100) } })).status).toBe(202);
  });

  it("counts the prompt limit in code points, not UTF-16 units", async () => {
    const emoji = "\u{1F600}";
    expect((await api.post("/v1/jobs", { prompt: emoji.repeat(10), max_tokens: 1 })).status).toBe(202);
    await expectProblem(await api.post("/v1/jobs", { prompt: emoji.repeat(11), max_tokens: 1 }), 400, "VALIDATION_FAILED");
    expect((await api.post("/v1/jobs", { messages: [{ role: "user", content: emoji.repeat(10) }], max_tokens: 1 })).status).toBe(202);
  });

  it("logs a client that leaves mid-body at debug level, never as an error", async () => {
    const lines: string[] = [];
    const server = await startApi({ ...env.config, port: 0 }, createLogger("debug", {}, (line) => lines.push(line)));
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(server.port, "127.0.0.1", () => {
          socket.write('POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"prompt":"ab');
          // Let the server start reading the body, then vanish.
          setTimeout(() => socket.destroy(), 100);
        });
        socket.on("close", () => resolve());
        socket.on("error", reject);
      });
      await eventually(() => lines.some((line) => line.includes("client aborted the request body")), 5_000, "the debug line");
      expect(lines.filter((line) => line.includes('"level":"error"'))).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

