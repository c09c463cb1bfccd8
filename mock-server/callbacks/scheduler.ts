/**
 * When attempts are made: the documented retry schedule — 代金券 COUPON.USE once a minute, 9 attempts
 * in all (protocol.md §4.5) — measured on the VIRTUAL clock, so a test advances `mock.clock` instead of
 * waiting (`timeScale` divides the interval for manual runs: 60 → a retry every virtual second). The
 * scheduler keeps which pending deliveries are due when, runs the due ones with bounded concurrency
 * (a receiver that is down or slow never slows the API), and re-arms a real-time timer for the next.
 */
import type { Clock } from '../clock.js';
import { rfc3339 } from '../time.js';
import type { DeliveryAttempt, DeliveryRecord } from './types.js';

/** 代金券 COUPON.USE: once a minute, 9 attempts in all (protocol.md §4.5). */
export const RETRY_INTERVAL_MS = 60_000;
export const MAX_ATTEMPTS = 9;

/**
 * Counts `attempt` in the round of `r` (a stored record, in a transaction): delivered, failed after
 * the 9th, or due again one interval from `nowMs` (virtual). Answers how it settled, if it did.
 */
export function countAttempt(
  r: DeliveryRecord,
  attempt: DeliveryAttempt,
  nowMs: number,
  intervalMs: number,
): 'delivered' | 'failed' | undefined {
  r.attempts_in_round++;
  const settled = attempt.outcome === 'delivered' ? 'delivered' : r.attempts_in_round >= MAX_ATTEMPTS ? 'failed' : undefined;
  if (settled) {
    r.state = settled;
    r.next_attempt_at_ms = null;
    r.next_attempt_at = null;
  } else {
    const next = nowMs + intervalMs;
    r.next_attempt_at_ms = next;
    r.next_attempt_at = rfc3339(next);
  }
  return settled;
}

export class RetryScheduler {
  /** Pending records not queued nor in flight → when they are due (virtual ms). */
  private due = new Map<string, number>();
  private queue: string[] = [];
  private queued = new Set<string>();
  private inflight = new Map<string, AbortController>();
  private running = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: {
      clock: Clock;
      /** Attempts in flight at once. */
      concurrency: number;
      /** Makes the attempt of a due record; takes it in flight with `begin` and out with `end`. */
      attempt: (id: string) => Promise<void>;
    },
  ) {}

  /** The first (or next) attempt of `id` is due at `atMs` (virtual). */
  at(id: string, atMs: number): void {
    this.due.set(id, atMs);
  }

  /** `id` leaves the schedule (settled elsewhere). */
  drop(id: string): void {
    this.due.delete(id);
  }

  /** Waiting for its time. */
  isScheduled(id: string): boolean {
    return this.due.has(id);
  }

  /** Queued or in flight: its attempt is already on its way. */
  isBusy(id: string): boolean {
    return this.queued.has(id) || this.inflight.has(id);
  }

  scheduledIds(): IterableIterator<string> {
    return this.due.keys();
  }

  inflightIds(): string[] {
    return [...this.inflight.keys()];
  }

  /** An attempt of `id` is in flight; the controller cuts it short on reset or close. */
  begin(id: string): AbortController {
    const ac = new AbortController();
    this.inflight.set(id, ac);
    return ac;
  }

  end(id: string, ac: AbortController): void {
    if (this.inflight.get(id) === ac) this.inflight.delete(id);
  }

  /** Moves due records to the queue, starts what the concurrency allows, re-arms the timer. */
  pump(): void {
    if (this.closed) return;
    const now = this.deps.clock.nowMs();
    for (const [id, at] of this.due) {
      if (at > now) continue;
      this.due.delete(id);
      if (!this.queued.has(id) && !this.inflight.has(id)) {
        this.queued.add(id);
        this.queue.push(id);
      }
    }
    while (this.inflight.size < this.deps.concurrency && this.queue.length) {
      const id = this.queue.shift()!;
      this.queued.delete(id);
      const run = this.deps.attempt(id).catch((err) => {
        process.stderr.write(`wxpay-mock: callback ${id}: ${(err as Error).stack}\n`);
      });
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
    this.arm();
    this.flushIdle();
  }

  /** Resolves when no attempt is due, queued or in flight (e.g. right after advancing the clock). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  isIdle(): boolean {
    if (this.queue.length || this.inflight.size) return false;
    const now = this.deps.clock.nowMs();
    for (const at of this.due.values()) if (at <= now) return false;
    return true;
  }

  /** sending: attempts queued or in flight; scheduled: waiting for their time. */
  stats(): { sending: number; scheduled: number } {
    return { sending: this.queue.length + this.inflight.size, scheduled: this.due.size };
  }

  /** Forgets the schedule and cuts the attempts in flight short (reset, close). */
  stop(): void {
    clearTimeout(this.timer);
    for (const ac of this.inflight.values()) ac.abort(new Error('stopped'));
    this.inflight.clear();
    this.due.clear();
    this.queue = [];
    this.queued.clear();
    this.flushIdle();
  }

  /** Stops for good: nothing is started any more. Resolves once the attempts cut short have finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    await Promise.allSettled([...this.running]);
  }

  /** A real-time timer for the next due record, unless the clock is frozen (then only advancing it moves time). */
  private arm() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.deps.clock.frozen || !this.due.size) return;
    let next = Infinity;
    for (const at of this.due.values()) if (at < next) next = at;
    const delay = Math.min(Math.max(0, next - this.deps.clock.nowMs()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.pump(), delay);
    this.timer.unref();
  }

  private flushIdle() {
    if (!this.idleWaiters.length || !this.isIdle()) return;
    const waiting = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiting) resolve();
  }
}
