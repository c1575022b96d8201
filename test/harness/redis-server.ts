// A throwaway redis-server for tests (free port, temp dir, no persistence), removed on stop.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer as startProcess } from "../../scripts/redis-server-process.ts";

export interface RedisServerHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startRedisServer(port?: number): Promise<RedisServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), "genq-redis-"));
  const server = await startProcess({ port, dir });
  return {
    url: server.url,
    port: server.port,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
