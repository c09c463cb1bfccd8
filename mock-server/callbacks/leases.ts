/**
 * Replicas on one shared store (PostgreSQL, docs/reference/postgres.md): one replica at a time
 * attempts a delivery. Each attempt is claimed first — a lease on the stored record, named by this
 * process — and a record leased by another replica waits (real time) until the lease ends. A replica
 * that stops gives back the leases of the attempts it cut short. Local stores skip all of it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

/** Replicas (a shared store): a lease outlasts the attempt (and its probe) by this much, real time. */
export const LEASE_MARGIN_MS = 2_000;

/** ok: leased here; wait: leased elsewhere until then (real ms); due: not due here until then (virtual ms); gone: settled or replaced. */
export type Claim = { ok: true } | { wait: number } | { due: number } | { gone: true };

export class ReplicaLeases {
  readonly replicaId = randomUUID();
  private waits = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: { store: Store; clock: Clock; options: { timeoutMs: number } }) {}

  /**
   * Takes the lease on a stored pending record before an attempt (one transaction, under the world's
   * lock), unless another replica holds it (`wait` until it ends), the record is not due yet here
   * (another replica attempted it and rescheduled) or it is gone or settled.
   */
  claim(id: string, round: number): Promise<Claim> {
    return this.deps.store.transact((data) => {
      const r = data.callbacks?.deliveries[id];
      if (!r || r.state !== 'pending' || r.round !== round) return { gone: true as const };
      const now = Date.now();
      if (r.lease_owner && r.lease_owner !== this.replicaId && (r.lease_until ?? 0) > now) return { wait: r.lease_until! };
      if (r.next_attempt_at_ms !== null && r.next_attempt_at_ms > this.deps.clock.nowMs()) return { due: r.next_attempt_at_ms };
      r.lease_owner = this.replicaId;
      r.lease_until = now + this.deps.options.timeoutMs * (r.probe_next ? 2 : 1) + LEASE_MARGIN_MS;
      return { ok: true as const };
    });
  }

  /** A record leased by another replica: `ended` runs when the lease ends (real time, whatever the clock). */
  waitOut(id: string, until: number, ended: () => void): void {
    clearTimeout(this.waits.get(id));
    const timer = setTimeout(
      () => {
        this.waits.delete(id);
        ended();
      },
      Math.max(0, until - Date.now()) + 50,
    );
    timer.unref();
    this.waits.set(id, timer);
  }

  isWaiting(id: string): boolean {
    return this.waits.has(id);
  }

  /** Forgets the waits (reset, close). */
  stop(): void {
    for (const timer of this.waits.values()) clearTimeout(timer);
    this.waits.clear();
  }

  /** The attempts cut short by a stop give their leases back, so another replica need not wait them out. */
  async release(ids: string[]): Promise<void> {
    await this.deps.store
      .transact((data) => {
        for (const id of ids) {
          const r = data.callbacks?.deliveries[id];
          if (r?.lease_owner !== this.replicaId) continue;
          delete r.lease_owner;
          delete r.lease_until;
        }
      })
      .catch(() => {});
  }
}
