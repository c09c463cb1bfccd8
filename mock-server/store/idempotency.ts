/**
 * Idempotent writes, for every family: a request number or Idempotency-Key the merchant used before
 * answers the first result when the request is the same (equal fingerprints) and is refused with
 * RESOURCE_ALREADY_EXISTS when it is not. The record is written with the first result, inside `mutate`.
 */
import { assert } from '../errors.js';
import { own } from './records.js';

/** A record that keeps the first reply itself (paygift merchants add/delete, partnerships build/terminate). */
export interface IdempotentReply {
  /** Canonical JSON of the request: a repeat with the same key must match it. */
  fingerprint: string;
  reply: Record<string, unknown>;
}

/** JSON with object keys sorted at every level: equal content gives equal text, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/**
 * The record of an earlier request under `key`, or undefined when the key is new. A record with
 * another fingerprint is refused: 400 RESOURCE_ALREADY_EXISTS with `message` (and `detail`, if given).
 */
export function priorRequest<R extends { fingerprint: string }>(
  records: Record<string, R> | undefined,
  key: string,
  fingerprint: string,
  message: string,
  detail?: unknown,
): R | undefined {
  const prior = own(records, key);
  if (prior) assert(prior.fingerprint === fingerprint, 'RESOURCE_ALREADY_EXISTS', message, detail);
  return prior;
}
