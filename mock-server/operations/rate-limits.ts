/**
 * Documented request frequencies (频率限制), enforced only when asked (the strict fidelity profile, or the
 * check `rateLimits: 'enforce'` / `--rate-limits`):
 * a fast test suite must not be surprised by a 429. Off by default.
 *
 * Each operation lists its limits as the docs give them (api-reference.md §2.1–2.15, protocol.md §2.5,
 * wechatpay-go's endpoint comments where the page has none): how many requests per second or minute,
 * counted per calling merchant, per client IP ("单IP"), or across all merchants ("全部商户"). A rate
 * given without a scope is counted per merchant (the quota one merchant sees). 支付有礼 and 委托营销
 * document no frequencies: none are enforced there.
 *
 * Windows are fixed (second / minute) windows of the **virtual clock** (our choice): a test reaches a
 * limit and opens the next window with POST /_mock/clock/advance instead of sleeping; a frozen clock
 * never opens a new window. The counters are not state: in memory, per mock, dropped with old windows.
 *
 * The refusal is the family's documented 429: 代金券 (and the image upload) FREQUENCY_LIMIT_EXCEED 接口限频
 * (its error table; observed on use-flow), the platform certificates FREQUENCY_LIMITED (protocol.md §3.2;
 * the text there is ours).
 */
import { ApiError, type ErrorCode } from '../errors.js';
import type { Handler, HandlerRegistry, OperationContext } from './types.js';

export type RateScope = 'merchant' | 'ip' | 'all';

export interface RateLimit {
  max: number;
  per: 'second' | 'minute';
  scope: RateScope;
}

const perMerchant = (max: number, per: RateLimit['per']): RateLimit => ({ max, per, scope: 'merchant' });
const perIp = (max: number, per: RateLimit['per']): RateLimit => ({ max, per, scope: 'ip' });
const allMerchants = (max: number, per: RateLimit['per']): RateLimit => ({ max, per, scope: 'all' });

/** The documented frequencies, by operation id. */
export const RATE_LIMITS: Record<string, RateLimit[]> = {
  // §2.1: 60/min per merchant, 1000/min across merchants.
  'favor.createStock': [perMerchant(60, 'minute'), allMerchants(1000, 'minute')],
  // §2.2–2.4: 1000/min; start also 60/min from one IP.
  'favor.startStock': [perMerchant(1000, 'minute'), perIp(60, 'minute')],
  'favor.pauseStock': [perMerchant(1000, 'minute')],
  'favor.restartStock': [perMerchant(1000, 'minute')],
  // §2.5: 500/s.
  'favor.sendCoupon': [perMerchant(500, 'second')],
  // §2.6, §2.7: 1000/s, one IP 500/s.
  'favor.listStocks': [perMerchant(1000, 'second'), perIp(500, 'second')],
  'favor.getStock': [perMerchant(1000, 'second'), perIp(500, 'second')],
  // §2.8: 500/s (Go SDK).
  'favor.getCoupon': [perMerchant(500, 'second')],
  // §2.9: 1000/min (Go SDK); §2.10: 1000/min, one IP 200/min.
  'favor.listStockMerchants': [perMerchant(1000, 'minute')],
  'favor.listStockItems': [perMerchant(1000, 'minute'), perIp(200, 'minute')],
  // §2.11: 2000/s, one IP 500/s (the doc's figure over the Go SDK's 500 qps, §7.13).
  'favor.listUserCoupons': [perMerchant(2000, 'second'), perIp(500, 'second')],
  // §2.12: 1000/min, one IP 5/min.
  'favor.useFlow': [perMerchant(1000, 'minute'), perIp(5, 'minute')],
  'favor.refundFlow': [perMerchant(1000, 'minute'), perIp(5, 'minute')],
  // §2.13: set 1000/min, one IP 5/min; get 2000 QPS.
  'favor.setCallback': [perMerchant(1000, 'minute'), perIp(5, 'minute')],
  'favor.getCallback': [perMerchant(2000, 'second')],
  // §2.15: 100/min.
  'favor.uploadImage': [perMerchant(100, 'minute')],
  // protocol.md §2.5: 1000/s per merchant.
  'certificates.list': [perMerchant(1000, 'second')],
};

export const RATE_LIMIT_MESSAGES = {
  favor: '接口限频',
  // No text documented for FREQUENCY_LIMITED on these pages; ours.
  other: '请求频率超过限制，请稍后重试',
} as const;

function refusal(operationId: string): ApiError {
  const favor = operationId.startsWith('favor.');
  const code: ErrorCode = favor ? 'FREQUENCY_LIMIT_EXCEED' : 'FREQUENCY_LIMITED';
  return new ApiError(code, favor ? RATE_LIMIT_MESSAGES.favor : RATE_LIMIT_MESSAGES.other);
}

const WINDOW_MS = { second: 1000, minute: 60_000 } as const;

/**
 * The registry with every limited operation's handler behind its counters. The count is taken before
 * the handler runs (a refused request is not counted; every answered one is, success or business error).
 */
export function withRateLimits(handlers: HandlerRegistry): HandlerRegistry {
  // window key (`scope|subject|per|index`) → count; windows other than the current ones are dropped.
  const counts = new Map<string, number>();
  let currentSecond = -1;
  const limited = (operationId: string, limits: RateLimit[], handler: Handler): Handler => {
    return (ctx: OperationContext) => {
      const now = ctx.clock.nowMs();
      const second = Math.floor(now / 1000);
      if (second !== currentSecond) {
        const minute = Math.floor(now / 60_000);
        for (const key of counts.keys()) {
          const [, , per, index] = key.split('|');
          if (Number(index) !== (per === 'second' ? second : minute)) counts.delete(key);
        }
        currentSecond = second;
      }
      const keys = limits.map((l) => {
        const subject = l.scope === 'merchant' ? ctx.mchid : l.scope === 'ip' ? ctx.clientAddress : '*';
        return `${operationId}:${l.scope}|${subject}|${l.per}|${Math.floor(now / WINDOW_MS[l.per])}`;
      });
      keys.forEach((key, i) => {
        if ((counts.get(key) ?? 0) >= limits[i].max) throw refusal(operationId);
      });
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      return handler(ctx);
    };
  };
  return Object.fromEntries(
    Object.entries(handlers).map(([id, handler]) => [id, RATE_LIMITS[id] ? limited(id, RATE_LIMITS[id], handler) : handler]),
  );
}
