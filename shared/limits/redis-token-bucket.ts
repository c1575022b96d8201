// Per-tenant token bucket in Redis, shared by every API process. One Lua script reads, refills
// and takes a token atomically, on Redis's own clock (API hosts' clocks may disagree).
import type { Redis } from "ioredis";

export interface TokenBucketOptions {
  connection: Redis;
  /** Key prefix (the queue prefix); buckets live at `<prefix>:ratelimit:<tenant>`. */
  prefix: string;
  /** Refill rate, tokens per second; 0 turns the limiter off. */
  perSecond: number;
  /** Bucket size: how many takes succeed at once after idling. */
  burst: number;
}

export interface TakeResult {
  allowed: boolean;
  /** When refused: milliseconds until one token is back. */
  retryAfterMs: number;
}

// KEYS[1] bucket; ARGV rate/s, burst. State: tokens (float) + last refill time (ms). The key
// expires once a full refill would have happened, so idle tenants cost no memory.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait}
`;

type WithTake = Redis & { genqTakeToken(key: string, rate: number, burst: number): Promise<[number, number]> };

export class RedisTokenBucket {
  private readonly redis: WithTake;

  constructor(private readonly options: TokenBucketOptions) {
    this.redis = options.connection as WithTake;
    // defineCommand sends EVALSHA and falls back to EVAL once per connection.
    if (typeof this.redis.genqTakeToken !== "function") {
      this.redis.defineCommand("genqTakeToken", { numberOfKeys: 1, lua: TAKE_SCRIPT });
    }
  }

  async take(tenantId: string): Promise<TakeResult> {
    const { perSecond, burst, prefix } = this.options;
    if (perSecond <= 0) return { allowed: true, retryAfterMs: 0 };
    const [allowed, wait] = await this.redis.genqTakeToken(`${prefix}:ratelimit:${tenantId}`, perSecond, burst);
    return { allowed: allowed === 1, retryAfterMs: Number(wait) };
  }
}
