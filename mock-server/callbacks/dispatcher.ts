/**
 * COUPON.USE delivery, composed: a trigger (trigger.ts) writes a pending record through the store
 * (the outbox: delivery-log.ts), the scheduler (scheduler.ts) makes its attempts on the virtual clock —
 * POST to the merchant's notify URL, success only on HTTP 200/204 within 5 s, otherwise once a minute
 * up to 9 attempts in all (protocol.md §4.4–4.5) — each one sent by sender.ts and its outcome
 * committed to the stored record; waiters (waiters.ts) and attempt listeners (the console log) are told.
 * On a shared store each attempt is claimed first (leases.ts). The handler check (handler-check.ts)
 * and callback chaos (chaos.ts) send through the same sender.
 */
import type { Clock } from '../clock.js';
import { idText } from '../id-text.js';
import { callbackSettingOf } from '../operations/favor/repository.js';
import { CommitFailedError } from '../store/engine.js';
import type { MockData } from '../store/state.js';
import type { Store } from '../store/store.js';
import type { World } from '../world.js';
import { clone, DeliveryLog, type RecordedOutcome } from './delivery-log.js';
import { CallbackError } from './errors.js';
import { HandlerChecks, type HandlerCheck, type HandlerCheckOptions } from './handler-check.js';
import { ReplicaLeases } from './leases.js';
import type { CallbackSchemas } from './schemas.js';
import { countAttempt, RETRY_INTERVAL_MS, RetryScheduler } from './scheduler.js';
import { CallbackSender, type PostResult } from './sender.js';
import { couponUseCreator, couponUseRecord } from './trigger.js';
import type { DeliveryAttempt, DeliveryFilter, DeliveryHandle, DeliveryRecord, WaitOptions } from './types.js';
import { DeliveryWaiters } from './waiters.js';

export interface DispatcherOptions {
  /** Divides the retry interval (default 1: a minute of virtual time). */
  timeScale: number;
  /** Precede the first valid attempt of every round with a `WECHATPAY/SIGNTEST/` probe. */
  probe: boolean;
  /** Real milliseconds an attempt may take (default 5000). */
  timeoutMs: number;
  /** Attempts in flight at once (default 32). */
  concurrency: number;
  /** Settled records kept (default 1000); pending ones are never dropped. */
  logSize: number;
  /** Check every built envelope against its contract too (the `validateResponses` self-check). */
  validate: boolean;
}

export class CallbackDispatcher {
  private gen = 0;
  private readonly log: DeliveryLog;
  private closed = false;
  private readonly scheduler: RetryScheduler;
  private readonly waiters = new DeliveryWaiters();
  /** Told of every attempt and probe once its outcome is recorded (the console log). */
  private attemptListeners = new Set<(record: DeliveryRecord, attempt: DeliveryAttempt) => void>();
  /** Handler checks of this run (handler-check.ts), oldest first; cleared on reset. */
  private readonly checks: HandlerChecks;
  /** Callback chaos (chaos.ts): when a new delivery's first attempt is due; null holds it until `release`. */
  private firstDue?: (record: DeliveryRecord) => number | null | undefined;
  private unsubscribe: () => void;
  /** A shared store (replicas on PostgreSQL): each attempt is claimed first (leases.ts). Local stores: none. */
  private readonly leases: ReplicaLeases | undefined;
  private readonly sender: CallbackSender;

  constructor(
    private readonly deps: { store: Store; clock: Clock; world: World; schemas: CallbackSchemas },
    readonly options: DispatcherOptions,
  ) {
    this.sender = new CallbackSender(deps, options);
    this.log = new DeliveryLog({ store: deps.store, logSize: options.logSize });
    this.checks = new HandlerChecks({ ...deps, sender: this.sender, latestFor: (mchid) => this.log.latestFor(mchid), options });
    this.scheduler = new RetryScheduler({ clock: deps.clock, concurrency: options.concurrency, attempt: (id) => this.attempt(id) });
    this.unsubscribe = deps.clock.onChange(() => this.pump());
    this.leases = deps.store.shared ? new ReplicaLeases({ store: deps.store, clock: deps.clock, options }) : undefined;
    this.load();
  }

  /**
   * Another replica changed the stored deliveries (store.onApplied): enqueued ones join the schedule,
   * rescheduled ones move, ones settled elsewhere resolve their waiters here and leave the schedule.
   */
  noticeShared(): void {
    if (this.closed) return;
    const stored = this.log.stored();
    const now = this.deps.clock.nowMs();
    for (const r of Object.values(stored)) {
      this.log.add(r);
      if (r.state === 'pending') {
        if (!this.scheduler.isBusy(r.id) && !this.leases?.isWaiting(r.id)) this.scheduler.at(r.id, r.next_attempt_at_ms ?? now);
        continue;
      }
      this.settledElsewhere(r);
    }
    // Settled and removed in the same catch-up (the outcome commit changed the record in place, the
    // next one deleted it): the log still holds it, settled.
    for (const id of [...this.waiters.ids(), ...this.scheduler.scheduledIds()]) {
      const r = this.log.record(id);
      if (r && r.state !== 'pending' && !Object.hasOwn(stored, id)) this.settledElsewhere(r);
    }
    this.pump();
  }

  private settledElsewhere(r: DeliveryRecord) {
    this.scheduler.drop(r.id);
    this.log.settledElsewhere(r.id);
    this.waiters.notify(r);
  }

  /** Listen to every attempt (and probe) as it is recorded, the next one already scheduled. Returns an unsubscribe function. */
  onAttempt(listener: (record: DeliveryRecord, attempt: DeliveryAttempt) => void): () => void {
    this.attemptListeners.add(listener);
    return () => this.attemptListeners.delete(listener);
  }

  /** The retry interval after `timeScale`, in virtual ms. */
  get intervalMs(): number {
    return RETRY_INTERVAL_MS / this.options.timeScale;
  }

  // ── triggers ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Deliver a COUPON.USE notification of `coupon` (the plaintext of api-reference.md §2.14) to the
   * notify URL of `creatorMchid`. Resolves once the record is durable — the first attempt is already
   * under way — or with null when the merchant has set no notify URL (nothing is sent, as for real).
   */
  async deliverCouponUse(creatorMchid: string, coupon: unknown, options: { probe?: boolean } = {}): Promise<DeliveryHandle | null> {
    this.assertOpen();
    const record = await this.deps.store.transact((data) => this.enqueueCouponUse(data, creatorMchid, coupon, options));
    return record && this.start(record);
  }

  /**
   * The outbox write of a COUPON.USE: the pending record, written through `data` — a transaction's view,
   * so the caller's change (the use) and its notification commit together. Null when the creator has no
   * notify URL. Call `start(record)` once the transaction is durable.
   */
  enqueueCouponUse(data: MockData, creatorMchid: string, coupon: unknown, options: { probe?: boolean } = {}): DeliveryRecord | null {
    this.assertOpen();
    const merchant = couponUseCreator(this.deps, creatorMchid, coupon);
    const setting = callbackSettingOf(data, creatorMchid);
    if (!setting) return null;
    const record = couponUseRecord({
      ...this.deps,
      validate: this.options.validate,
      merchant,
      creatorMchid,
      coupon,
      notifyUrl: setting.notify_url,
      nowMs: this.deps.clock.nowMs(),
      probe: options.probe ?? this.options.probe,
    });
    this.log.enqueue(data, record);
    return record;
  }

  /**
   * Send a notification again, same id and same body: a new round of up to 9 attempts starting now
   * (to test duplicate handling, or to finish a failed delivery once the receiver is fixed). The URL
   * is the merchant's current notify URL.
   */
  async replay(id: string, options: { probe?: boolean } = {}): Promise<DeliveryHandle> {
    this.assertOpen();
    const record = this.log.record(id);
    if (!record) throw new CallbackError('NOT_FOUND', `no notification ${idText(id)} in the delivery log`, 404);
    await this.log.newRound(record, this.deps.clock.nowMs(), options.probe ?? this.options.probe);
    return this.start(record);
  }

  /** A durable pending record (enqueueCouponUse, replay): into the log and on its way; answered with the record as it is now. */
  start(record: DeliveryRecord): DeliveryHandle {
    this.log.add(record);
    const snapshot = clone(record);
    const settled = this.waiters.settled(record);
    const chaos = record.round === 1 && !record.attempts.length ? this.firstDue?.(record) : undefined;
    if (chaos !== null) this.scheduler.at(record.id, chaos ?? record.next_attempt_at_ms!);
    this.pump();
    return { record: snapshot, settled };
  }

  /**
   * The handler check: one COUPON.USE with a `WECHATPAY/SIGNTEST/` signature to the merchant's notify
   * URL (or `url`), outside any delivery (no retries, not in the delivery log). A verifying handler
   * refuses it; the result says `refused`, `accepted` or `inconclusive` and stays in `handlerChecks()`.
   */
  async checkHandler(options: HandlerCheckOptions = {}): Promise<HandlerCheck> {
    this.assertOpen();
    return this.checks.run(options);
  }

  /** Lets callback chaos (chaos.ts) delay or hold new deliveries. */
  setChaos(firstDue: (record: DeliveryRecord) => number | null | undefined): void {
    this.firstDue = firstDue;
  }

  /** A held delivery's first attempt is due at `atMs` (virtual). */
  release(id: string, atMs: number): void {
    if (this.log.record(id)?.state !== 'pending' || this.scheduler.isBusy(id)) return;
    this.scheduler.at(id, atMs);
    this.pump();
  }

  /** One POST outside any delivery (chaos, handler checks): same agents and timeout as attempts, timed. */
  sendRaw(url: URL, headers: Record<string, string>, body: string): Promise<PostResult & { latency_ms: number }> {
    return this.sender.sendRaw(url, headers, body);
  }

  handlerChecks(): HandlerCheck[] {
    return this.checks.list();
  }

  // ── the log ───────────────────────────────────────────────────────────────────────────────────

  list(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return this.log.list(filter);
  }

  get(id: string): DeliveryRecord | undefined {
    return this.log.get(id);
  }

  /**
   * Resolves with the record once it is settled (delivered, or failed after 9 attempts), or — with
   * `attempts` — once it has that many attempts. Rejects after `timeoutMs` (default 30 s, real time).
   */
  waitFor(id: string, options: WaitOptions = {}): Promise<DeliveryRecord> {
    return this.waitUntil(
      id,
      (r) => r.state !== 'pending' || (options.attempts !== undefined && r.attempts.length >= options.attempts),
      options.timeoutMs,
    );
  }

  /** Resolves with the record once `done(record)` holds (checked after every attempt); rejects after `timeoutMs`. */
  waitUntil(id: string, done: (record: DeliveryRecord) => boolean, timeoutMs = 30_000): Promise<DeliveryRecord> {
    const record = this.log.record(id);
    if (!record) return Promise.reject(new CallbackError('NOT_FOUND', `no notification ${idText(id)} in the delivery log`, 404));
    // Already done in memory, but its outcome may still be on its way to disk (the attempt pushes it,
    // then commits): answer once it is durable, so a caller that acts on the answer (e.g. kills the
    // process) never sees an outcome a restart would not remember.
    if (done(record)) return this.deps.store.settled().then(() => clone(record));
    return this.waiters.until(
      record,
      done,
      timeoutMs,
      (r) =>
        `delivery ${id} is still ${r.state} after ${timeoutMs} ms (${r.attempts.length} attempts, next at ${r.next_attempt_at ?? '-'} virtual${this.deps.clock.frozen ? ', clock frozen: advance it' : ''})`,
    );
  }

  /** Resolves when no attempt is due, queued or in flight (e.g. right after advancing the clock). */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** pending: records not settled; sending: attempts queued or in flight; scheduled: waiting for their time. */
  stats(): { pending: number; sending: number; scheduled: number; idle: boolean } {
    return {
      pending: Object.keys(this.log.stored()).length,
      ...this.scheduler.stats(),
      idle: this.scheduler.isIdle(),
    };
  }

  // ── life cycle ────────────────────────────────────────────────────────────────────────────────

  /** After the store was replaced (reset): forget everything in flight, start from the new state. */
  reset(): void {
    this.stopAll();
    this.checks.clear();
    this.load();
  }

  /** Stops: in-flight attempts are cut short and stay pending in the store, to resume on the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    const cut = this.scheduler.inflightIds();
    this.stopAll();
    await this.scheduler.close();
    // Replicas: the attempts cut short give their leases back, so another replica need not wait them out.
    if (this.leases && cut.length) await this.leases.release(cut);
    this.sender.close();
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  private assertOpen() {
    if (this.closed) throw new CallbackError('SYSTEM_ERROR', 'the mock is closed', 500);
  }

  private load() {
    const now = this.deps.clock.nowMs();
    for (const r of this.log.load()) this.scheduler.at(r.id, r.next_attempt_at_ms ?? now);
    this.pump();
  }

  private stopAll() {
    this.gen++;
    this.leases?.stop();
    this.scheduler.stop();
    this.waiters.releaseAll();
  }

  private pump() {
    if (!this.closed) this.scheduler.pump();
  }

  private told(record: DeliveryRecord, attempt: DeliveryAttempt) {
    for (const listener of this.attemptListeners) {
      try {
        listener(record, attempt);
      } catch {
        // a listener's bug must not strand the delivery
      }
    }
  }

  private async attempt(id: string): Promise<void> {
    const gen = this.gen;
    let record = this.log.record(id);
    if (!record || record.state !== 'pending') return;
    const ac = this.scheduler.begin(id);
    let recorded: RecordedOutcome | undefined;
    try {
      const round = record.round;
      if (this.leases) {
        const claimed = await this.leases.claim(id, round);
        if (gen !== this.gen) return;
        record = this.log.record(id) ?? record;
        if ('wait' in claimed) {
          // Back in the schedule when the lease ends.
          this.leases.waitOut(id, claimed.wait, () => {
            if (this.log.record(id)?.state !== 'pending' || this.scheduler.isBusy(id)) return;
            this.scheduler.at(id, this.deps.clock.nowMs());
            this.pump();
          });
          return;
        }
        if ('due' in claimed) {
          this.scheduler.at(id, claimed.due);
          return;
        }
        if ('gone' in claimed || record.state !== 'pending') {
          if (record.state !== 'pending') this.settledElsewhere(record);
          return;
        }
      }
      const probe = record.probe_next ? await this.send(record, true, ac.signal) : undefined;
      if (gen !== this.gen) return;
      const attempt = await this.send(record, false, ac.signal);
      if (gen !== this.gen) return;
      // The outcome is one transaction on the stored record (the log holds the same object).
      recorded = await this.log.recordOutcome(id, round, probe, attempt, (r) =>
        countAttempt(r, attempt, this.deps.clock.nowMs(), this.intervalMs),
      );
      if (gen !== this.gen || !recorded) return;
      if (recorded.settled) {
        this.log.settled(id);
        if (this.leases) this.log.dropSettled(id, recorded.settled);
      } else if (record.state === 'pending' && record.next_attempt_at_ms !== null && record.round === round)
        this.scheduler.at(id, record.next_attempt_at_ms);
    } catch (err) {
      // A failed write leaves the record as it was (rolled back): it is tried again after the interval.
      if (!(err instanceof CommitFailedError)) throw err;
    } finally {
      this.scheduler.end(id, ac);
      // An unexpected error (not a failed attempt) must not strand the record: try again later.
      if (
        gen === this.gen &&
        record.state === 'pending' &&
        !this.scheduler.isScheduled(id) &&
        !this.scheduler.isBusy(id) &&
        !this.leases?.isWaiting(id)
      )
        this.scheduler.at(id, this.deps.clock.nowMs() + this.intervalMs);
      this.pump();
    }
    if (!recorded) return;
    if (recorded.probe) this.told(record, recorded.probe);
    this.told(record, recorded.attempt);
    this.waiters.notify(record);
    this.log.evict();
  }

  private send(record: DeliveryRecord, probe: boolean, signal: AbortSignal): Promise<DeliveryAttempt> {
    // The merchant's current setting: a URL changed mid-schedule is followed, as a fix would be.
    record.url = callbackSettingOf(this.deps.store.data, record.mchid)?.notify_url ?? record.url;
    return this.sender.attempt(record, probe, signal);
  }
}
