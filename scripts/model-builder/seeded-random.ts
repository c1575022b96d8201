// Deterministic pseudo-random numbers for generated models: a mulberry32 stream per named
// tensor, and an approximately normal variate built only from + and * (bit-exact everywhere).

/** FNV-1a hash of a string, to derive one independent stream per tensor name. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class SeededRandom {
  private state: number;

  constructor(seed: number, stream = "") {
    this.state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ hashString(stream)) >>> 0;
  }

  /** mulberry32: a uint32 in [0, 2^32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * Mean 0, variance 1, bounded to ±3.46: the Irwin–Hall sum of four uniforms. Unlike Box–Muller
   * it needs no Math.log/cos, so the same seed gives the same bytes on every platform.
   */
  normal(): number {
    const sum = this.uniform() + this.uniform() + this.uniform() + this.uniform();
    return (sum - 2) * 1.7320508075688772;
  }
}
