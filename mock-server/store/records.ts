/**
 * Reads and writes of state records keyed by text the client chose (stock_id, coupon_id,
 * activity_id, out_request_no, add/delete_request_no, Idempotency-Key, bill tokens). The records are
 * plain JSON objects (they are persisted and reloaded as JSON), so `record[key]` with a key such as
 * `constructor` or `toString` reads an Object.prototype member — a function taken for a stock or an
 * idempotency record — and `record['__proto__'] = value` replaces the prototype instead of storing an
 * entry (lost on the next write). Every lookup by a key the client sent verbatim goes through here
 * (composite keys such as partnershipKey, `FAVOR_STOCK|…`, cannot name a prototype member).
 */

/** The entry stored under `key`, never an inherited member. */
export function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Stores `value` under `key` as an own, enumerable entry (JSON.stringify writes it), whatever the key. */
export function putOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}
