// Runs `worker/index.ts` as a real child process (so it can be SIGKILLed) with a test env.
import { spawnGenqProcess, type GenqProcess } from "../../scripts/genq-process.ts";

export type WorkerProcess = GenqProcess;

export function spawnWorkerProcess(env: Record<string, string>): WorkerProcess {
  return spawnGenqProcess("worker/index.ts", '"worker ready"', env);
}
