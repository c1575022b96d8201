// Per-sequence deterministic PRNG: xoshiro128** seeded through splitmix32, so a job's seed alone
// decides its draws regardless of batch mates. Unseeded instances draw their state from crypto.
import { randomFillSync } from "node:crypto";

const TWO_POW_26 = 2 ** 26;
const TWO_POW_53 = 2 ** 53;

export class SeededRng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed any safe integer (negative and > 32-bit seeds are fine); undefined = random. */
  constructor(seed?: number) {
    if (seed === undefined) {
      const state = randomFillSync(new Uint32Array(4));
      this.setState(state[0], state[1], state[2], state[3]);
      return;
    }
    // Feed both 32-bit halves through splitmix32 so nearby seeds (0, 1, 2…) give unrelated states.
    const low = seed >>> 0;
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    let mix = Math.imul(high, 0x9e3779b9) ^ low;
    const next = (): number => {
      mix = (mix + 0x9e3779b9) | 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.setState(next(), next(), next(), next());
  }

  /** Next raw 32-bit output (unsigned). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 bits of precision (two 32-bit draws). */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * TWO_POW_26 + low) / TWO_POW_53;
  }

  private setState(a: number, b: number, c: number, d: number): void {
    // xoshiro's all-zero state is a fixed point; splitmix never yields it in practice, crypto might.
    if ((a | b | c | d) === 0) a = 0x9e3779b9;
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
