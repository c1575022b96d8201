// Launches and stops a redis-server child process (quick start, tests, benchmarks) and probes
// whether a Redis answers at a URL.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export interface RedisServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Defaults to a free loopback port. */
  port?: number;
  /** Working directory (AOF lives here). */
  dir: string;
  /** Keep an append-only file so a restart keeps the queue (default false). */
  appendOnly?: boolean;
}

export async function redisAnswers(url: string): Promise<boolean> {
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", options.dir, "--save", "", "--appendonly", options.appendOnly ? "yes" : "no"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once("error", (error) =>
      reject(new Error(`could not start redis-server (${error.message}); install it (e.g. apt-get install redis-server) or set REDIS_URL`)),
    );
  });
  spawnFailed.catch(() => {});
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await Promise.race([redisAnswers(url), spawnFailed]))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`redis-server on ${url} did not answer within 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
