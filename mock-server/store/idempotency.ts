/**
 * Idempotent writes, for every family: a request number or Idempotency-Key the merchant used before
 * answers the first result when the request is the same (equal fingerprints) and is refused with
 * RESOURCE_ALREADY_EXISTS when it is not. The record is written with the first result, inside `mutate`.
 */
import { createHash } from 'node:crypto';
import { assert } from '../errors.js';
import { own } from './records.js';

/** A record that keeps the first reply itself (paygift merchants add/delete, partnerships build/terminate). */
export interface IdempotentReply {
  /** The request's fingerprint (requestFingerprint): a repeat with the same key must match it. */
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
 * What a repeat must match: the SHA-256 (base64url) of the request's canonical JSON. A digest, not the
 * JSON itself: one is kept per request number, and at 100k coupons the texts were a third of the state.
 */
export function requestFingerprint(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('base64url')}`;
}

/** Whether a stored fingerprint is this request's (data files before the digests kept the canonical JSON). */
export function sameRequest(stored: string, fingerprint: string): boolean {
  if (stored === fingerprint) return true;
  return !stored.startsWith('sha256:') && `sha256:${createHash('sha256').update(stored).digest('base64url')}` === fingerprint;
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
  if (prior) assert(sameRequest(prior.fingerprint, fingerprint), 'RESOURCE_ALREADY_EXISTS', message, detail);
  return prior;
}
