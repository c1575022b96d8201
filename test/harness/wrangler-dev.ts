// Runs the real Workers entry under `wrangler dev --local` (workerd, local D1 persisted to a temp
// dir, D1 migrations applied first with `wrangler d1 migrations apply --local`), offline: no
// telemetry, no prompts. Startup can take minutes on a loaded machine; failures quote the log.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");

export interface WranglerDev {
  url: string;
  /** Everything wrangler and the Worker printed (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Offline and non-interactive: no metrics, no update checks, no prompts. */
function wranglerEnv(persistDir: string): NodeJS.ProcessEnv {
  return { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", WRANGLER_LOG_PATH: join(persistDir, "logs"), NO_COLOR: "1", FORCE_COLOR: "0" };
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  // Its own process group, so stop() also ends the workerd processes wrangler starts.
  const child = spawn(WRANGLER, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return await new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

export async function startWranglerDev(vars: Record<string, string>, readyTimeoutMs = 240_000): Promise<WranglerDev> {
  const persistDir = mkdtempSync(join(tmpdir(), "genq-wrangler-"));
  const env = wranglerEnv(persistDir);
  const migrate = run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], env);
  const code = await exited(migrate.child);
  if (code !== 0) throw new Error(`wrangler d1 migrations apply --local failed (exit ${code}):\n${migrate.output().slice(-3000)}`);

  const port = await freePort();
  const inspectorPort = await freePort();
  const varArgs = Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]);
  const dev = run(
    ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--persist-to", persistDir, ...varArgs],
    env,
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (dev.child.exitCode === null && dev.child.signalCode === null) {
      const done = exited(dev.child);
      try {
        process.kill(-dev.child.pid!, "SIGTERM");
      } catch {
        // Already gone.
      }
      await Promise.race([done, new Promise((r) => setTimeout(r, 5_000))]);
      try {
        process.kill(-dev.child.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(persistDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (dev.child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited (${dev.child.exitCode}) before serving:\n${dev.output().slice(-3000)}`);
    }
    const status = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) }).then((r) => r.status, () => 0);
    if (status === 200) break;
    // It serves, but the Worker itself fails (a bad binding, a module it cannot run): no point waiting.
    if (status >= 500) {
      await stop();
      throw new Error(`the Worker answers /healthz with ${status} under wrangler dev:\n${dev.output().slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /healthz within ${readyTimeoutMs / 1000} s:\n${dev.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, log: dev.output, stop };
}
