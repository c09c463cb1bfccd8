/**
 * The merchant-handler check (issue 7, item 3): one COUPON.USE, well formed and decryptable, but
 * signed `WECHATPAY/SIGNTEST/…` — the probe WeChat Pay itself sends now and then (protocol.md §2.6) —
 * sent to a notify URL. A handler that verifies signatures refuses it (4xx/5xx); one that answers 2xx
 * would have processed a forged notification. Sending goes through the dispatcher (same headers,
 * timeout and agents as real attempts); this module says what to send and what the answer means.
 */
import { decryptResource } from '../protocol/aead.js';
import { rfc3339 } from '../time.js';

export type HandlerVerdict = 'refused' | 'accepted' | 'inconclusive';

export interface HandlerCheckOptions {
  /** The merchant whose handler is checked (its APIv3 key encrypts, its mode picks the signing key); default: the first with a notify URL. */
  mchid?: string;
  /** Send here instead of the merchant's notify URL. */
  url?: string;
  /** The COUPON.USE plaintext to carry (default: the merchant's latest delivered one, else a synthetic one). */
  coupon?: unknown;
}

export interface HandlerCheck {
  /** 1, 2, … in this run. */
  seq: number;
  time: string;
  virtual_time: string;
  mchid: string;
  url: string;
  /** The probe notification's id (a fresh one: it is no retry of a real delivery). */
  notification_id: string;
  /** refused: 4xx/5xx, as a verifying handler answers; accepted: 2xx; inconclusive: no answer, timeout, 1xx/3xx. */
  verdict: HandlerVerdict;
  status: number | null;
  latency_ms: number;
  /** What went wrong, in words (null when refused). */
  error: string | null;
  headers: Record<string, string>;
  response_body: string;
}

export const ACCEPTED_PROBE =
  'the handler accepted a notification whose signature does not verify (WECHATPAY/SIGNTEST/): it does not verify signatures';

export function verdictOf(status: number | null, error: string | null): { verdict: HandlerVerdict; error: string | null } {
  if (status !== null && status >= 200 && status < 300) return { verdict: 'accepted', error: `HTTP ${status}: ${ACCEPTED_PROBE}` };
  if (status !== null && status >= 400 && status < 600) return { verdict: 'refused', error: null };
  return {
    verdict: 'inconclusive',
    error:
      status === null
        ? `no answer (${error ?? 'unknown error'}): cannot tell whether the handler verifies signatures`
        : `HTTP ${status}: expected a refusal (4xx/5xx)`,
  };
}

/** The plaintext of a previous notification body, if it decrypts with this key. */
export function plaintextOf(body: string, apiv3Key: string): unknown {
  try {
    return JSON.parse(decryptResource(JSON.parse(body).resource, apiv3Key));
  } catch {
    return undefined;
  }
}

/** A used coupon of `mchid` shaped like the official sample (samples/favor/coupon-use.resource.decrypted.json). */
export function syntheticCouponUse(mchid: string, nowMs: number): Record<string, unknown> {
  const t = (offsetMs: number) => rfc3339(nowMs + offsetMs);
  const day = 86_400_000;
  return {
    stock_creator_mchid: mchid,
    stock_id: '9999000001',
    coupon_id: '99990000000001',
    coupon_name: '签名校验探测',
    status: 'USED',
    description: 'wxpay-mock handler check: this notification is signed WECHATPAY/SIGNTEST/ and must be refused',
    create_time: t(-day),
    coupon_type: 'NORMAL',
    no_cash: true,
    available_begin_time: t(-day),
    available_end_time: t(30 * day),
    singleitem: false,
    normal_coupon_information: { coupon_amount: 100, transaction_minimum: 1000 },
    consume_information: { consume_time: t(0), consume_mchid: mchid, transaction_id: '4200000000000000000000000001' },
  };
}
