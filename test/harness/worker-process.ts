// Runs `worker/index.ts` as a real child process (so it can be SIGKILLed) with a test env.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker logged that it is ready. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...env, GENQ_LOG_LEVEL: "info" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('"worker ready"')) resolve();
    });
    child.once("exit", (code) => reject(new Error(`worker exited early (${code}): ${log.slice(-2000)}`)));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill(signal);
      await exited;
    },
  };
}
