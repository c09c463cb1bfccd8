/**
 * The merchant-handler check (issue 7, item 3): one COUPON.USE, well formed and decryptable, but
 * signed `WECHATPAY/SIGNTEST/…` — the probe WeChat Pay itself sends now and then (protocol.md §2.6) —
 * sent to a notify URL. A handler that verifies signatures refuses it (4xx/5xx); one that answers 2xx
 * would have processed a forged notification. Sending goes through the sender (sender.ts: same
 * headers, timeout and agents as real attempts); this module says what to send and what the answer
 * means, and keeps the checks of this run.
 */
import type { Clock } from '../clock.js';
import { callbackSettingOf } from '../operations/favor/repository.js';
import { decryptResource } from '../protocol/aead.js';
import { signingKeyOf, type SigningKey } from '../protocol/sign-response.js';
import type { Store } from '../store/store.js';
import { rfc3339 } from '../time.js';
import type { World } from '../world.js';
import { BAD_NOTIFICATIONS, BAD_NOTIFICATION_TEXT, badNotification, type BadNotification } from './bad-notifications.js';
import { CallbackError } from './errors.js';
import { buildCouponUseNotification, callbackHeaders } from './notification.js';
import type { CallbackSchemas } from './schemas.js';
import { httpUrl, type CallbackSender } from './sender.js';
import { assertCouponUse, merchantOf } from './trigger.js';
import type { DeliveryRecord } from './types.js';

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
  /** The conformance table: one verdict per case (the probe above is the first). */
  cases: HandlerCase[];
  /** Every case passed. */
  passed: boolean;
}

export type HandlerCaseName = 'signtest-probe' | BadNotification | 'valid' | 'duplicate' | 'time-limit';

/** One row of the table: what was sent, what a correct handler answers, what this one answered. */
export interface HandlerCase {
  case: HandlerCaseName;
  /** What was sent, in words. */
  sent: string;
  expect: string;
  status: number | null;
  latency_ms: number | null;
  /** pass / fail; inconclusive: no answer came (connection refused, reset), so nothing can be said. */
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** Why it failed or is inconclusive (null on pass). */
  error: string | null;
}

type Answer = { status: number | null; latency_ms: number; error: string | null };

const timedOut = (a: Answer) => a.status === null && !!a.error?.startsWith('timeout');

/** A bad notification's row: refused (any non-2xx answer) passes. */
function refusalCase(name: HandlerCaseName, sent: string, a: Answer): HandlerCase {
  const base = { case: name, sent, expect: 'refused: a non-2xx answer', status: a.status, latency_ms: a.latency_ms };
  if (a.status === null) return { ...base, verdict: 'inconclusive', error: `no answer (${a.error ?? 'unknown error'})` };
  if (a.status >= 200 && a.status < 300)
    return { ...base, verdict: 'fail', error: `HTTP ${a.status}: the handler accepted a notification it must refuse (${sent})` };
  return { ...base, verdict: 'pass', error: null };
}

/** A valid notification's row: 200 or 204 (the only answers WeChat Pay counts as received) within the limit. */
function acceptanceCase(name: HandlerCaseName, sent: string, a: Answer, limitMs: number): HandlerCase {
  const base = { case: name, sent, expect: 'accepted: HTTP 200 or 204', status: a.status, latency_ms: a.latency_ms };
  if (timedOut(a)) return { ...base, verdict: 'fail', error: `no answer within ${limitMs} ms` };
  if (a.status === null) return { ...base, verdict: 'inconclusive', error: `no answer (${a.error ?? 'unknown error'})` };
  if (a.status !== 200 && a.status !== 204)
    return { ...base, verdict: 'fail', error: `HTTP ${a.status}: only 200 and 204 count as received; WeChat Pay would retry` };
  return { ...base, verdict: 'pass', error: null };
}

/**
 * The conformance run after the probe: each bad notification (bad-notifications.ts), then the valid
 * one, then the same again (a duplicate), then the time limit over all answers. Sent one by one, each
 * answered (or timed out) before the next.
 */
export async function conformanceCases(input: {
  send: (headers: Record<string, string>, body: string) => Promise<Answer>;
  url: URL;
  body: string;
  key: SigningKey;
  probe: Answer;
  limitMs: number;
}): Promise<{ cases: HandlerCase[]; passed: boolean }> {
  const { send, url, body, key, limitMs } = input;
  const answers: Answer[] = [input.probe];
  const cases: HandlerCase[] = [
    refusalCase('signtest-probe', 'signed WECHATPAY/SIGNTEST/ (the probe WeChat Pay sends now and then)', input.probe),
  ];
  // A handler that lets two requests in a row time out is not answering: the rest are not sent
  // (no minute-long wait at 5 s each), their rows inconclusive, and the time limit fails.
  const gaveUp = () => answers.length >= 2 && answers.slice(-2).every(timedOut);
  const skipped = { status: null, latency_ms: 0, error: 'not sent: the handler stopped answering' };
  for (const kind of BAD_NOTIFICATIONS) {
    if (gaveUp()) {
      cases.push(refusalCase(kind, BAD_NOTIFICATION_TEXT[kind], skipped));
      continue;
    }
    const bad = await badNotification(kind, url, body, key);
    const a = await send(bad.headers, bad.body);
    answers.push(a);
    cases.push(refusalCase(kind, BAD_NOTIFICATION_TEXT[kind], a));
  }
  for (const [name, sent] of [
    ['valid', 'a valid notification'],
    ['duplicate', 'the same notification again (same id and body, fresh signature)'],
  ] as const) {
    if (gaveUp()) {
      cases.push(acceptanceCase(name, sent, skipped, limitMs));
      continue;
    }
    const a = await send(await callbackHeaders(url, body, key), body);
    answers.push(a);
    cases.push(acceptanceCase(name, sent, a, limitMs));
  }
  const answered = answers.filter((a) => a.status !== null);
  const late = answers.filter((a) => timedOut(a) || (a.status !== null && a.latency_ms > limitMs));
  const slowest = Math.max(0, ...answered.map((a) => a.latency_ms));
  cases.push({
    case: 'time-limit',
    sent: `every request above`,
    expect: `each answered within ${limitMs} ms`,
    status: null,
    latency_ms: slowest,
    ...(late.length
      ? { verdict: 'fail' as const, error: `${late.length} request(s) not answered within ${limitMs} ms` }
      : answered.length
        ? { verdict: 'pass' as const, error: null }
        : { verdict: 'inconclusive' as const, error: 'no request was answered' }),
  });
  return { cases, passed: cases.every((c) => c.verdict === 'pass') };
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

/** The handler checks of this run, oldest first (the last `logSize`); cleared on reset. */
export class HandlerChecks {
  private checks: HandlerCheck[] = [];

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      world: World;
      schemas: CallbackSchemas;
      sender: CallbackSender;
      /** The latest delivery to `mchid` (the delivery log). */
      latestFor: (mchid: string) => DeliveryRecord | undefined;
      options: { timeoutMs: number; logSize: number };
    },
  ) {}

  /**
   * One COUPON.USE with a `WECHATPAY/SIGNTEST/` signature to the merchant's notify URL (or `url`),
   * outside any delivery (no retries, not in the delivery log), then the rest of the table.
   */
  async run(options: HandlerCheckOptions = {}): Promise<HandlerCheck> {
    const { world, store, clock, sender } = this.deps;
    const mchid =
      options.mchid ?? [...world.merchants.keys()].find((m) => callbackSettingOf(store.data, m)) ?? [...world.merchants.keys()][0];
    const merchant = merchantOf(world, mchid);
    const target = options.url ?? callbackSettingOf(store.data, mchid)?.notify_url;
    if (!target)
      throw new CallbackError(
        'RESOURCE_NOT_EXISTS',
        `merchant ${mchid} has set no notify URL (POST /v3/marketing/favor/callbacks) and no url was given: nothing to check`,
        409,
      );
    const url = httpUrl(target);
    if (!url) throw new CallbackError('PARAM_ERROR', `url must be an http(s) URL, got ${target}`);
    const apiv3Key = merchant.merchant.apiv3_key;
    // Look like a real notification: the latest one this merchant got, else a sample-shaped coupon.
    const latest = this.deps.latestFor(mchid);
    const coupon = options.coupon ?? (latest && plaintextOf(latest.body, apiv3Key)) ?? syntheticCouponUse(mchid, clock.nowMs());
    assertCouponUse(this.deps.schemas, coupon);
    const built = buildCouponUseNotification({ plaintext: coupon, apiv3Key, createTimeMs: clock.nowMs() });
    const time = new Date().toISOString();
    const virtual_time = rfc3339(clock.nowMs(), { millis: true });
    const key = signingKeyOf(world.platform, merchant.merchant.verification_mode);
    const { headers, latency_ms, ...result } = await sender.exchange(url, built.body, key, true, new AbortController().signal);
    // The rest of the table: each bad kind, the valid notification, a duplicate, the time limit.
    const table = await conformanceCases({
      send: (h, b) => sender.sendRaw(url, h, b),
      url,
      body: built.body,
      key,
      probe: { status: result.status, latency_ms, error: result.error },
      limitMs: this.deps.options.timeoutMs,
    });
    const check: HandlerCheck = {
      seq: (this.checks.at(-1)?.seq ?? 0) + 1,
      time,
      virtual_time,
      mchid,
      url: url.href,
      notification_id: built.id,
      ...verdictOf(result.status, result.error),
      status: result.status,
      latency_ms,
      headers,
      response_body: result.body,
      ...table,
    };
    this.checks.push(check);
    if (this.checks.length > this.deps.options.logSize) this.checks.shift();
    return structuredClone(check);
  }

  list(): HandlerCheck[] {
    return structuredClone(this.checks);
  }

  clear(): void {
    this.checks = [];
  }
}
