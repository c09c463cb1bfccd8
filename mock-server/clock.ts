/**
 * The one virtual clock for business time (stock windows, expiry, scheduled callbacks). Real time by
 * default; set, advance and freeze through the control API and the programmatic API. Signature
 * timestamps never use it: clients check them against their own real clock.
 */
import { clockAdvance, clockTime } from './clock-input.js';
import type { ClockState } from './store/state.js';

/** Where the clock's state lives: read it as it is now, change it in a transaction (durable when it resolves). */
export interface ClockStore {
  read(): ClockState;
  write(change: (state: ClockState) => void): Promise<void>;
}

/** A clock kept in memory only (tests of pieces that need one). */
export function memoryClockStore(state: ClockState = { offsetMs: 0, frozenAtMs: null }): ClockStore {
  return {
    read: () => state,
    write: async (change) => change(state),
  };
}

export type ClockListener = (nowMs: number) => void;

export class Clock {
  private listeners = new Set<ClockListener>();

  constructor(private readonly store: ClockStore = memoryClockStore()) {}

  private get state(): ClockState {
    return this.store.read();
  }

  /** The state was replaced (reset, import): tell the listeners. */
  reloaded(): void {
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
    await this.changed((state) => {
      if (state.frozenAtMs !== null) state.frozenAtMs = target;
      else state.offsetMs = target - Date.now();
    });
  }

  /** `by`: ms or a duration like `'90s'`, `'30d'` (clock-input.ts). */
  async advance(by: number | string): Promise<void> {
    const ms = clockAdvance(by, this.nowMs());
    await this.changed((state) => {
      if (state.frozenAtMs !== null) state.frozenAtMs += ms;
      else state.offsetMs += ms;
    });
  }

  async freeze(at?: Date | number | string): Promise<void> {
    const frozenAt = at === undefined ? this.nowMs() : clockTime(at);
    await this.changed((state) => {
      state.frozenAtMs = frozenAt;
    });
  }

  /** Resume ticking from the current virtual time. */
  async unfreeze(): Promise<void> {
    if (this.state.frozenAtMs === null) return;
    await this.changed((state) => {
      if (state.frozenAtMs === null) return;
      state.offsetMs = state.frozenAtMs - Date.now();
      state.frozenAtMs = null;
    });
  }

  /** Back to real time. */
  async reset(): Promise<void> {
    await this.changed((state) => {
      state.offsetMs = 0;
      state.frozenAtMs = null;
    });
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

  private async changed(change: (state: ClockState) => void) {
    await this.store.write(change);
    this.emit();
  }

  private emit() {
    const now = this.nowMs();
    for (const l of this.listeners) l(now);
  }
}
