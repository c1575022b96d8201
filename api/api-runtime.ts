// Serves createApp on @hono/node-server; `close()` stops accepting, ends long-polls and closes
// connections.
import { serve, type ServerType } from "@hono/node-server";
import type { GenqConfig } from "../shared/config.ts";
import type { Logger } from "../shared/logger.ts";
import { createApp } from "./app.ts";
import type { AppDeps } from "./app-deps.ts";
import { createNodeDeps } from "./node-deps.ts";

export interface ApiHandle {
  url: string;
  port: number;
  deps: AppDeps;
  close(): Promise<void>;
}

export async function startApi(config: GenqConfig, logger: Logger): Promise<ApiHandle> {
  const nodeDeps = await createNodeDeps(config, logger);
  const app = createApp(nodeDeps.deps);
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => {
        s.off("error", reject);
        resolve(s);
      });
      s.once("error", reject);
    });
  } catch (error) {
    await nodeDeps.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    deps: nodeDeps.deps,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-polls would hold close() for up to a minute: end idle and waiting sockets now.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await nodeDeps.close();
    },
  };
}
