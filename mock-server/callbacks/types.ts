/**
 * The shapes of callback delivery: what is persisted in the store (pending deliveries and the recent
 * log) and what the control and programmatic APIs hand out. Everything is plain JSON.
 */
import type { VerificationMode } from '../world.js';

declare module '../store/state.js' {
  interface MockData {
    /** COUPON.USE deliveries still pending (the outbox); absent until the first one. */
    callbacks?: CallbackState;
  }
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One HTTP request sent to a notify URL. */
export interface DeliveryAttempt {
  /** 1 for the original delivery, +1 per replay. */
  round: number;
  /** 1..9 within the round; a probe carries the number of the attempt it precedes. */
  n: number;
  /** A `WECHATPAY/SIGNTEST/` probe: never counts as delivered nor as one of the 9 attempts. */
  probe: boolean;
  /** Real time the request was sent (ISO 8601). */
  time: string;
  /** Virtual (business) time the request was sent, RFC 3339 +08:00. */
  virtual_time: string;
  url: string;
  /** HTTP status answered, null when none arrived (refused, reset, timeout). */
  status: number | null;
  latency_ms: number;
  error: string | null;
  /** delivered: 200/204 within the timeout; failed: anything else; probe: a probe's answer. */
  outcome: 'delivered' | 'failed' | 'probe';
  /** The request headers exactly as sent (the body is the record's `body`: every attempt sends the same bytes). */
  headers: Record<string, string>;
  /** The first 2 KiB of what the receiver answered. */
  response_body: string;
}

/** One notification and every attempt to deliver it. */
export interface DeliveryRecord {
  /** The notification id: the same on every retry and replay. */
  id: string;
  event_type: 'COUPON.USE';
  /** The notified merchant: the stock's creator. */
  mchid: string;
  coupon_id: string;
  stock_id: string;
  /** The notify URL of the latest attempt (read from the merchant's setting at each attempt). */
  url: string;
  state: DeliveryState;
  /** Virtual time the notification was created (its `create_time`). */
  created_at: string;
  round: number;
  /** Non-probe attempts made in the current round. */
  attempts_in_round: number;
  /** Virtual time of the next attempt (epoch ms and RFC 3339), null once settled. */
  next_attempt_at_ms: number | null;
  next_attempt_at: string | null;
  /** The current round sends a `WECHATPAY/SIGNTEST/` probe before its first valid attempt. */
  probe_next: boolean;
  /** Which key signs it: the creator's verification mode. */
  signing: { mode: VerificationMode; serial: string };
  /** The exact body every attempt sends (compact JSON, identical to JSON.stringify). */
  body: string;
  attempts: DeliveryAttempt[];
  /**
   * Replicas on one PostgreSQL store (docs/reference/postgres.md): the replica attempting it now and
   * until when (real epoch ms); another replica leaves it alone until then. Absent otherwise.
   */
  lease_owner?: string;
  lease_until?: number;
}

export interface CallbackState {
  /** The pending deliveries, keyed by notification id, in creation order (settled ones leave the store). */
  deliveries: Record<string, DeliveryRecord>;
}

export interface DeliveryFilter {
  id?: string;
  mchid?: string;
  coupon_id?: string;
  stock_id?: string;
  state?: DeliveryState;
  event_type?: string;
  /** Only records with at least one attempt answered with this HTTP status. */
  status?: number;
  /** The last N records. */
  limit?: number;
}

/** What a trigger (use a coupon, replay) returns: the record as stored, and its outcome to await. */
export interface DeliveryHandle {
  record: DeliveryRecord;
  /**
   * Resolves with the record once this round is delivered or has failed its 9 attempts. Never
   * rejects: after a reset or close it resolves with the record as it was (state still `pending`).
   */
  settled: Promise<DeliveryRecord>;
}

export interface WaitOptions {
  /** Resolve once the record has this many attempts in all (probes included), or is settled. */
  attempts?: number;
  /** Reject after this many real milliseconds (default 30 000). */
  timeoutMs?: number;
}
