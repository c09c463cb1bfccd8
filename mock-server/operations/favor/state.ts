/**
 * 代金券 (favor) state and the views the API answers with. Reading and writing the records is
 * repository.ts's alone (with the coupon indexes); this module declares their types.
 *
 * Where things live (MerchantState.favor, keyed by the owning merchant):
 * - a stock, its counters and its redemption/refund flows under its creator;
 * - a coupon under the creator of its stock (it is that stock's coupon), with the sending merchant noted;
 * - create idempotency records (out_request_no) under the creator, send records under the sender
 *   (out_request_no is unique per sending merchant, api-reference.md §2.5).
 * Id sequences and issued bill tokens are global (`MockData.favor`).
 *
 * Clock-driven states are computed on read, never stored (our choice, like 支付有礼): a stock past its
 * available_end_time reads `stoped` (api-reference.md §6: inferred) with stop_time = its end; a SENDED
 * coupon past its available_end_time reads `EXPIRED`. Moving the virtual clock therefore moves every
 * stock and coupon at once, backwards too, with no timer. Only what a request or control operation did
 * is stored: start/pause/restart/stop, use and refund.
 */
import type { FavorCreateStockBody, FavorFixedNormalCoupon as FixedNormalCoupon } from '../../contract/generated/operations.js';
import { nextInSequence, type MockData } from '../../store/state.js';
import type { MediaState } from './media.js';

declare module '../../store/state.js' {
  interface MerchantState {
    /** 代金券 stocks created by this merchant, their coupons, and its create/send idempotency records. */
    favor?: FavorMerchantState;
    /** The 代金券 notify URL (favor.setCallback). */
    favor_callback?: FavorCallbackSetting;
  }
  interface MockData {
    /** Issued bill-download tokens (and, in version-1 files, the id counters); absent until first used. */
    favor?: FavorGlobalState;
    /** Uploaded marketing images (media.ts); absent until the first one. */
    media?: MediaState;
  }
}

export interface FavorCallbackSetting {
  notify_url: string;
  switch: boolean;
  update_time: string;
}
import { CST_OFFSET_MS, rfc3339 } from '../../time.js';

/** `audit`: created by a merchant whose stocks are reviewed (fixture `stock_review`) and not yet approved. */
export type StoredStockStatus = 'audit' | 'unactivated' | 'running' | 'paused' | 'stoped';
export type StockStatus = StoredStockStatus;
export type CouponStatus = 'SENDED' | 'USED' | 'EXPIRED';

/**
 * The create request as a stock keeps it: as its contract declares it (generated from
 * contracts/favor/createStock.json), once the handler's rules passed (fixed_normal_coupon is then present).
 */
export type CreateStockBody = FavorCreateStockBody & { coupon_use_rule: { fixed_normal_coupon: FixedNormalCoupon } };

/** One redemption, as the use-flow file lists it. */
export interface UseRecord {
  coupon_id: string;
  transaction_id: string;
  consume_mchid: string;
  consume_time: string;
  consume_ms: number;
  discount_amount: number;
  /** Order amount: the goods' total when given, else the stock's threshold (fen). */
  order_amount: number;
  goods_detail?: GoodsDetail[];
}

/** One refund of a redeemed coupon, as the refund-flow file lists it. */
export interface RefundRecord {
  coupon_id: string;
  refund_id: string;
  transaction_id: string;
  refund_time: string;
  refund_ms: number;
  refund_amount: number;
}

export interface GoodsDetail {
  goods_id: string;
  quantity: number;
  price: number;
  discount_amount: number;
}

export interface FavorStock {
  stock_id: string;
  creator_mchid: string;
  /** Canonical JSON of the create body: a repeat with the same out_request_no must match it. */
  fingerprint: string;
  body: CreateStockBody;
  begin_ms: number;
  end_ms: number;
  create_time: string;
  create_ms: number;
  status: StoredStockStatus;
  start_time?: string;
  pause_time?: string;
  restart_time?: string;
  /** Set by POST …/stop only; expiry is computed (stockStopTime). */
  stop_time?: string;
  /** Prepaid stocks: the budget taken from the creator's balance at start (fen). */
  locked_amount: number;
  distributed_coupons: number;
  distributed_amount: number;
  /** Amount sent per CST calendar day (`YYYY-MM-DD`), for max_amount_by_day. */
  sent_by_day: Record<string, number>;
  /** Coupons received per openid, for max_coupons_per_user. */
  per_user: Record<string, number>;
  /** Coupons received per natural person (fixture person_id), for natural_person_limit. */
  per_person: Record<string, number>;
  use_flow: UseRecord[];
  refund_flow: RefundRecord[];
}

export interface ConsumeInformation {
  consume_time: string;
  consume_mchid: string;
  transaction_id: string;
  goods_detail?: GoodsDetail[];
}

export interface FavorCoupon {
  coupon_id: string;
  stock_id: string;
  creator_mchid: string;
  sender_mchid: string;
  appid: string;
  openid: string;
  out_request_no: string;
  create_time: string;
  create_ms: number;
  begin_ms: number;
  end_ms: number;
  /** USED while redeemed; a refund puts it back to SENDED. EXPIRED is computed (couponStatus). */
  status: 'SENDED' | 'USED';
  consume_information?: ConsumeInformation;
}

export interface IdempotencyRecord {
  fingerprint: string;
  id: string;
}

/** Where each record sits, and the indexes: repository.ts (the only code that reads or writes this slice). */
export interface FavorMerchantState {
  stocks: Record<string, FavorStock>;
  /** Coupons of this merchant's stocks, by coupon_id. */
  coupons: Record<string, FavorCoupon>;
  /** `openid|appid` → coupon ids (of this merchant's stocks), oldest first. Absent in data written before it. */
  coupons_by_user?: Record<string, string[]>;
  /** stock_id → its coupon ids, oldest first. Absent in data written before it. */
  coupons_by_stock?: Record<string, string[]>;
  /** Data written before the two indexes above: openid → coupon ids. Dropped when they are built. */
  coupons_by_openid?: Record<string, string[]>;
  /** Create: out_request_no → stock_id. */
  create_requests: Record<string, IdempotencyRecord>;
  /** Send (this merchant as sender): out_request_no → coupon_id. */
  send_requests: Record<string, IdempotencyRecord>;
  /** Platform risk cap: amount sent per `openid|YYYY-MM` by this creator (fen). */
  user_month_amount: Record<string, number>;
}

export interface FavorBill {
  token: string;
  /** The merchant that asked for it: only it may download (403 NO_AUTH otherwise). */
  mchid: string;
  expires_ms: number;
  /** The file, UTF-8 text. */
  content: string;
}

export interface FavorGlobalState {
  /** Data files of version 1 kept the id counters here (now `MockData.sequences`). */
  next_stock?: number;
  next_coupon?: number;
  /** Issued download tokens (use-flow / refund-flow); expired ones are pruned when a new one is issued. */
  bills: Record<string, FavorBill>;
}

/** Stock ids: 8 digits like the samples' (`98065001`), unique across merchants and resets. */
export function nextStockId(data: MockData): string {
  // `favor.next_stock` is where data files written before the sequences kept the count.
  return String(16_000_000 + nextInSequence(data, 'favor.stock', (data.favor?.next_stock ?? 1) - 1));
}

/** Coupon ids: 11 digits like real ones, unique across merchants and resets. */
export function nextCouponId(data: MockData): string {
  return String(30_000_000_000 + nextInSequence(data, 'favor.coupon', (data.favor?.next_coupon ?? 1) - 1));
}

export function stockStatus(stock: FavorStock, nowMs: number): StockStatus {
  if (stock.status === 'stoped') return 'stoped';
  return nowMs > stock.end_ms ? 'stoped' : stock.status;
}

/** stop_time: set by POST …/stop, or the end of the window once the clock passed it. */
export function stockStopTime(stock: FavorStock, nowMs: number): string | undefined {
  if (stock.stop_time) return stock.stop_time;
  return nowMs > stock.end_ms ? rfc3339(stock.end_ms, { millis: true }) : undefined;
}

export function couponStatus(coupon: FavorCoupon, nowMs: number): CouponStatus {
  if (coupon.status === 'USED') return 'USED';
  return nowMs > coupon.end_ms ? 'EXPIRED' : 'SENDED';
}

/** China Standard Time calendar day `YYYY-MM-DD` of an instant. */
export const cstDay = (ms: number) => rfc3339(ms).slice(0, 10);
/** China Standard Time calendar month `YYYY-MM` of an instant. */
export const cstMonth = (ms: number) => rfc3339(ms).slice(0, 7);

const DAY_MS = 86_400_000;
/** Midnight (CST) that starts the day of `ms`. */
export const cstMidnight = (ms: number) => Math.floor((ms + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
/** Midnight (CST) that starts the day after `ms`. */
export const nextCstMidnight = (ms: number) => cstMidnight(ms) + DAY_MS;

export const isSingleItem = (stock: FavorStock) => (stock.body.coupon_use_rule.available_items?.length ?? 0) > 0;

/**
 * The description answered for the stock and its coupons: pattern_info.description. The field is
 * required in replies (string[1,3000]) but pattern_info is optional on create; without it we answer
 * the stock name (our choice).
 */
export const descriptionOf = (stock: FavorStock) => stock.body.pattern_info?.description ?? stock.body.stock_name;

/** Stock object of §2.7 (detail and list). */
export function stockView(stock: FavorStock, nowMs: number): Record<string, unknown> {
  const { stock_use_rule: use, coupon_use_rule: rule } = stock.body;
  const stopTime = stockStopTime(stock, nowMs);
  return {
    stock_id: stock.stock_id,
    stock_creator_mchid: stock.creator_mchid,
    stock_name: stock.body.stock_name,
    status: stockStatus(stock, nowMs),
    create_time: stock.create_time,
    description: descriptionOf(stock),
    stock_use_rule: {
      max_coupons: use.max_coupons,
      max_amount: use.max_amount,
      // Always present: wechatpay-go's StockUseRule reply model requires it (its typed Stock does not
      // marshal without it). A stock created without a daily cap answers its whole budget — the largest
      // value the create rule allows (max_amount_by_day ≤ max_amount) and the one that caps nothing;
      // 0 would read as "nothing a day" (the FAQ forbids a 0 daily limit). Our choice, not documented.
      max_amount_by_day: use.max_amount_by_day ?? use.max_amount,
      fixed_normal_coupon: { ...rule.fixed_normal_coupon },
      max_coupons_per_user: use.max_coupons_per_user,
      coupon_type: 'NORMAL',
      ...(rule.goods_tag ? { goods_tag: [...rule.goods_tag] } : {}),
      ...(rule.trade_type ? { trade_type: [...rule.trade_type] } : {}),
      // Stacking is allowed unless the creator said otherwise (api-reference.md §2.1: default allowed).
      combine_use: rule.combine_use ?? true,
    },
    // As the real API writes times: +08:00 with milliseconds, whatever offset the creator sent.
    available_begin_time: rfc3339(stock.begin_ms, { millis: true }),
    available_end_time: rfc3339(stock.end_ms, { millis: true }),
    distributed_coupons: stock.distributed_coupons,
    no_cash: stock.body.no_cash,
    ...(stock.start_time ? { start_time: stock.start_time } : {}),
    ...(stopTime ? { stop_time: stopTime } : {}),
    singleitem: isSingleItem(stock),
    stock_type: 'NORMAL',
  };
}

/**
 * `single_price_max` of a used single-item coupon: the highest unit price among the order's lines that
 * are the stock's available items (our reading of 单品最高优惠价格; the value is not further documented).
 */
function singleItemDiscountOff(stock: FavorStock, used: ConsumeInformation): { single_price_max: number } | undefined {
  const items = new Set(stock.body.coupon_use_rule.available_items);
  const prices = (used.goods_detail ?? []).filter((g) => items.has(g.goods_id)).map((g) => g.price);
  return prices.length ? { single_price_max: Math.max(...prices) } : undefined;
}

/** Coupon object of §2.8/§2.11. `consume_information` while used (api-reference.md §7.10: we include it). */
export function couponView(coupon: FavorCoupon, stock: FavorStock, nowMs: number): Record<string, unknown> {
  // singleitem_discount_off is COUPON.USE's alone (the Coupon object of the query APIs has no such field).
  const { singleitem_discount_off: _callbackOnly, ...view } = couponPlaintext(coupon, stock, nowMs);
  return { ...view, out_request_no: coupon.out_request_no };
}

/**
 * The coupon as the COUPON.USE resource carries it (contracts/callbacks/coupon-use.plaintext.json):
 * the coupon object without out_request_no, with singleitem_discount_off once a single-item coupon is used.
 */
export function couponPlaintext(coupon: FavorCoupon, stock: FavorStock, nowMs: number): Record<string, unknown> {
  const singleItemOff =
    coupon.consume_information && isSingleItem(stock) ? singleItemDiscountOff(stock, coupon.consume_information) : undefined;
  return {
    stock_creator_mchid: coupon.creator_mchid,
    stock_id: coupon.stock_id,
    coupon_id: coupon.coupon_id,
    // COUPON.USE (api-reference.md §2.14): 单品优惠特定信息 for a used single-item coupon. `discount_to`
    // belongs to 减至 (CUT_TO) coupons, which the create API cannot make: never sent.
    ...(singleItemOff ? { singleitem_discount_off: singleItemOff } : {}),
    coupon_name: stock.body.stock_name,
    status: couponStatus(coupon, nowMs),
    description: descriptionOf(stock),
    create_time: coupon.create_time,
    coupon_type: 'NORMAL',
    no_cash: stock.body.no_cash,
    available_begin_time: rfc3339(coupon.begin_ms, { millis: true }),
    available_end_time: rfc3339(coupon.end_ms, { millis: true }),
    singleitem: isSingleItem(stock),
    normal_coupon_information: { ...stock.body.coupon_use_rule.fixed_normal_coupon },
    ...(coupon.consume_information ? { consume_information: JSON.parse(JSON.stringify(coupon.consume_information)) } : {}),
  };
}
