/**
 * A small seeded PRNG (mulberry32) so a soak's choices — which fault, on which node, at
 * which moment, on which file — are reproducible from `--seed`. Timing on a busy machine is
 * not; the choices are.
 */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [a, b). */
  between(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  pick<T>(list: readonly T[]): T {
    if (!list.length) throw new RangeError('pick from an empty list');
    return list[this.int(list.length)]!;
  }
}
