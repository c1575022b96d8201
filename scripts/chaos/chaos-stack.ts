// Real genq processes on loopback for the chaos run: its own redis-server (which can be killed and
// replaced by an empty one on the same port), its own data dir, one API and N workers as child
// processes (`tsx api/node.ts`, `tsx worker/index.ts`) that can be SIGKILLed and restarted.
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { spawnGenqProcess } from "../genq-process.ts";
import { freePort, startRedisServer, type RedisServerProcess } from "../redis-server-process.ts";
import { buildModelFolder } from "../model-builder/write-model-folder.ts";

export interface ChaosProcess {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
}

export class ChaosStack {
  readonly workers: Array<ChaosProcess | undefined> = [];
  api: ChaosProcess | undefined;
  private redis: RedisServerProcess | undefined;
  private constructor(
    readonly dataDir: string,
    readonly env: Record<string, string>,
    readonly apiUrl: string,
    private readonly redisPort: number,
  ) {}

  /** Builds the tiny model once under the data dir and starts Redis (no API or worker yet). */
  static async create(extraEnv: Record<string, string> = {}): Promise<ChaosStack> {
    const dataDir = mkdtempSync(join(tmpdir(), "genq-chaos-"));
    const modelDir = join(dataDir, "models", "tiny");
    await buildModelFolder({ preset: "tiny", outDir: modelDir });
    const redisPort = await freePort();
    const apiPort = await freePort();
    const env = {
      GENQ_DATA_DIR: dataDir,
      GENQ_MODELS: `tiny=${modelDir}`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      GENQ_PORT: String(apiPort),
      GENQ_LOG_LEVEL: "error",
      GENQ_RATE_LIMIT_PER_SECOND: "0",
      GENQ_MAX_ACTIVE_JOBS_PER_TENANT: "0",
      GENQ_JOB_LOCK_MS: "2000",
      ...extraEnv,
    };
    const stack = new ChaosStack(dataDir, env, `http://127.0.0.1:${apiPort}`, redisPort);
    await stack.startRedis();
    return stack;
  }

  async startRedis(): Promise<void> {
    const dir = join(this.dataDir, `redis-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    this.redis = await startRedisServer({ port: this.redisPort, dir });
  }

  /** SIGKILLs Redis and starts an empty one on the same port (no persistence: everything is lost). */
  async replaceRedis(): Promise<void> {
    const old = this.redis!.child;
    const exited = new Promise((resolve) => old.once("exit", resolve));
    old.kill("SIGKILL");
    await exited;
    await this.startRedis();
  }

  async startApi(): Promise<void> {
    this.api = this.spawn("api", "api/node.ts", '"api listening"');
    await this.api.ready;
  }

  async killApi(): Promise<void> {
    await kill(this.api?.child, "SIGKILL");
  }

  async startWorker(index: number): Promise<void> {
    this.workers[index] = this.spawn(`worker${index}`, "worker/index.ts", '"worker ready"');
    await this.workers[index]!.ready;
  }

  async killWorker(index: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await kill(this.workers[index]?.child, signal);
  }

  /** RSS in MiB of the API, each worker and Redis (used_memory_rss). */
  async rssMiB(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const procs = [this.api, ...this.workers].filter((p): p is ChaosProcess => p !== undefined && p.child.exitCode === null);
    for (const p of procs) {
      try {
        out[p.name] = Number(execFileSync("ps", ["-o", "rss=", "-p", String(p.child.pid)]).toString().trim()) / 1024;
      } catch {
        // exited between the check and ps
      }
    }
    const redis = new Redis(this.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    redis.on("error", () => {});
    try {
      await redis.connect();
      const info = await redis.info("memory");
      out.redis = Number(/used_memory_rss:(\d+)/.exec(info)?.[1] ?? 0) / 1_048_576;
    } catch {
      // Redis being replaced
    } finally {
      redis.disconnect();
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.killApi(), ...this.workers.map((_, i) => this.killWorker(i))]);
    await this.redis?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private spawn(name: string, entry: string, readyMarker: string): ChaosProcess {
    const { child, ready } = spawnGenqProcess(entry, readyMarker, this.env);
    return { name, child, ready };
  }
}

async function kill(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}
