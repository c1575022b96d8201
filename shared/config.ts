// The one place that reads process.env: parses and validates every GENQ_* setting once and
// fails fast with a list of every bad key. Everything else receives a typed GenqConfig.
import { createHash } from "node:crypto";
import { resolve, join } from "node:path";
import { z } from "zod";
import { DEFAULT_RETRY_SCHEDULE_MS, retryScheduleSpec } from "./webhooks/retry-schedule.ts";
import { WebhookAddressPolicy } from "./webhooks/address-policy.ts";
import { reliabilityConfig, reliabilityEnv, type ReliabilityConfig } from "./reliability-config.ts";

/** The largest GENQ_MAX_TOKENS_LIMIT; beyond it `max_tokens` is malformed, not merely too large. */
export const MAX_TOKENS_CEILING = 1_000_000;

const intInRange = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const modelsSpec = z
  .string()
  .transform((spec, ctx) => {
    const entries = spec
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const eq = part.indexOf("=");
        return eq > 0 ? { name: part.slice(0, eq).trim(), path: part.slice(eq + 1).trim() } : null;
      });
    if (entries.length === 0 || entries.some((e) => e === null || !/^[A-Za-z0-9._-]{1,64}$/.test(e.name) || !e.path)) {
      ctx.addIssue({ code: "custom", message: "expected name=path[,name2=path2] with names of letters, digits, . _ -" });
      return z.NEVER;
    }
    return entries as Array<{ name: string; path: string }>;
  });

const envSchema = z.object({
  GENQ_PORT: intInRange(0, 65535).default(8080),
  GENQ_HOST: z.string().min(1).default("127.0.0.1"),
  GENQ_DATA_DIR: z.string().min(1).default("./data"),
  GENQ_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql:// (unset: the SQLite file in GENQ_DATA_DIR)")
    .refine((url) => URL.canParse(url), "is not a valid URL")
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://").optional(),
  GENQ_MODELS: modelsSpec.optional(),
  GENQ_DEVICE: z.enum(["cpu", "cuda"]).default("cpu"),
  GENQ_DTYPE: z.enum(["fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4"]).default("fp32"),
  GENQ_MAX_BATCH: intInRange(1, 1024).default(16),
  GENQ_MAX_KV_TOKENS: intInRange(64, 16_777_216).default(65_536),
  GENQ_PREFILL_CHUNK_TOKENS: intInRange(16, 65_536).default(256),
  GENQ_PRIORITY_AGING_SECONDS: intInRange(0, 86_400).default(30),
  GENQ_ADMISSION_LOOKAHEAD: intInRange(0, 1024).default(4),
  GENQ_PREFIX_CACHE_TOKENS: intInRange(0, 16_777_216).default(4096),
  GENQ_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  GENQ_ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  GENQ_AUTH: z.enum(["on", "off"]).optional(),
  GENQ_METRICS_TOKEN: z.string().regex(/^[\x21-\x7e]{16,512}$/, "must be 16-512 printable characters without spaces").optional(),
  GENQ_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, "must look like whsec_<base64>").optional(),
  GENQ_WEBHOOK_ALLOW_HOSTS: z
    .string()
    .default("")
    .superRefine((value, ctx) => {
      try {
        new WebhookAddressPolicy(value.split(","));
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^GENQ_WEBHOOK_ALLOW_HOSTS: /, "") });
      }
    }),
  GENQ_WEBHOOK_TIMEOUT_MS: intInRange(100, 120_000).default(10_000),
  GENQ_WEBHOOK_RETRY_SCHEDULE: retryScheduleSpec.default(() => [...DEFAULT_RETRY_SCHEDULE_MS]),
  GENQ_WEBHOOK_RETRY_JITTER: z.string().regex(/^(0(\.\d{1,3})?|1(\.0{1,3})?)$/, "must be a fraction 0..1").transform(Number).default(0.2),
  GENQ_WEBHOOK_MAX_PAYLOAD_BYTES: intInRange(1_024, 10_485_760).default(65_536),
  GENQ_WEBHOOK_SECRET_GRACE_MS: intInRange(0, 2_592_000_000).default(86_400_000),
  GENQ_WEBHOOK_CONCURRENCY: intInRange(1, 1_000).default(16),
  GENQ_PUBLIC_URL: z.string().regex(/^https?:\/\/[^\s]+$/, "must be an http(s) URL").optional(),
  GENQ_SSE_KEEPALIVE_MS: intInRange(100, 300_000).default(15_000),
  GENQ_JOB_STREAM_TTL_MS: intInRange(1_000, 604_800_000).default(3_600_000),
  GENQ_STREAM_TOKEN_TTL_MS: intInRange(2_000, 86_400_000).default(900_000),
  GENQ_JOB_LOCK_MS: intInRange(1_000, 600_000).default(30_000),
  GENQ_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, "must be 1-64 letters, digits, : _ -").optional(),
  GENQ_RATE_LIMIT_PER_SECOND: z
    .string()
    .regex(/^\d{1,7}(\.\d{1,3})?$/, "must be a number of submits per second (0 = no limit)")
    .transform(Number)
    .default(100),
  GENQ_RATE_LIMIT_BURST: intInRange(1, 10_000_000).default(200),
  GENQ_MAX_ACTIVE_JOBS_PER_TENANT: intInRange(0, 100_000_000).default(10_000),
  GENQ_MAX_TOKENS_LIMIT: intInRange(1, MAX_TOKENS_CEILING).default(8_192),
  GENQ_MAX_PROMPT_CHARS: intInRange(1, 200_000).default(100_000),
  GENQ_MAX_WAITERS_PER_TENANT: intInRange(0, 1_000_000).default(1_000),
  GENQ_SPECIAL_TOKENS_IN_CONTENT: z.string().default(""),
  ...reliabilityEnv,
});

export interface GenqConfig {
  port: number;
  host: string;
  dataDir: string;
  databasePath: string;
  /**
   * GENQ_DATABASE_URL: a PostgreSQL database shared by processes on many hosts; undefined = the
   * SQLite file at `databasePath` (one box).
   */
  databaseUrl: string | undefined;
  /** Undefined: the start script launches or finds a local redis-server. */
  redisUrl: string | undefined;
  /** Models (GENQ_SPECIAL_TOKENS_IN_CONTENT) whose message content may carry control tokens (opt-out). */
  specialTokensInContent: string[];
  /** Registered models in order; the first is the default. */
  models: Array<{ name: string; path: string }>;
  /** False when GENQ_MODELS is unset and the generated tiny model under the data dir is served. */
  modelsConfigured: boolean;
  device: "cpu" | "cuda";
  dtype: "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";
  maxBatch: number;
  maxKvTokens: number;
  prefillChunkTokens: number;
  /** Waiting this long raises a job one priority level, in the engine and in the queue (0 = off). */
  priorityAgingMs: number;
  /** Jobs a worker takes beyond max batch and holds unstarted, so urgent work reaches the engine. */
  admissionLookahead: number;
  /** Prompt-prefix KV cache per model and worker, in tokens; 0 = off. */
  prefixCacheTokens: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  adminKey: string | undefined;
  /** Undefined = automatic: open on loopback without keys, required elsewhere. */
  auth: "on" | "off" | undefined;
  /** GENQ_METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <it>`. */
  metricsToken: string | undefined;
  webhookSecret: string | undefined;
  webhookAllowHosts: string[];
  delivery: DeliveryConfig;
  jobLockMs: number;
  /**
   * Prefix of every Redis key genq writes (BullMQ queues, event channels, streams, rate limits):
   * GENQ_QUEUE_PREFIX, else derived from the data dir (from GENQ_DATABASE_URL's host, port and
   * database when set, so hosts agree), so two deployments on one Redis never share.
   */
  queuePrefix: string;
  /** Fair use, per tenant (= per key unless keys share a tenant). 0 turns a limit off. */
  tenantLimits: TenantLimits;
  /** Crash handling, shutdown, heartbeats and retention (GENQ_MAX_JOB_RUNS, GENQ_SHUTDOWN_GRACE_MS, ...). */
  reliability: ReliabilityConfig;
}

export interface TenantLimits {
  /** Token-bucket refill rate for every mutating /v1 request (GENQ_RATE_LIMIT_PER_SECOND, 100; 0 = off). */
  submitsPerSecond: number;
  /** Token-bucket size: mutating requests allowed at once after idling (GENQ_RATE_LIMIT_BURST, 200). */
  submitBurst: number;
  /** Queued-or-running jobs at once (GENQ_MAX_ACTIVE_JOBS_PER_TENANT, 10000; 0 = off). */
  maxActiveJobs: number;
  /** Largest `max_tokens` (GENQ_MAX_TOKENS_LIMIT, 8192); the model's context also applies. */
  maxTokens: number;
  /** Longest prompt, or sum of message contents, in characters (GENQ_MAX_PROMPT_CHARS, 100000). */
  maxPromptChars: number;
  /** Open long-polls (`?wait`) + SSE streams at once, across API processes (GENQ_MAX_WAITERS_PER_TENANT, 1000; 0 = off). */
  maxWaiters: number;
}

/** Result delivery: webhooks, long-poll links and SSE streams (GENQ_WEBHOOK_*, GENQ_SSE_*, ...). */
export interface DeliveryConfig {
  /** Whole-attempt limit for one webhook POST (connect + response headers). */
  webhookTimeoutMs: number;
  /** Delay before each attempt; [0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h] = 7 attempts, then give up. */
  webhookRetryScheduleMs: number[];
  /** Each retry delay is spread by +/- this fraction so failed receivers are not hit in lockstep. */
  webhookRetryJitter: number;
  /** Largest webhook body; beyond it the output text is left out and linked instead. */
  webhookMaxPayloadBytes: number;
  /** How long a rotated-out secret still signs (and so still verifies). */
  webhookSecretGraceMs: number;
  /** Deliveries in flight per worker process. */
  webhookConcurrency: number;
  /** Absolute base for links in webhook payloads (GENQ_PUBLIC_URL; default http://host:port). */
  publicUrl: string;
  /** Comment lines on idle SSE streams so proxies keep them open. */
  sseKeepAliveMs: number;
  /** Per-job event streams (Redis) live this long after the last event. */
  jobStreamTtlMs: number;
  /** Longest life of a `?token=` stream token in job answers' `urls.events` (at least half of it). */
  streamTokenTtlMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Parses an environment-like record. Empty strings count as unset. */
export function parseConfig(env: Record<string, string | undefined>): GenqConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const e = parsed.data;
  const dataDir = resolve(e.GENQ_DATA_DIR);
  const models = (e.GENQ_MODELS ?? [{ name: "tiny", path: join(dataDir, "models", "tiny") }]).map((m) => ({ name: m.name, path: resolve(m.path) }));
  const specialTokensInContent = e.GENQ_SPECIAL_TOKENS_IN_CONTENT.split(",").map((n) => n.trim()).filter(Boolean);
  const unknown = specialTokensInContent.filter((n) => !models.some((m) => m.name === n));
  if (unknown.length > 0) throw new ConfigError([`GENQ_SPECIAL_TOKENS_IN_CONTENT: ${unknown.join(", ")} is not a model in GENQ_MODELS`]);
  return {
    port: e.GENQ_PORT,
    host: e.GENQ_HOST,
    dataDir,
    databasePath: join(dataDir, "genq.db"),
    databaseUrl: e.GENQ_DATABASE_URL,
    redisUrl: e.REDIS_URL,
    modelsConfigured: e.GENQ_MODELS !== undefined,
    models,
    specialTokensInContent,
    device: e.GENQ_DEVICE,
    dtype: e.GENQ_DTYPE,
    maxBatch: e.GENQ_MAX_BATCH,
    maxKvTokens: e.GENQ_MAX_KV_TOKENS,
    prefillChunkTokens: e.GENQ_PREFILL_CHUNK_TOKENS,
    priorityAgingMs: e.GENQ_PRIORITY_AGING_SECONDS * 1000,
    admissionLookahead: e.GENQ_ADMISSION_LOOKAHEAD,
    prefixCacheTokens: e.GENQ_PREFIX_CACHE_TOKENS,
    logLevel: e.GENQ_LOG_LEVEL,
    adminKey: e.GENQ_ADMIN_KEY,
    auth: e.GENQ_AUTH,
    metricsToken: e.GENQ_METRICS_TOKEN,
    webhookSecret: e.GENQ_WEBHOOK_SECRET,
    webhookAllowHosts: e.GENQ_WEBHOOK_ALLOW_HOSTS.split(",").map((h) => h.trim()).filter(Boolean),
    delivery: {
      webhookTimeoutMs: e.GENQ_WEBHOOK_TIMEOUT_MS,
      webhookRetryScheduleMs: e.GENQ_WEBHOOK_RETRY_SCHEDULE,
      webhookRetryJitter: e.GENQ_WEBHOOK_RETRY_JITTER,
      webhookMaxPayloadBytes: e.GENQ_WEBHOOK_MAX_PAYLOAD_BYTES,
      webhookSecretGraceMs: e.GENQ_WEBHOOK_SECRET_GRACE_MS,
      webhookConcurrency: e.GENQ_WEBHOOK_CONCURRENCY,
      publicUrl: (e.GENQ_PUBLIC_URL ?? `http://${e.GENQ_HOST.includes(":") ? `[${e.GENQ_HOST}]` : e.GENQ_HOST}:${e.GENQ_PORT}`).replace(/\/+$/, ""),
      sseKeepAliveMs: e.GENQ_SSE_KEEPALIVE_MS,
      jobStreamTtlMs: e.GENQ_JOB_STREAM_TTL_MS,
      streamTokenTtlMs: e.GENQ_STREAM_TOKEN_TTL_MS,
    },
    jobLockMs: e.GENQ_JOB_LOCK_MS,
    queuePrefix: e.GENQ_QUEUE_PREFIX ?? deploymentPrefix(e.GENQ_DATABASE_URL ? databaseIdentity(e.GENQ_DATABASE_URL) : dataDir),
    tenantLimits: {
      submitsPerSecond: e.GENQ_RATE_LIMIT_PER_SECOND,
      submitBurst: e.GENQ_RATE_LIMIT_BURST,
      maxActiveJobs: e.GENQ_MAX_ACTIVE_JOBS_PER_TENANT,
      maxTokens: e.GENQ_MAX_TOKENS_LIMIT,
      maxPromptChars: e.GENQ_MAX_PROMPT_CHARS,
      maxWaiters: e.GENQ_MAX_WAITERS_PER_TENANT,
    },
    reliability: reliabilityConfig(e),
  };
}

/**
 * `genq-<8 hex>` from what the processes of one deployment share: the resolved data dir on one
 * box, the database on many hosts (whose data dirs differ); two deployments differ.
 */
function deploymentPrefix(shared: string): string {
  return `genq-${createHash("sha256").update(shared).digest("hex").slice(0, 8)}`;
}

/** host:port/database of a PostgreSQL URL: the same for every host, whatever user or password it uses. */
function databaseIdentity(url: string): string {
  const parsed = new URL(url);
  return `postgres://${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

/** Reads process.env once; entry points call this and pass the result down. */
export function loadConfig(): GenqConfig {
  return parseConfig(process.env);
}
