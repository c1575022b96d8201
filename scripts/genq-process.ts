// Runs a genq entry (`api/node.ts`, `worker/index.ts`, `scripts/start.ts`) as a real child process
// (tests, benchmarks), so it can be SIGKILLed; `ready` resolves once it logged its ready line.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface GenqProcess {
  child: ChildProcess;
  /** Resolves once the process logged `readyMarker`; rejects if it exits first. */
  ready: Promise<void>;
  /** The last 20 KB of its stderr (info-level JSON log lines). */
  log(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnGenqProcess(entry: string, readyMarker: string, env: Record<string, string>): GenqProcess {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: ROOT,
    env: { ...process.env, ...env, GENQ_LOG_LEVEL: "info" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
      if (log.includes(readyMarker)) resolve();
    });
    child.once("exit", (code, signal) => reject(new Error(`${entry} exited early (${code ?? signal}): ${log.slice(-2000)}`)));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    log: () => log,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill(signal);
      await exited;
    },
  };
}
