// Job ids: "job_" + a ULID (48-bit millisecond time + 80 random bits, Crockford base32), so ids
// sort by creation time; monotonic within one millisecond in this process.
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
let lastMs = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function freshRandom(): number[] {
  const bytes = randomBytes(16);
  return Array.from({ length: 16 }, (_, i) => bytes[i] & 31);
}

function incremented(digits: number[]): number[] {
  const next = digits.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] < 31) {
      next[i]++;
      return next;
    }
    next[i] = 0;
  }
  return freshRandom();
}

export function newUlid(nowMs = Date.now()): string {
  lastRandom = nowMs === lastMs ? incremented(lastRandom) : freshRandom();
  lastMs = nowMs;
  return encodeTime(nowMs) + lastRandom.map((d) => ALPHABET[d]).join("");
}

export const JOB_ID_PATTERN = /^job_[0-9A-HJKMNP-TV-Z]{26}$/;

export function newJobId(): string {
  return `job_${newUlid()}`;
}
