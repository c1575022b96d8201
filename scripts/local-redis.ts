// For the quick start: use Redis on the default port if something answers there, else launch
// a redis-server under <data>/redis (append-only file on, so a restart keeps the queue).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { redisAnswers, startRedisServer } from "./redis-server-process.ts";

export interface LocalRedis {
  url: string;
  /** True when we launched the server (and so stop it). */
  launched: boolean;
  stop(): Promise<void>;
}

const DEFAULT_PORT = 6379;

export async function ensureLocalRedis(dataDir: string): Promise<LocalRedis> {
  const url = `redis://127.0.0.1:${DEFAULT_PORT}`;
  if (await redisAnswers(url)) return { url, launched: false, stop: async () => {} };
  const dir = join(dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const server = await startRedisServer({ port: DEFAULT_PORT, dir, appendOnly: true });
  return { url, launched: true, stop: () => server.stop() };
}
