// Per-tenant cap on open long-polls (`?wait`) and SSE streams, counted in Redis so it holds
// across API processes. Each open waiter holds a leased member of `<prefix>:waiters:<tenant>`;
// leases are renewed while it stays open, so a crashed API process's slots free themselves.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

export interface WaiterSlotsOptions {
  connection: Redis;
  /** Key prefix (the queue prefix). */
  prefix: string;
  /** Open waiters per tenant (GENQ_MAX_WAITERS_PER_TENANT); 0 turns the cap off. */
  maxPerTenant: number;
  /** How long a slot outlives its last renewal (a crashed API process's slots), ms. Default 30 s. */
  leaseMs?: number;
}

export type SlotGrant = { granted: true; release: () => void } | { granted: false; open: number };

// KEYS[1] the tenant's set; ARGV max, leaseMs, member. Scores are lease ends on Redis's clock.
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local open = redis.call('ZCARD', KEYS[1])
if open >= tonumber(ARGV[1]) then return {0, open} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return {1, open + 1}
`;

// KEYS: sets; ARGV[1] leaseMs, then one member per key. Extends only members still present.
const RENEW_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, lease)
end
return #KEYS
`;

type WithScripts = Redis & {
  genqAcquireWaiter(key: string, max: number, leaseMs: number, member: string): Promise<[number, number]>;
  genqRenewWaiters(numberOfKeys: number, ...args: Array<string | number>): Promise<number>;
};

export class RedisWaiterSlots {
  private readonly redis: WithScripts;
  private readonly leaseMs: number;
  /** Slots this process holds: member -> key. */
  private readonly held = new Map<string, string>();
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WaiterSlotsOptions) {
    this.redis = options.connection as WithScripts;
    this.leaseMs = options.leaseMs ?? 30_000;
    if (typeof this.redis.genqAcquireWaiter !== "function") {
      this.redis.defineCommand("genqAcquireWaiter", { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
      this.redis.defineCommand("genqRenewWaiters", { lua: RENEW_SCRIPT });
    }
  }

  /** A slot for one more open waiter of the tenant, or the refusal with how many are open. */
  async acquire(tenantId: string): Promise<SlotGrant> {
    if (this.options.maxPerTenant <= 0) return { granted: true, release: () => {} };
    const key = `${this.options.prefix}:waiters:${tenantId}`;
    const member = randomUUID();
    const [ok, open] = await this.redis.genqAcquireWaiter(key, this.options.maxPerTenant, this.leaseMs, member);
    if (ok !== 1) return { granted: false, open: Number(open) };
    this.held.set(member, key);
    this.scheduleRenewals();
    let released = false;
    return {
      granted: true,
      release: () => {
        if (released) return;
        released = true;
        this.held.delete(member);
        // Best effort: an unreleased slot still ends with its lease.
        this.redis.zrem(key, member).catch(() => {});
      },
    };
  }

  /** Slots held by this process (for tests and /metrics). */
  get heldCount(): number {
    return this.held.size;
  }

  close(): void {
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** One timer per process renews every held slot in one round trip, a third into the lease. */
  private scheduleRenewals(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => {
      if (this.held.size === 0) return this.close();
      const keys = [...this.held.values()];
      const members = [...this.held.keys()];
      this.redis.genqRenewWaiters(keys.length, ...keys, this.leaseMs, ...members).catch(() => {});
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
  }
}
