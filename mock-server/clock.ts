/**
 * The one virtual clock for business time (stock windows, expiry, scheduled callbacks). Real time by
 * default; set, advance and freeze through the control API and the programmatic API. Signature
 * timestamps never use it: clients check them against their own real clock.
 */
import { clockAdvance, clockTime } from './clock-input.js';
import type { ClockState } from './store/state.js';

export type ClockListener = (nowMs: number) => void;

export class Clock {
  private listeners = new Set<ClockListener>();

  constructor(
    private state: ClockState,
    private readonly persist: () => Promise<void> = async () => {},
  ) {}

  /** Re-attach to a replaced state object (after reset). */
  attach(state: ClockState): void {
    this.state = state;
    this.emit();
  }

  nowMs(): number {
    return this.state.frozenAtMs ?? Date.now() + this.state.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  get frozen(): boolean {
    return this.state.frozenAtMs !== null;
  }

  /** `time`: a Date, epoch ms or RFC 3339 text; out of range or malformed → ClockInputError, the clock untouched. */
  async set(time: Date | number | string): Promise<void> {
    const target = clockTime(time);
    if (this.state.frozenAtMs !== null) this.state.frozenAtMs = target;
    else this.state.offsetMs = target - Date.now();
    await this.changed();
  }

  /** `by`: ms or a duration like `'90s'`, `'30d'` (clock-input.ts). */
  async advance(by: number | string): Promise<void> {
    const ms = clockAdvance(by, this.nowMs());
    if (this.state.frozenAtMs !== null) this.state.frozenAtMs += ms;
    else this.state.offsetMs += ms;
    await this.changed();
  }

  async freeze(at?: Date | number | string): Promise<void> {
    this.state.frozenAtMs = at === undefined ? this.nowMs() : clockTime(at);
    await this.changed();
  }

  /** Resume ticking from the current virtual time. */
  async unfreeze(): Promise<void> {
    if (this.state.frozenAtMs === null) return;
    this.state.offsetMs = this.state.frozenAtMs - Date.now();
    this.state.frozenAtMs = null;
    await this.changed();
  }

  /** Back to real time. */
  async reset(): Promise<void> {
    this.state.offsetMs = 0;
    this.state.frozenAtMs = null;
    await this.changed();
  }

  onChange(listener: ClockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot() {
    return {
      now: new Date(this.nowMs()).toISOString(),
      now_ms: this.nowMs(),
      frozen: this.frozen,
      offset_ms: this.state.frozenAtMs === null ? this.state.offsetMs : this.state.frozenAtMs - Date.now(),
    };
  }

  private async changed() {
    await this.persist();
    this.emit();
  }

  private emit() {
    const now = this.nowMs();
    for (const l of this.listeners) l(now);
  }
}
