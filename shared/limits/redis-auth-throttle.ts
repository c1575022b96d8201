// Failed-authentication counters in Redis, shared by every API process: one fixed window per
// scope (a source address, or everyone) so that guessing the admin key is throttled however
// many API processes answer. Nothing is counted for a successful authentication.
import type { Redis } from "ioredis";

export interface AuthThrottleOptions {
  connection: Redis;
  /** Key prefix (the queue prefix); counters live at `<prefix>:authfail:<scope>`. */
  prefix: string;
  /** Window length, ms. Default 60 s. */
  windowMs?: number;
}

/** A counter and the failures it allows per window before refusing. */
export interface ThrottleScope {
  scope: string;
  maxFailures: number;
}

// KEYS: counters; ARGV: the limit of each. Returns the longest remaining block in ms (0 = none).
const CHECK_SCRIPT = `
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[i]) then wait = math.max(wait, redis.call('PTTL', key)) end
end
return wait
`;

// KEYS: counters; ARGV[1] windowMs. The window starts at the first failure.
const FAIL_SCRIPT = `
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return #KEYS
`;

type WithScripts = Redis & {
  genqAuthCheck(numberOfKeys: number, ...args: Array<string | number>): Promise<number>;
  genqAuthFail(numberOfKeys: number, ...args: Array<string | number>): Promise<number>;
};

export class RedisAuthThrottle {
  private readonly redis: WithScripts;
  private readonly windowMs: number;

  constructor(private readonly options: AuthThrottleOptions) {
    this.redis = options.connection as WithScripts;
    this.windowMs = options.windowMs ?? 60_000;
    if (typeof this.redis.genqAuthCheck !== "function") {
      this.redis.defineCommand("genqAuthCheck", { lua: CHECK_SCRIPT });
      this.redis.defineCommand("genqAuthFail", { lua: FAIL_SCRIPT });
    }
  }

  /** Milliseconds until the most-blocked scope may try again; 0 when none is over its limit. */
  async blockedForMs(scopes: ThrottleScope[]): Promise<number> {
    const keys = scopes.map((s) => this.key(s.scope));
    return Number(await this.redis.genqAuthCheck(keys.length, ...keys, ...scopes.map((s) => s.maxFailures)));
  }

  async recordFailure(scopes: ThrottleScope[]): Promise<void> {
    const keys = scopes.map((s) => this.key(s.scope));
    await this.redis.genqAuthFail(keys.length, ...keys, this.windowMs);
  }

  private key(scope: string): string {
    return `${this.options.prefix}:authfail:${scope}`;
  }
}
