/**
 * The delivery log: every COUPON.USE record of this run, oldest first, and how records are kept.
 * A pending record is also in the store (`data.callbacks.deliveries`, the outbox), written before its
 * trigger returns, so a restarted mock resumes it (an attempt cut short is sent again: at least once,
 * as the real service). A settled one leaves the store — the data file stays small under load — and
 * stays here, the last `logSize` of them (like the request journal). Every write to a stored record
 * is a store transaction; the log holds the same objects the store does.
 */
import type { MockData } from '../store/state.js';
import type { Store } from '../store/store.js';
import { rfc3339 } from '../time.js';
import type { DeliveryAttempt, DeliveryFilter, DeliveryRecord } from './types.js';

export const clone = (r: DeliveryRecord): DeliveryRecord => structuredClone(r);

/** What an attempt's outcome commit recorded; `settled` when the round ended with it. */
export interface RecordedOutcome {
  probe?: DeliveryAttempt;
  attempt: DeliveryAttempt;
  settled?: 'delivered' | 'failed';
}

export class DeliveryLog {
  private log = new Map<string, DeliveryRecord>();
  /** Settled ids, oldest first (eviction order); entries whose record went back to pending are skipped. */
  private settledOrder: string[] = [];
  private settledHead = 0;
  private settledEntries = new Map<string, number>();
  private settledCount = 0;

  constructor(private readonly deps: { store: Store; logSize: number }) {}

  /** The records in the store (pending ones; on a shared store also those just settled elsewhere). */
  stored(): Record<string, DeliveryRecord> {
    return this.deps.store.data.callbacks?.deliveries ?? {};
  }

  /**
   * Starts over from the store (start, reset): its records into the log; settled ones leave the store.
   * Answers the pending ones, to schedule.
   */
  load(): DeliveryRecord[] {
    this.settledCount = 0;
    this.settledOrder = [];
    this.settledHead = 0;
    this.settledEntries.clear();
    this.log.clear();
    const pending: DeliveryRecord[] = [];
    for (const r of Object.values(this.stored())) {
      this.log.set(r.id, r);
      if (r.state === 'pending') pending.push(r);
      else {
        void this.deps.store.transact((data) => delete data.callbacks?.deliveries[r.id]).catch(() => {});
        this.settledCount++;
        this.pushSettled(r.id);
      }
    }
    return pending;
  }

  /** The record itself (not a copy). */
  record(id: string): DeliveryRecord | undefined {
    return this.log.get(id);
  }

  /** A durable record joins (or stays in) the log. */
  add(record: DeliveryRecord): void {
    if (this.log.get(record.id) !== record) this.log.set(record.id, record);
  }

  /** The latest record notified to `mchid`. */
  latestFor(mchid: string): DeliveryRecord | undefined {
    return [...this.log.values()].reverse().find((r) => r.mchid === mchid);
  }

  list(filter: DeliveryFilter = {}): DeliveryRecord[] {
    const out = [...this.log.values()].filter(
      (r) =>
        (filter.id === undefined || r.id === filter.id) &&
        (filter.mchid === undefined || r.mchid === filter.mchid) &&
        (filter.coupon_id === undefined || r.coupon_id === filter.coupon_id) &&
        (filter.stock_id === undefined || r.stock_id === filter.stock_id) &&
        (filter.state === undefined || r.state === filter.state) &&
        (filter.event_type === undefined || r.event_type === filter.event_type) &&
        (filter.status === undefined || r.attempts.some((a) => a.status === filter.status)),
    );
    return (filter.limit === undefined ? out : filter.limit > 0 ? out.slice(-filter.limit) : []).map(clone);
  }

  get(id: string): DeliveryRecord | undefined {
    const r = this.log.get(id);
    return r && clone(r);
  }

  // ── writes (store transactions) ───────────────────────────────────────────────────────────────

  /** The outbox write: a new pending record through `data`, a transaction's view (the caller commits it). */
  enqueue(data: MockData, record: DeliveryRecord): void {
    (data.callbacks ??= { deliveries: {} }).deliveries[record.id] = record;
  }

  /** Replay: `record` back in the store, pending, in a new round due at `nowMs` (virtual). */
  async newRound(record: DeliveryRecord, nowMs: number, probe: boolean): Promise<void> {
    const wasSettled = record.state !== 'pending';
    await this.deps.store.transact((data) => {
      const deliveries = (data.callbacks ??= { deliveries: {} }).deliveries;
      deliveries[record.id] = record;
      Object.assign(deliveries[record.id], {
        state: 'pending',
        round: record.round + 1,
        attempts_in_round: 0,
        next_attempt_at_ms: nowMs,
        next_attempt_at: rfc3339(nowMs),
        probe_next: probe,
      });
    });
    if (wasSettled) this.settledCount--;
  }

  /**
   * An attempt's outcome, one transaction on the stored record: the probe and the attempt appended,
   * the lease given back, and — unless a replay started another round meanwhile — `count(r)` decides
   * the schedule. Settled: out of the store (nothing left to resume), kept in the log; on a shared
   * store in a second commit (`dropSettled`), so the other replicas first see the outcome.
   */
  recordOutcome(
    id: string,
    round: number,
    probe: DeliveryAttempt | undefined,
    attempt: DeliveryAttempt,
    count: (r: DeliveryRecord) => 'delivered' | 'failed' | undefined,
  ): Promise<RecordedOutcome | undefined> {
    const shared = this.deps.store.shared;
    return this.deps.store.transact((data) => {
      const deliveries = data.callbacks?.deliveries;
      const r = deliveries?.[id];
      if (!deliveries || !r) return undefined;
      if (probe) {
        r.probe_next = false;
        r.attempts.push(probe);
      }
      r.attempts.push(attempt);
      // A replay during the attempt started a new round: that round schedules itself.
      if (r.round !== round) return { probe, attempt };
      delete r.lease_owner;
      delete r.lease_until;
      const settled = count(r);
      if (settled && !shared) delete deliveries[id];
      return { probe, attempt, settled };
    });
  }

  /** Shared store: the settled record leaves the store, unless it moved on since. */
  dropSettled(id: string, state: 'delivered' | 'failed'): void {
    void this.deps.store
      .transact((data) => {
        const deliveries = data.callbacks?.deliveries;
        if (deliveries && deliveries[id]?.state === state) delete deliveries[id];
      })
      .catch(() => {});
  }

  // ── eviction ──────────────────────────────────────────────────────────────────────────────────

  /** `id` settled here. */
  settled(id: string): void {
    this.settledCount++;
    this.pushSettled(id);
  }

  /** `id` settled by another replica: counted once. */
  settledElsewhere(id: string): void {
    if (!this.settledEntries.has(id)) this.settled(id);
  }

  /** Keeps at most `logSize` settled records, dropping those settled first. */
  evict(): void {
    while (this.settledCount > this.deps.logSize && this.settledHead < this.settledOrder.length) {
      const id = this.settledOrder[this.settledHead++];
      const left = this.settledEntries.get(id)! - 1;
      if (left) this.settledEntries.set(id, left);
      else this.settledEntries.delete(id);
      const r = this.log.get(id);
      // Settled again since (a newer entry stands for it), or replayed and pending now.
      if (left || !r || r.state === 'pending') continue;
      this.log.delete(id);
      this.settledCount--;
    }
    if (this.settledHead > 4096 && this.settledHead * 2 > this.settledOrder.length) {
      this.settledOrder = this.settledOrder.slice(this.settledHead);
      this.settledHead = 0;
    }
  }

  private pushSettled(id: string) {
    this.settledOrder.push(id);
    this.settledEntries.set(id, (this.settledEntries.get(id) ?? 0) + 1);
  }
}
