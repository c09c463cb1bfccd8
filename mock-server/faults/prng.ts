/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence on every run and machine,
 * so a rule with `probability` and `seed` fails the same calls twice. Not for anything secret.
 */
export class SeededRandom {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** A seed for a rule that gave none: shown in the rule's listing, so the run can be repeated. */
export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 31);
