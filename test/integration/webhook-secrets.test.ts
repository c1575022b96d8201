// Per-tenant webhook secrets on real parts (API in-process, SQLite, Redis, the delivery runtime,
// a localhost receiver verifying with `standardwebhooks`): each tenant's messages are signed
// with its own secret, shown to it once; no instance-wide secret signs for everyone; and the
// data dir and database files are created owner-only.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { createLogger } from "../../shared/logger.ts";
import { openNodeServices, type NodeServices } from "../../shared/node-services.ts";
import { openStore } from "../../shared/store/open-store.ts";
import { SqliteWebhookSecretStore } from "../../shared/store/sqlite/sqlite-webhook-secret-store.ts";
import { openDatabase } from "../../shared/store/sqlite/sqlite-database.ts";
import { generateWebhookSecret } from "../../shared/store/webhook-secret-store.ts";
import { startWebhookRuntime, type WebhookRuntime } from "../../shared/webhooks/delivery/webhook-runtime.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { issueKey, startTestApi, type TestApi } from "../harness/test-api.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { eventually, startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from "../harness/webhook-receiver.ts";

let root: string;
let env: TestEnv;
let api: TestApi;
let worker: NodeServices;
let delivery: WebhookRuntime;
let receiver: WebhookReceiver;

const mode = (path: string) => statSync(path).mode & 0o777;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "genq-secrets-"));
  // A data dir that does not exist yet, so genq creates it (no GENQ_WEBHOOK_SECRET is set).
  env = await createTestEnv({ GENQ_DATA_DIR: join(root, "nested", "data"), GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  api = await startTestApi(env.config);
  const logger = createLogger("silent");
  worker = await openNodeServices(env.config, await openStore(env.config), logger, "patient");
  delivery = await startWebhookRuntime(env.config, worker, logger);
  receiver = await startWebhookReceiver();
});

afterAll(async () => {
  await delivery?.close();
  await api?.close();
  await worker?.close();
  await receiver?.close();
  await env?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

async function deliverTo(key: string, path: string): Promise<ReceivedRequest> {
  const auth = { authorization: `Bearer ${key}` };
  const res = await api.post("/v1/jobs", { prompt: "hi", max_tokens: 1, webhook: { url: `${receiver.url}${path}` } }, auth);
  expect(res.status).toBe(202);
  const id = (await res.json()).id as string;
  await worker.lifecycle.start(id);
  await worker.lifecycle.complete(id, { outputText: "ok", finishReason: "stop", promptTokens: 1, completionTokens: 1 });
  return eventually(() => receiver.on(path)[0], 8_000, `the delivery to ${path}`);
}

const verifies = (secret: string, request: ReceivedRequest) => {
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

describe("per-tenant webhook secrets", () => {
  it("signs each tenant's messages with its own secret, shown to it once", async () => {
    const alice = await issueKey(api, "alice");
    const bob = await issueKey(api, "bob");
    const toAlice = await deliverTo(alice, "/alice");
    const toBob = await deliverTo(bob, "/bob");

    const first = await api.get("/v1/webhooks/secret", { authorization: `Bearer ${alice}` });
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    const aliceSecret = (await first.json()).secret as string;
    const bobSecret = (await (await api.get("/v1/webhooks/secret", { authorization: `Bearer ${bob}` })).json()).secret as string;
    expect(aliceSecret).toMatch(/^whsec_/);
    expect(aliceSecret).not.toBe(bobSecret);
    expect(verifies(aliceSecret, toAlice)).toBe(true);
    expect(verifies(bobSecret, toBob)).toBe(true);
    // One tenant's secret never verifies another tenant's messages.
    expect(verifies(aliceSecret, toBob)).toBe(false);
    expect(verifies(bobSecret, toAlice)).toBe(false);

    await expectProblem(await api.get("/v1/webhooks/secret", { authorization: `Bearer ${alice}` }), 409, "WEBHOOK_SECRET_UNAVAILABLE");
    const rotated = await api.post("/v1/webhooks/secret/rotate", "", { authorization: `Bearer ${alice}` });
    expect(rotated.status).toBe(201);
    const fresh = (await rotated.json()).secret as string;
    expect(fresh).not.toBe(aliceSecret);
    // The rotation's answer was the new secret's one showing.
    await expectProblem(await api.get("/v1/webhooks/secret", { authorization: `Bearer ${alice}` }), 409, "WEBHOOK_SECRET_UNAVAILABLE");
    const signedWithBoth = await deliverTo(alice, "/alice-rotated");
    expect(verifies(fresh, signedWithBoth) && verifies(aliceSecret, signedWithBoth)).toBe(true);
  });

  it("a tenant that looks before its first delivery gets the secret that will sign it", async () => {
    const carol = await issueKey(api, "carol");
    const secret = (await (await api.get("/v1/webhooks/secret", { authorization: `Bearer ${carol}` })).json()).secret as string;
    expect(verifies(secret, await deliverTo(carol, "/carol"))).toBe(true);
  });

  it("with the operator's GENQ_WEBHOOK_SECRET, tenants without their own are signed with it and told so", async () => {
    const operator = generateWebhookSecret();
    const db = openDatabase(env.config.databasePath);
    try {
      const secrets = new SqliteWebhookSecretStore(db, { configuredSecret: operator, graceMs: 1_000 });
      expect(await secrets.signingSecrets("dave", Date.now())).toEqual([operator]);
      expect(await secrets.reveal("dave", Date.now())).toEqual({ refused: "operator-secret" });
    } finally {
      db.$client.close();
    }
  });

  it("creates the data dir 0700 and the database, -wal and -shm 0600", () => {
    expect(mode(env.config.dataDir)).toBe(0o700);
    for (const suffix of ["", "-wal", "-shm"]) expect(mode(env.config.databasePath + suffix)).toBe(0o600);
  });
});
