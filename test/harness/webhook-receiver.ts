// A real localhost HTTP receiver for webhook tests: records every request (headers, raw body,
// arrival time) and answers as the test scripts it (status, headers, or hang forever).
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What to answer to the n-th (0-based) request on a path; "hang" never answers. */
export type Reply = { status: number; headers?: Record<string, string> } | "hang";
export type Script = (n: number, request: ReceivedRequest) => Reply;

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Requests that reached `path`. */
  on(path: string): ReceivedRequest[];
  script(path: string, script: Script): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const scripts = new Map<string, Script>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0];
      const request = { path, headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      const n = requests.filter((r) => r.path === path).length;
      requests.push(request);
      const reply: Reply = (scripts.get(path) ?? (() => ({ status: 200 })))(n, request);
      if (reply === "hang") {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {});
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    on: (path) => requests.filter((r) => r.path === path),
    script: (path, script) => void scripts.set(path, script),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` every 10 ms until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
