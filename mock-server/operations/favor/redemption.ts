/**
 * Control operations of 代金券: use (核销) a coupon and refund a used one — what a payment with the
 * coupon would do on the real platform. They move the coupon's state (SENDED → USED → SENDED after a
 * refund), fill `consume_information`, feed the stock's use-flow and refund-flow files, and emit the
 * "coupon used" domain event the COUPON.USE delivery hooks onto (`onCouponUsed`).
 *
 * Reached through the control API (`POST /_mock/favor/coupons/{coupon_id}/use` and `/refund`, see
 * mock-server/control/favor.ts) and the programmatic API (`mock.useCoupon`, `mock.refundCoupon`).
 *
 * Like a handler, every check runs before any change, in one synchronous step; the change, and what the
 * "coupon used" listeners record, is durable (one store commit) before the caller hears back.
 */
import type { Clock } from '../../clock.js';
import type { DeliveryHandle, DeliveryRecord } from '../../callbacks/types.js';
import type { MockData } from '../../store/state.js';
import type { Store } from '../../store/store.js';
import { CST_OFFSET_MS, parseRfc3339, rfc3339 } from '../../time.js';
import type { World } from '../../world.js';
import {
  couponPlaintext,
  couponStatus,
  couponView,
  cstMidnight,
  isSingleItem,
  type FavorCoupon,
  type FavorStock,
  type GoodsDetail,
} from './state.js';
import { checkoutRefusal } from './checkout.js';
import { findCoupon, stockOfCoupon, updateCoupon } from './repository.js';
import { idText } from '../../id-text.js';
import { randomDigits } from '../../protocol/rsa.js';

export interface UseCouponOptions {
  /** WeChat Pay order number of the payment (default: a random 28-digit `4200…` number). */
  transaction_id?: string;
  /** Merchant that collected the payment; one of the stock's available merchants (default: the first). */
  consume_mchid?: string;
  /** RFC 3339; inside the coupon's window and not after the virtual clock's now (default: now). */
  consume_time?: string;
  /** Single-item detail (default for a single-item stock: one unit of its first item at the threshold price). */
  goods_detail?: GoodsDetail[];
  /** The order's amount in fen (default: the goods' total, else the stock's threshold); must reach the threshold. */
  order_amount?: number;
}

export interface RefundCouponOptions {
  /** Refund number (default: a random 32-digit `50…` number). */
  refund_id?: string;
  /** RFC 3339; not before the use and not after now (default: now). */
  refund_time?: string;
}

/** The "coupon used" domain event: the used coupon as COUPON.USE carries it, and whom to notify. */
export interface CouponUsedEvent {
  /** The stock's creator: the merchant COUPON.USE is sent to. */
  creatorMchid: string;
  /** The coupon object with consume_information (contracts/callbacks/coupon-use.plaintext.json). */
  coupon: Record<string, unknown>;
}

export type CouponUsedListener = (event: CouponUsedEvent) => unknown;

export interface CouponUseResult {
  /** The coupon as the coupon-detail API now answers it (status USED, consume_information). */
  coupon: Record<string, unknown>;
  stock_creator_mchid: string;
  /** What each onCouponUsed listener returned, awaited. */
  listeners: unknown[];
  /** The COUPON.USE sent to the creator's notify URL: `{ record, settled }`; null when none is set. */
  delivery: DeliveryHandle | null;
}

/**
 * The outbox port for COUPON.USE (the callback dispatcher implements it): `enqueue` writes the pending
 * notification through the use's own transaction view; `start` sends it once that is durable.
 */
export interface CouponUseNotifier {
  enqueue(data: MockData, creatorMchid: string, coupon: Record<string, unknown>): DeliveryRecord | null;
  start(record: DeliveryRecord): DeliveryHandle;
}

export interface CouponRefundResult {
  /** The coupon as the coupon-detail API now answers it (SENDED again, or EXPIRED past its window). */
  coupon: Record<string, unknown>;
  refund: { refund_id: string; refund_time: string; refund_amount: number; transaction_id: string };
}

/** A refused control operation: `{code, message}` with an HTTP status on the control API. */
export class FavorControlError extends Error {
  constructor(
    readonly code: 'PARAM_ERROR' | 'RESOURCE_NOT_EXISTS' | 'INVALID_REQUEST',
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const refuse = (message: string): never => {
  throw new FavorControlError('INVALID_REQUEST', message, 400);
};
/**
 * A use needs a SENDED coupon, a refund a USED one: checked before the work, and again inside the
 * transaction on the latest state (with replicas on one database another may have acted meanwhile).
 */
const requireStatus = (coupon: FavorCoupon, now: number, wanted: 'SENDED' | 'USED', action: 'used' | 'refunded') => {
  const status = couponStatus(coupon, now);
  if (status !== wanted) refuse(`coupon ${coupon.coupon_id} is ${status}: only a ${wanted} coupon can be ${action}`);
};
const badParam = (message: string): never => {
  throw new FavorControlError('PARAM_ERROR', message, 400);
};

function timeOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? parseRfc3339(value) : NaN;
  if (!Number.isFinite(ms)) badParam(`${name} must be an RFC 3339 time with offset, e.g. 2026-03-02T10:00:00+08:00`);
  return ms;
}

/** A caller-chosen number (transaction_id, refund_id), when given: 1–64 letters, digits, _ or -. */
function idOption(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'string' || !/^[0-9A-Za-z_-]{1,64}$/.test(value)))
    badParam(`${name} must be 1–64 letters, digits, _ or -`);
}

/** Largest amount or quantity accepted (fen): the API's `int` (int32) fields; beyond it a sum could leave exact integers. */
const INT32_MAX = 2 ** 31 - 1;

function goodsOption(value: unknown): GoodsDetail[] | undefined {
  if (value === undefined) return undefined;
  const shape =
    'goods_detail must be a non-empty array of {goods_id (1–128 chars), quantity (≥ 1), price (fen ≥ 0), discount_amount (fen ≥ 0)}';
  if (!Array.isArray(value) || value.length === 0 || value.length > 1000) badParam(shape);
  (value as unknown[]).forEach((g, i) => {
    if (!g || typeof g !== 'object' || Array.isArray(g)) badParam(shape);
    const item = g as Record<string, unknown>;
    if (typeof item.goods_id !== 'string' || item.goods_id.length < 1 || item.goods_id.length > 128)
      badParam(`goods_detail[${i}].goods_id must be a string of 1–128 characters`);
    // Range-checked, not only typed: 1e308 is an "integer" to JS and would write Infinity into the bill.
    for (const [field, min] of [
      ['quantity', 1],
      ['price', 0],
      ['discount_amount', 0],
    ] as const) {
      const n = item[field];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > INT32_MAX)
        badParam(`goods_detail[${i}].${field} must be an integer from ${min} to ${INT32_MAX}`);
    }
  });
  const goods = (value as GoodsDetail[]).map(({ goods_id, quantity, price, discount_amount }) => ({
    goods_id,
    quantity,
    price,
    discount_amount,
  }));
  const total = goods.reduce((sum, g) => sum + g.price * g.quantity, 0);
  if (total > INT32_MAX) badParam(`goods_detail: the order amount (sum of price × quantity, ${total}) must not exceed ${INT32_MAX} fen`);
  return goods;
}

/** Inside the weekly window of `fix_available_time`, if the stock has one (seconds of the CST day, 0 = Sunday). */
function inWeeklyWindow(stock: FavorStock, ms: number): boolean {
  const fix = stock.body.coupon_use_rule.coupon_available_time?.fix_available_time;
  if (!fix) return true;
  const midnight = cstMidnight(ms);
  const weekday = new Date(midnight + CST_OFFSET_MS).getUTCDay();
  const second = Math.floor((ms - midnight) / 1000);
  if (fix.available_week_day && !fix.available_week_day.includes(weekday)) return false;
  return second >= fix.begin_time && second <= (fix.end_time ?? 86_399);
}

export interface FavorDomainDeps {
  store: Store;
  clock: Clock;
  world: World;
  notifier?: CouponUseNotifier;
}

export class FavorDomain {
  private readonly usedListeners = new Set<CouponUsedListener>();

  constructor(private readonly deps: FavorDomainDeps) {}

  /**
   * Called on every successful use, in the same synchronous step as the change (whatever a listener
   * records synchronously is written with it); useCoupon resolves once that write is durable and every
   * listener has settled. Returns an unsubscribe function.
   */
  onCouponUsed(listener: CouponUsedListener): () => void {
    this.usedListeners.add(listener);
    return () => this.usedListeners.delete(listener);
  }

  private locate(couponId: unknown): { coupon: FavorCoupon; stock: FavorStock } {
    if (typeof couponId !== 'string' || !couponId) badParam('coupon_id is required');
    const coupon = findCoupon(this.deps.store.data, couponId as string);
    if (!coupon) throw new FavorControlError('RESOURCE_NOT_EXISTS', `no coupon ${idText(couponId)}`, 404);
    return { coupon, stock: stockOfCoupon(this.deps.store.data, coupon) };
  }

  async useCoupon(couponId: string, options: UseCouponOptions = {}): Promise<CouponUseResult> {
    const { store, clock } = this.deps;
    const { coupon, stock } = this.locate(couponId);
    const now = clock.nowMs();
    const consumeMs = timeOption(options.consume_time, 'consume_time', now);
    const goods = goodsOption(options.goods_detail);
    idOption(options.transaction_id, 'transaction_id');
    const merchants = stock.body.coupon_use_rule.available_merchants;
    const consumeMchid = options.consume_mchid ?? merchants[0];
    if (typeof consumeMchid !== 'string') badParam('consume_mchid must be a merchant id');

    requireStatus(coupon, now, 'SENDED', 'used');
    if (consumeMs > now) refuse(`consume_time ${rfc3339(consumeMs)} is after the virtual clock's now (${rfc3339(now)})`);
    if (consumeMs < coupon.begin_ms || consumeMs > coupon.end_ms) {
      refuse(`consume_time ${rfc3339(consumeMs)} is outside the coupon's window ${rfc3339(coupon.begin_ms)} … ${rfc3339(coupon.end_ms)}`);
    }
    if (consumeMs < coupon.create_ms)
      refuse(`consume_time ${rfc3339(consumeMs)} is before the coupon was received (${coupon.create_time})`);
    if (!inWeeklyWindow(stock, consumeMs))
      refuse(`consume_time ${rfc3339(consumeMs)} is outside the stock's fix_available_time (weekly window)`);
    if (!merchants.includes(consumeMchid))
      refuse(`consume_mchid ${consumeMchid} is not an available merchant of stock ${stock.stock_id} (${merchants.join(', ')})`);

    const orderOption = options.order_amount;
    if (
      orderOption !== undefined &&
      (typeof orderOption !== 'number' || !Number.isInteger(orderOption) || orderOption < 1 || orderOption > 2 ** 31 - 1)
    )
      badParam('order_amount must be an integer number of fen from 1 to 2147483647');
    const declined = checkoutRefusal(stock, goods, orderOption);
    if (declined) refuse(declined);

    const fixed = stock.body.coupon_use_rule.fixed_normal_coupon;
    const goodsDetail =
      goods ??
      (isSingleItem(stock)
        ? [
            {
              goods_id: stock.body.coupon_use_rule.available_items![0],
              quantity: 1,
              price: fixed.transaction_minimum,
              discount_amount: fixed.coupon_amount,
            },
          ]
        : undefined);
    const consume_information = {
      consume_time: rfc3339(consumeMs, { millis: true }),
      consume_mchid: consumeMchid,
      transaction_id: options.transaction_id ?? `4200${randomDigits(24)}`,
      ...(goodsDetail ? { goods_detail: goodsDetail } : {}),
    };
    const orderAmount =
      orderOption ?? (goodsDetail ? goodsDetail.reduce((sum, g) => sum + g.price * g.quantity, 0) : fixed.transaction_minimum);

    const plaintext = (c: FavorCoupon, st: FavorStock) => couponPlaintext(c, st, clock.nowMs());
    // One transaction: the use, and its COUPON.USE in the outbox (the notifier writes it through the
    // same view), so a crash never leaves a used coupon whose notification was never recorded.
    const record = await store.transact((data) =>
      updateCoupon(data, coupon, (c, st) => {
        // Again on the latest state, under the world's lock (another replica may have used it meanwhile).
        requireStatus(c, now, 'SENDED', 'used');
        c.status = 'USED';
        c.consume_information = consume_information;
        st.use_flow.push({
          coupon_id: c.coupon_id,
          transaction_id: consume_information.transaction_id,
          consume_mchid: consumeMchid,
          consume_time: consume_information.consume_time,
          consume_ms: consumeMs,
          discount_amount: fixed.coupon_amount,
          order_amount: orderAmount,
          ...(goodsDetail ? { goods_detail: structuredClone(goodsDetail) } : {}),
        });
        // The plaintext from the raw objects (the same ones, now changed): structuredClone cannot read a tracked view.
        const raw = findCoupon(store.data, coupon.coupon_id)!;
        return this.deps.notifier?.enqueue(data, c.creator_mchid, plaintext(raw, stockOfCoupon(store.data, raw))) ?? null;
      }),
    );
    const delivery = record ? this.deps.notifier!.start(record) : null;
    // Listeners hear of the use once it is durable (they are told, they take no part in the write).
    const event: CouponUsedEvent = { creatorMchid: coupon.creator_mchid, coupon: plaintext(coupon, stock) };
    const listeners = await Promise.all([...this.usedListeners].map(async (listener) => listener(structuredClone(event))));
    return { coupon: couponView(coupon, stock, clock.nowMs()), stock_creator_mchid: coupon.creator_mchid, listeners, delivery };
  }

  async refundCoupon(couponId: string, options: RefundCouponOptions = {}): Promise<CouponRefundResult> {
    const { store, clock } = this.deps;
    const { coupon, stock } = this.locate(couponId);
    const now = clock.nowMs();
    const refundMs = timeOption(options.refund_time, 'refund_time', now);
    idOption(options.refund_id, 'refund_id');
    requireStatus(coupon, now, 'USED', 'refunded');
    const used = coupon.consume_information!;
    if (refundMs > now) refuse(`refund_time ${rfc3339(refundMs)} is after the virtual clock's now (${rfc3339(now)})`);
    if (refundMs < parseRfc3339(used.consume_time)) refuse(`refund_time ${rfc3339(refundMs)} is before the use (${used.consume_time})`);

    const refund = {
      refund_id: options.refund_id ?? `50${randomDigits(30)}`,
      refund_time: rfc3339(refundMs, { millis: true }),
      refund_amount: stock.body.coupon_use_rule.fixed_normal_coupon.coupon_amount,
      transaction_id: used.transaction_id,
    };
    // The coupon goes back to the user: SENDED again (it reads EXPIRED if its window has passed).
    await store.transact((data) =>
      updateCoupon(data, coupon, (c, st) => {
        requireStatus(c, now, 'USED', 'refunded');
        c.status = 'SENDED';
        delete c.consume_information;
        st.refund_flow.push({ coupon_id: c.coupon_id, ...refund, refund_ms: refundMs });
      }),
    );
    return { coupon: couponView(coupon, stock, clock.nowMs()), refund };
  }
}
