// An HTTP proxy in front of a real server that can be switched "down" (every connection is reset
// at once, as when the server is restarting), counting what it refused: for retry tests.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyProxy {
  url: string;
  /** Down: connections are reset without an answer. */
  setDown(down: boolean): void;
  /** Requests reset while down. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  let down = false;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    if (down) {
      refused++;
      req.socket.destroy();
      return;
    }
    const forward = request(
      { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setDown: (value) => (down = value),
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
