/**
 * Read-only views of 代金券 state for the dashboard (GET /_mock/state/stocks, /_mock/state/coupons),
 * read through the repository (a stock's coupons through its index). Statuses are computed from the
 * clock, as the API does.
 */
import type { MockData } from '../../store/state.js';
import { rfc3339 } from '../../time.js';
import { allCoupons, allStocks, couponsOfStock, findStock, stockOfCoupon } from './repository.js';
import { couponStatus, stockStatus, type CouponStatus, type FavorCoupon } from './state.js';

export interface StockRow {
  stock_id: string;
  creator_mchid: string;
  stock_name: string;
  status: string;
  available_begin_time: string;
  available_end_time: string;
  coupon_amount: number;
  transaction_minimum: number;
  no_cash: boolean;
  max_coupons: number;
  /** Budget in fen (stock_use_rule.max_amount) and how much of it the coupons sent so far take. */
  max_amount: number;
  distributed_coupons: number;
  distributed_amount: number;
  used_coupons: number;
  refunded_coupons: number;
  create_time: string;
}

export interface CouponRow {
  coupon_id: string;
  stock_id: string;
  stock_name: string;
  creator_mchid: string;
  sender_mchid: string;
  appid: string;
  openid: string;
  status: CouponStatus;
  coupon_amount: number;
  create_time: string;
  consume_information?: FavorCoupon['consume_information'];
}

export interface CouponQuery {
  openid?: string;
  status?: string;
  stock_id?: string;
  /** At most this many rows, newest first (default 200). */
  limit?: number;
}

/** As the API writes times: +08:00 with milliseconds. */
const timeOf = (ms: number) => rfc3339(ms, { millis: true });

/** Every stock of every merchant, newest first. */
export function stockRows(data: MockData, nowMs: number): StockRow[] {
  return allStocks(data)
    .sort((a, b) => b.create_ms - a.create_ms || b.stock_id.localeCompare(a.stock_id))
    .map((s) => ({
      stock_id: s.stock_id,
      creator_mchid: s.creator_mchid,
      stock_name: s.body.stock_name,
      status: stockStatus(s, nowMs),
      available_begin_time: timeOf(s.begin_ms),
      available_end_time: timeOf(s.end_ms),
      coupon_amount: s.body.coupon_use_rule.fixed_normal_coupon.coupon_amount,
      transaction_minimum: s.body.coupon_use_rule.fixed_normal_coupon.transaction_minimum,
      no_cash: s.body.no_cash,
      max_coupons: s.body.stock_use_rule.max_coupons,
      max_amount: s.body.stock_use_rule.max_amount,
      distributed_coupons: s.distributed_coupons,
      distributed_amount: s.distributed_amount,
      used_coupons: s.use_flow.length,
      refunded_coupons: s.refund_flow.length,
      create_time: s.create_time,
    }));
}

/** Coupon ids are digit strings (of one length): newest (largest) first. */
const newestFirst = (a: FavorCoupon, b: FavorCoupon) =>
  b.coupon_id.length - a.coupon_id.length || (a.coupon_id < b.coupon_id ? 1 : a.coupon_id > b.coupon_id ? -1 : 0);

/**
 * Coupons matching the query, newest first, and how many matched before the limit. With `stock_id`,
 * only that stock's coupons are read (its index); rows are built for the page only.
 */
export function couponRows(data: MockData, nowMs: number, query: CouponQuery = {}): { coupons: CouponRow[]; total: number } {
  let candidates: FavorCoupon[];
  if (query.stock_id) {
    const stock = findStock(data, query.stock_id);
    candidates = stock ? couponsOfStock(data, stock) : [];
  } else candidates = allCoupons(data);
  const matches = candidates.filter(
    (c) => (!query.openid || c.openid === query.openid) && (!query.status || couponStatus(c, nowMs) === query.status),
  );
  const page = matches.sort(newestFirst).slice(0, query.limit ?? 200);
  return {
    coupons: page.map((c) => {
      const stock = stockOfCoupon(data, c);
      return {
        coupon_id: c.coupon_id,
        stock_id: c.stock_id,
        stock_name: stock?.body.stock_name ?? '',
        creator_mchid: c.creator_mchid,
        sender_mchid: c.sender_mchid,
        appid: c.appid,
        openid: c.openid,
        status: couponStatus(c, nowMs),
        coupon_amount: stock?.body.coupon_use_rule.fixed_normal_coupon.coupon_amount ?? 0,
        create_time: c.create_time,
        ...(c.consume_information ? { consume_information: structuredClone(c.consume_information) } : {}),
      };
    }),
    total: matches.length,
  };
}
