// The real app in-process (app.request) over real SQLite + Redis, plus small client helpers.
import { createApp } from "../../api/app.ts";
import { createNodeDeps, type NodeDeps } from "../../api/node-api.ts";
import type { GenqConfig } from "../../shared/config.ts";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { createLogger } from "../../shared/logger.ts";
import { isTerminalStatus } from "../../shared/store/schema/jobs.ts";

export interface TestApi {
  app: ReturnType<typeof createApp>;
  nodeDeps: NodeDeps;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(path: string, headers?: Record<string, string>): Promise<TestResponse>;
  /**
   * Polls GET /v1/jobs/:id until `done(job)` or the timeout. `longPoll` uses `?wait=1`, which
   * answers early only at a terminal state, so leave it off to catch intermediate states.
   */
  waitFor(id: string, done: (job: JobJson) => boolean, timeoutMs?: number, longPoll?: boolean): Promise<JobJson>;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobJson = Record<string, any>;
/** A fetch Response whose json() is typed loosely for assertions. */
export type TestResponse = Omit<Response, "json"> & { json(): Promise<JobJson> };

export async function startTestApi(config: GenqConfig): Promise<TestApi> {
  const nodeDeps = await createNodeDeps(config, createLogger("error"));
  const app = createApp(nodeDeps.deps);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<TestResponse> =>
    Promise.resolve(
      app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    ) as Promise<TestResponse>;
  const get = (path: string, headers: Record<string, string> = {}): Promise<TestResponse> =>
    Promise.resolve(app.request(path, { headers })) as Promise<TestResponse>;
  return {
    app,
    nodeDeps,
    post,
    get,
    async waitFor(id, done, timeoutMs = 30_000, longPoll = done === isTerminalJob) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = (await (await get(`/v1/jobs/${id}${longPoll ? "?wait=1" : ""}`)).json()) as JobJson;
        if (done(job)) return job;
        if (Date.now() > deadline) throw new Error(`timed out waiting for job ${id}; last status: ${job.status}`);
        await new Promise((r) => setTimeout(r, longPoll ? 0 : 5));
      }
    },
    close: () => nodeDeps.close(),
  };
}

export const isTerminalJob = (job: JobJson) => isTerminalStatus(String(job.status));

/** Issues an API key in the API's store (as the admin API and the keys CLI do); returns the key. */
export async function issueKey(api: Pick<TestApi, "nodeDeps">, name: string, tenantId?: string): Promise<string> {
  return (await issueApiKey(api.nodeDeps.deps.store.apiKeys, { name, tenantId })).key;
}

/** All job rows in the store, by status (the "nothing stored" checks). */
export async function rowCount(api: Pick<TestApi, "nodeDeps">): Promise<number> {
  return Object.values(await api.nodeDeps.deps.store.jobs.countByStatus()).reduce((a, b) => a + b, 0);
}
