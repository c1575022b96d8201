// API memory during a large upload: the API alone as a child process (`api/node.ts`), its RSS
// (/proc/<pid>/status) sampled every 20 ms while a file of `bytes` streams into POST /v1/files.
import { spawn } from "node:child_process";
import { createWriteStream, openAsBlob, readFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { freePort } from "../redis-server-process.ts";

export interface UploadRss {
  idleMb: number;
  peakMb: number;
  uploadSeconds: number;
  bytes: number;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** ~`bytes` of batch lines, under 50,000 lines (OpenAI's limit), written to `path`. */
async function writeLargeFile(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  const lines = 48_000;
  const filler = "lorem ipsum ".repeat(Math.max(1, Math.floor((bytes / lines - 150) / 12)));
  let written = 0;
  for (let i = 0; i < lines; i++) {
    const line = `${JSON.stringify({ custom_id: `r${i}`, method: "POST", url: "/v1/chat/completions", body: { messages: [{ role: "user", content: filler }], max_tokens: 4 } })}\n`;
    written += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return written;
}

export async function measureUploadRss(dir: string, env: Record<string, string>, bytes: number): Promise<UploadRss> {
  const file = join(dir, "large.jsonl");
  const size = await writeLargeFile(file, bytes);
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "api/node.ts"], {
    env: { ...process.env, ...env, GENQ_PORT: String(port), GENQ_LOG_LEVEL: "error" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if ((await fetch(`${url}/healthz`).catch(() => null))?.ok) break;
      if (i > 600) throw new Error("the API did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    // Warm the upload path with a small file, then let the heap settle.
    const small = new FormData();
    small.append("purpose", "batch");
    small.append("file", new Blob(['{"custom_id":"a"}\n']), "small.jsonl");
    await (await fetch(`${url}/v1/files`, { method: "POST", body: small })).arrayBuffer();
    await new Promise((r) => setTimeout(r, 1_000));
    const idleMb = rssMb(child.pid!);
    let peakMb = idleMb;
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb(child.pid!))), 20);
    const form = new FormData();
    form.append("purpose", "batch");
    form.append("file", await openAsBlob(file), "large.jsonl");
    const start = performance.now();
    const res = await fetch(`${url}/v1/files`, { method: "POST", body: form });
    const answer = (await res.json()) as { bytes?: number };
    const uploadSeconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    if (answer.bytes !== size) throw new Error(`upload answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
    return { idleMb, peakMb, uploadSeconds, bytes: size };
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}
