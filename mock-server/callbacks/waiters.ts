/**
 * Waiting on deliveries: a trigger's `settled` (its round delivered, or failed its 9 attempts) and
 * `waitFor`/`waitUntil` (any condition on the record, with a real-time deadline). Told of every
 * recorded outcome; on reset or close every waiter resolves with its record as it was.
 */
import { clone } from './delivery-log.js';
import type { DeliveryRecord } from './types.js';

interface Waiter {
  record: DeliveryRecord;
  done(rec: DeliveryRecord): boolean;
  resolve(rec: DeliveryRecord): void;
}

export class DeliveryWaiters {
  private waiters = new Map<string, Set<Waiter>>();

  /** Resolves with a copy of the record once the round `record` is in now is settled; never rejects. */
  settled(record: DeliveryRecord): Promise<DeliveryRecord> {
    const round = record.round;
    const done = (r: DeliveryRecord) => r.round >= round && r.state !== 'pending';
    if (done(record)) return Promise.resolve(clone(record));
    return new Promise((resolve) => this.add(record.id, { record, done, resolve }));
  }

  /**
   * Resolves with a copy of the record once `done(record)` holds (checked at each `notify`); rejects
   * after `timeoutMs` (real time) with `timeoutMessage` of the record as it is then.
   */
  until(
    record: DeliveryRecord,
    done: (record: DeliveryRecord) => boolean,
    timeoutMs: number,
    timeoutMessage: (record: DeliveryRecord) => string,
  ): Promise<DeliveryRecord> {
    const id = record.id;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        record,
        done,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.get(id)?.delete(waiter);
        reject(new Error(timeoutMessage(waiter.record)));
      }, timeoutMs);
      this.add(id, waiter);
    });
  }

  /** The ids somebody waits on. */
  ids(): IterableIterator<string> {
    return this.waiters.keys();
  }

  /** `record` changed (an outcome recorded here or by another replica): resolves the waiters it satisfies. */
  notify(record: DeliveryRecord): void {
    const set = this.waiters.get(record.id);
    if (!set) return;
    for (const w of set) {
      w.record = record;
      if (w.done(record)) {
        set.delete(w);
        w.resolve(clone(record));
      }
    }
    if (!set.size) this.waiters.delete(record.id);
  }

  /** Reset or close: every waiter resolves with its record as it was. */
  releaseAll(): void {
    for (const [, set] of this.waiters) for (const w of set) w.resolve(clone(w.record));
    this.waiters.clear();
  }

  private add(id: string, waiter: Waiter) {
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    set.add(waiter);
  }
}
