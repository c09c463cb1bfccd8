/**
 * 代金券 repository: the only code that knows where the family's stocks, coupons and request records
 * sit in the state document. Handlers, control operations and views call these functions; they never
 * reach into `data.merchants[…].favor` themselves.
 *
 * Every function takes the document it works on: a handler's `ctx.data` to read, the `data` of
 * `ctx.mutate((data) => …)` / `store.transact` to write (writes through anything else would not be
 * recorded by the transaction).
 *
 * Layout (MerchantState.favor, under the stock's creator):
 * - `stocks[stock_id]`, `coupons[coupon_id]`: the records, by id. A lookup by id alone probes each
 *   merchant's slice (the fixture merchants, a handful): coupon and stock ids are unique across them.
 * - `coupons_by_user["openid|appid"]`, `coupons_by_stock[stock_id]`: coupon ids, oldest first. They
 *   are part of the document, so they are written, persisted, rolled back and replicated with the
 *   coupon in the same transaction, by every store backend, with no code of their own.
 * - `create_requests` / `send_requests`: out_request_no → id (send records under the sender).
 * Beside the slice: the notify URL (`MerchantState.favor_callback`) and the issued bill-download
 * tokens (`MockData.favor.bills`, global).
 *
 * Data written before these indexes (a slice without `coupons_by_stock`) still opens: reads scan the
 * slice's coupons instead, and the first coupon written to the slice builds both indexes from its
 * coupons inside that same transaction (the old `coupons_by_openid`, which they replace, is dropped).
 */
import { own, putOwn } from '../../store/records.js';
import type { MerchantState, MockData } from '../../store/state.js';
import type { FavorBill, FavorCallbackSetting, FavorCoupon, FavorMerchantState, FavorStock, IdempotencyRecord } from './state.js';

/** What names a stored stock: its creator (where it lives) and its id. */
export type StockRef = Pick<FavorStock, 'creator_mchid' | 'stock_id'>;
/** What names a stored coupon: its stock's creator (where it lives) and its id. */
export type CouponRef = Pick<FavorCoupon, 'creator_mchid' | 'coupon_id' | 'stock_id'>;

export function emptyFavorState(): FavorMerchantState {
  return {
    stocks: {},
    coupons: {},
    coupons_by_user: {},
    coupons_by_stock: {},
    create_requests: {},
    send_requests: {},
    user_month_amount: {},
  };
}

/** A merchant's slice to write, created on first write. */
function writable(data: MockData, mchid: string): FavorMerchantState {
  return ((data.merchants[mchid] as MerchantState).favor ??= emptyFavorState());
}

const sliceOf = (data: MockData, mchid: string): FavorMerchantState | undefined => data.merchants[mchid]?.favor;

function* slices(data: MockData): Iterable<FavorMerchantState> {
  for (const merchant of Object.values(data.merchants)) if (merchant.favor) yield merchant.favor;
}

// ---- stocks

/** The stock with this id, whoever created it. */
export function findStock(data: MockData, stockId: string): FavorStock | undefined {
  for (const favor of slices(data)) {
    const stock = own(favor.stocks, stockId);
    if (stock) return stock;
  }
  return undefined;
}

/** The stock `creatorMchid` created with this id (another merchant's: undefined). */
export function stockOf(data: MockData, creatorMchid: string, stockId: string): FavorStock | undefined {
  return own(sliceOf(data, creatorMchid)?.stocks, stockId);
}

/** The stocks `creatorMchid` created, in creation order. */
export function stocksOf(data: MockData, creatorMchid: string): FavorStock[] {
  return Object.values(sliceOf(data, creatorMchid)?.stocks ?? {});
}

/** Every merchant's stocks. */
export function allStocks(data: MockData): FavorStock[] {
  return [...slices(data)].flatMap((favor) => Object.values(favor.stocks));
}

/** The stock of a coupon (it lives beside the coupon, under the same creator). */
export function stockOfCoupon(data: MockData, coupon: CouponRef): FavorStock {
  return sliceOf(data, coupon.creator_mchid)!.stocks[coupon.stock_id];
}

/** Stores a new stock and its create request (out_request_no of its creator). */
export function insertStock(data: MockData, stock: FavorStock, outRequestNo: string): void {
  const favor = writable(data, stock.creator_mchid);
  putOwn(favor.stocks, stock.stock_id, stock);
  putOwn(favor.create_requests, outRequestNo, { fingerprint: stock.fingerprint, id: stock.stock_id });
}

/** Changes a stored stock: `change` gets the record as `data` holds it. */
export function updateStock<T>(data: MockData, ref: StockRef, change: (stock: FavorStock) => T): T {
  return change(sliceOf(data, ref.creator_mchid)!.stocks[ref.stock_id]);
}

// ---- coupons

/** The coupon with this id, whoever created its stock. */
export function findCoupon(data: MockData, couponId: string): FavorCoupon | undefined {
  for (const favor of slices(data)) {
    const coupon = own(favor.coupons, couponId);
    if (coupon) return coupon;
  }
  return undefined;
}

const userKey = (openid: string, appid: string) => `${openid}|${appid}`;
/** Coupon ids are digit strings (of one length): oldest (smallest) first. */
const byId = (a: FavorCoupon, b: FavorCoupon) =>
  a.coupon_id.length - b.coupon_id.length || (a.coupon_id < b.coupon_id ? -1 : a.coupon_id > b.coupon_id ? 1 : 0);

const indexed = (favor: FavorMerchantState): boolean => favor.coupons_by_stock !== undefined && favor.coupons_by_user !== undefined;

export interface CouponIndexes {
  coupons_by_user: Record<string, string[]>;
  coupons_by_stock: Record<string, string[]>;
}

/**
 * Adds a coupon to a slice's indexes (by user and appid, by stock). Exported for the benchmarks' bulk
 * fill, which writes a snapshot directly; elsewhere `insertCoupon` calls it.
 */
export function indexCoupon(indexes: CouponIndexes, coupon: FavorCoupon): void {
  (indexes.coupons_by_user[userKey(coupon.openid, coupon.appid)] ??= []).push(coupon.coupon_id);
  (indexes.coupons_by_stock[coupon.stock_id] ??= []).push(coupon.coupon_id);
}

/** A slice written before the indexes gets them, built from its coupons (inside the writing transaction). */
function ensureIndexes(favor: FavorMerchantState): asserts favor is FavorMerchantState & CouponIndexes {
  if (indexed(favor)) return;
  const built: CouponIndexes = { coupons_by_user: {}, coupons_by_stock: {} };
  for (const coupon of Object.values(favor.coupons).sort(byId)) indexCoupon(built, coupon);
  favor.coupons_by_user = built.coupons_by_user;
  favor.coupons_by_stock = built.coupons_by_stock;
  delete favor.coupons_by_openid;
}

/** Stores a new coupon under its stock's creator, with its index entries. */
export function insertCoupon(data: MockData, coupon: FavorCoupon): void {
  const favor = writable(data, coupon.creator_mchid);
  ensureIndexes(favor);
  putOwn(favor.coupons, coupon.coupon_id, coupon);
  indexCoupon(favor, coupon);
}

/** Changes a stored coupon: `change` gets the records as `data` holds them (the coupon and its stock). */
export function updateCoupon<T>(data: MockData, ref: CouponRef, change: (coupon: FavorCoupon, stock: FavorStock) => T): T {
  const favor = sliceOf(data, ref.creator_mchid)!;
  return change(favor.coupons[ref.coupon_id], favor.stocks[ref.stock_id]);
}

/** The coupons sent to `openid` under `appid`, of every creator's stocks; each creator's oldest first. */
export function couponsOfUser(data: MockData, openid: string, appid: string): FavorCoupon[] {
  const out: FavorCoupon[] = [];
  for (const favor of slices(data)) {
    if (indexed(favor)) for (const id of own(favor.coupons_by_user!, userKey(openid, appid)) ?? []) out.push(favor.coupons[id]);
    else
      out.push(
        ...Object.values(favor.coupons)
          .filter((c) => c.openid === openid && c.appid === appid)
          .sort(byId),
      );
  }
  return out;
}

/** The coupons of a stock, oldest first. */
export function couponsOfStock(data: MockData, stock: StockRef): FavorCoupon[] {
  const favor = sliceOf(data, stock.creator_mchid);
  if (!favor) return [];
  if (!indexed(favor))
    return Object.values(favor.coupons)
      .filter((c) => c.stock_id === stock.stock_id)
      .sort(byId);
  return (own(favor.coupons_by_stock!, stock.stock_id) ?? []).map((id) => favor.coupons[id]);
}

/** Every coupon of every merchant's stocks. */
export function allCoupons(data: MockData): FavorCoupon[] {
  return [...slices(data)].flatMap((favor) => Object.values(favor.coupons));
}

// ---- request records and counters

/** `mchid`'s create records (out_request_no → stock), for idempotency.ts's priorRequest. */
export const createRequestsOf = (data: MockData, mchid: string): Record<string, IdempotencyRecord> | undefined =>
  sliceOf(data, mchid)?.create_requests;

/** `mchid`'s send records as the sender (out_request_no → coupon). */
export const sendRequestsOf = (data: MockData, mchid: string): Record<string, IdempotencyRecord> | undefined =>
  sliceOf(data, mchid)?.send_requests;

/** Notes a send under its sender's out_request_no. */
export function recordSend(data: MockData, senderMchid: string, outRequestNo: string, record: IdempotencyRecord): void {
  putOwn(writable(data, senderMchid).send_requests, outRequestNo, record);
}

/** What `creatorMchid` sent to a user in a month (`openid|YYYY-MM`), in fen: the platform's monthly risk cap. */
export function userMonthAmount(data: MockData, creatorMchid: string, monthKey: string): number {
  return own(sliceOf(data, creatorMchid)?.user_month_amount, monthKey) ?? 0;
}

export function addUserMonthAmount(data: MockData, creatorMchid: string, monthKey: string, amount: number): void {
  const amounts = writable(data, creatorMchid).user_month_amount;
  putOwn(amounts, monthKey, (own(amounts, monthKey) ?? 0) + amount);
}

// ---- the notify URL and bill-download tokens

/** `mchid`'s 代金券 notify URL setting (favor.setCallback), if set. */
export const callbackSettingOf = (data: MockData, mchid: string): FavorCallbackSetting | undefined => data.merchants[mchid]?.favor_callback;

export function setCallbackSetting(data: MockData, mchid: string, setting: FavorCallbackSetting): void {
  data.merchants[mchid].favor_callback = setting;
}

/** The bill issued under this token, if any (expired ones included until pruned). */
export const findBill = (data: MockData, token: string): FavorBill | undefined => own(data.favor?.bills, token);

/** Stores a new bill token; the ones expired by `nowMs` are pruned in the same write. */
export function insertBill(data: MockData, bill: FavorBill, nowMs: number): void {
  const bills = (data.favor ??= { bills: {} }).bills;
  for (const [token, old] of Object.entries(bills)) if (old.expires_ms < nowMs) delete bills[token];
  putOwn(bills, bill.token, bill);
}
