// For the quick start: use Redis on the default port if something answers there, else launch
// a redis-server under <data>/redis (append-only file on, so a restart keeps the queue).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";

export interface LocalRedis {
  url: string;
  /** Set when we launched the server (and so must stop it). */
  child: ChildProcess | undefined;
  stop(): Promise<void>;
}

const DEFAULT_URL = "redis://127.0.0.1:6379";

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function ensureLocalRedis(dataDir: string): Promise<LocalRedis> {
  if (await answers(DEFAULT_URL)) return { url: DEFAULT_URL, child: undefined, stop: async () => {} };
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    "redis-server",
    ["--port", "6379", "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--save", ""],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) =>
      reject(new Error(`could not start redis-server (${error.message}); install it (e.g. apt-get install redis-server) or set REDIS_URL`)),
    );
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await Promise.race([answers(DEFAULT_URL), failed])) break;
    if (Date.now() > deadline) throw new Error("redis-server did not answer within 10 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: DEFAULT_URL,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
