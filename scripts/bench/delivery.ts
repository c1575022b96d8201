// `npm run bench:delivery`: result-delivery costs over real HTTP. With a real worker
// (tiny model): completion -> long-poll answer and -> webhook arrival, bytes per poll (full,
// `fields`, 304, compressed). API alone: wake-up latency at 1 ms precision, idle CPU of 1,000
// open long-polls. Prints a table; numbers are for this machine and load.
import { createServer, request, Agent, type IncomingHttpHeaders } from "node:http";
import { startBenchStack } from "./bench-stack.ts";
import { percentile } from "./percentile.ts";

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Bytes received on the wire: status line, headers and body. */
  wireBytes: number;
}

/** One request on its own connection, so socket byte counts belong to it alone. */
function http(method: string, url: string, headers: Record<string, string> = {}, body?: unknown, agent?: Agent): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent: agent ?? false, headers: { ...headers, ...(payload ? { "content-type": "application/json" } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), wireBytes: res.socket?.bytesRead ?? NaN }),
      );
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed while idle (its keep-alive timeout passes easily on
      // a loaded machine): the request never reached it, so send it again (Node's documented fix).
      if (req.reusedSocket && error.code === "ECONNRESET") http(method, url, headers, body, agent).then(resolve, reject);
      else reject(error);
    });
    req.end(payload);
  });
}

const fmt = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : "n/a");

async function withRealWorker(rows: string[][]): Promise<void> {
  const arrivals = new Map<string, number>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      arrivals.set(String(req.headers["webhook-id"]), Date.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const port = (receiver.address() as { port: number }).port;
  const stack = await startBenchStack({ GENQ_WEBHOOK_ALLOW_HOSTS: "127.0.0.1", GENQ_MAX_BATCH: "4" });
  const base = stack.api.url;
  try {
    const pollMs: number[] = [];
    const hookMs: number[] = [];
    for (let i = 0; i < 60; i++) {
      const created = await http("POST", `${base}/v1/jobs`, {}, {
        prompt: `bench ${i}`,
        max_tokens: 8,
        temperature: 0,
        ignore_eos: true,
        webhook: { url: `http://127.0.0.1:${port}/hook` },
      });
      const id = JSON.parse(created.body).id as string;
      const answer = await http("GET", `${base}/v1/jobs/${id}?wait=30`);
      const answeredAt = Date.now();
      const job = JSON.parse(answer.body);
      if (i >= 10) pollMs.push(answeredAt - Date.parse(job.completed_at));
      const messageId = `msg_${id}_succeeded`;
      const deadline = Date.now() + 10_000;
      while (!arrivals.has(messageId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      if (i >= 10) hookMs.push(arrivals.get(messageId)! - Date.parse(job.completed_at));
    }
    rows.push(["completion -> long-poll answer (real worker, 1 ms clock)", `p50 ${fmt(percentile(pollMs, 50))} ms`, `p99 ${fmt(percentile(pollMs, 99))} ms`]);
    rows.push(["completion -> webhook received (real worker)", `p50 ${fmt(percentile(hookMs, 50))} ms`, `p99 ${fmt(percentile(hookMs, 99))} ms`]);

    // A finished job with ~1 KB of output, polled the ways a client can.
    const big = await http("POST", `${base}/v1/jobs`, {}, { prompt: "bytes", max_tokens: 256, temperature: 0, ignore_eos: true });
    const bigId = JSON.parse(big.body).id as string;
    const done = await http("GET", `${base}/v1/jobs/${bigId}?wait=30`);
    const etag = String(done.headers.etag);
    const slim = await http("GET", `${base}/v1/jobs/${bigId}?fields=status`);
    const variants: Array<[string, Promise<HttpAnswer>]> = [
      ["full object", http("GET", `${base}/v1/jobs/${bigId}`)],
      ["full object, Accept-Encoding: br", http("GET", `${base}/v1/jobs/${bigId}`, { "accept-encoding": "br" })],
      ["full object, Accept-Encoding: gzip", http("GET", `${base}/v1/jobs/${bigId}`, { "accept-encoding": "gzip" })],
      ["fields=status", http("GET", `${base}/v1/jobs/${bigId}?fields=status`)],
      ["fields=status,output", http("GET", `${base}/v1/jobs/${bigId}?fields=status,output`)],
      ["304 (If-None-Match, full)", http("GET", `${base}/v1/jobs/${bigId}`, { "if-none-match": etag })],
      ["304 (If-None-Match, fields=status)", http("GET", `${base}/v1/jobs/${bigId}?fields=status`, { "if-none-match": String(slim.headers.etag) })],
    ];
    const outputBytes = Buffer.byteLength(JSON.parse(done.body).output.text);
    for (const [label, pending] of variants) {
      const a = await pending;
      rows.push([`bytes per poll: ${label} (output ${outputBytes} B)`, `${a.wireBytes} B on the wire`, `status ${a.status}`]);
    }
  } finally {
    await stack.close();
    receiver.close();
  }
}

async function apiAlone(rows: string[][]): Promise<void> {
  const stack = await startBenchStack({}, { withWorker: false });
  const api = stack.api;
  const { lifecycle, events } = api.deps;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const submit = async () => JSON.parse((await http("POST", `${api.url}/v1/jobs`, {}, { prompt: "x", max_tokens: 2 }, agent)).body).id as string;
  // Finishes a row through the job lifecycle, exactly as the worker does after the engine returns.
  const finish = async (id: string) => {
    await lifecycle.start(id);
    await lifecycle.complete(id, { outputText: "ok", finishReason: "stop", promptTokens: 1, completionTokens: 1 });
  };
  try {
    const wakeMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const id = await submit();
      const answered = http("GET", `${api.url}/v1/jobs/${id}?wait=30`, {}, undefined, agent).then(() => performance.now());
      await new Promise((r) => setTimeout(r, 5));
      const finishedAt = performance.now();
      await finish(id);
      wakeMs.push((await answered) - finishedAt);
    }
    rows.push(["row written -> long-poll answer (API alone, 200 polls)", `p50 ${fmt(percentile(wakeMs, 50))} ms`, `p99 ${fmt(percentile(wakeMs, 99))} ms`]);

    const ids = await Promise.all(Array.from({ length: 100 }, submit));
    const waiters = Array.from({ length: 1_000 }, (_, i) => http("GET", `${api.url}/v1/jobs/${ids[i % ids.length]}?wait=60`, {}, undefined, agent));
    while (events.waiterCount < 1_000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    const before = process.cpuUsage();
    const wallStart = performance.now();
    await new Promise((r) => setTimeout(r, 1_000));
    const used = process.cpuUsage(before);
    const wall = performance.now() - wallStart;
    const cpuMs = (used.user + used.system) / 1_000;
    rows.push(["idle CPU, 1,000 open long-polls (API + clients, 1 process)", `${fmt(cpuMs)} ms CPU / ${fmt(wall)} ms`, `${fmt((cpuMs / wall) * 100)} % of a core`]);
    const rss = process.memoryUsage().rss / 1_048_576;
    const wakeStart = performance.now();
    await Promise.all(ids.map(finish));
    await Promise.all(waiters);
    rows.push(["wake all 1,000 waiters (100 jobs finish at once)", `${fmt(performance.now() - wakeStart)} ms`, `RSS ${fmt(rss)} MiB`]);
  } finally {
    agent.destroy();
    await stack.close();
  }
}

const rows: string[][] = [];
await withRealWorker(rows);
await apiAlone(rows);
const width = Math.max(...rows.map((r) => r[0].length));
for (const [what, a, b] of rows) console.log(`${what.padEnd(width)}  ${a.padStart(26)}  ${b}`);
process.exit(0);
