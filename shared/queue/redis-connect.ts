// Opens an ioredis connection and waits until it is ready, or fails startup with one clear
// line; afterwards connection errors are logged (once per outage), never left unhandled.
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../logger.ts";
import { StartupError } from "../startup/startup-failure.ts";

/** How long startup waits for Redis (it may be starting alongside). */
const REDIS_READY_TIMEOUT_MS = 5_000;

export async function connectRedis(url: string | undefined, options: RedisOptions, logger: Logger): Promise<Redis> {
  if (!url) throw new StartupError("REDIS_URL is not set", "set REDIS_URL=redis://host:port (npm start finds or starts a local Redis by itself)");
  const connection = new Redis(url, { ...options, lazyConnect: true });
  let lastError: Error | undefined;
  let started = false;
  let down = false;
  connection.on("error", (error: Error) => {
    lastError = error;
    if (started && !down) logger.warn("redis connection lost; retrying", { error });
    down = true;
  });
  connection.on("ready", () => {
    if (started && down) logger.info("redis connection restored");
    down = false;
  });
  const ready = new Promise<void>((resolve) => connection.once("ready", () => resolve()));
  connection.connect().catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), REDIS_READY_TIMEOUT_MS)));
  const failed = await Promise.race([ready.then(() => false), timedOut]);
  clearTimeout(timer);
  if (failed) {
    connection.disconnect();
    const reason = lastError ? ((lastError as { code?: string }).code ?? lastError.message) : "no answer";
    throw new StartupError(
      `Redis at ${url} is not reachable (${reason}) after ${REDIS_READY_TIMEOUT_MS / 1000} s`,
      "start redis-server there or point REDIS_URL at a running Redis",
    );
  }
  started = true;
  return connection;
}
