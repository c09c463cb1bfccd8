/**
 * 代金券 test helpers: a valid create body, and short-hands for create → start → send on a frozen
 * virtual clock (so windows, days and expiry are exact).
 */
import { expect } from 'vitest';
import { CREATOR, json, sharedMock, type TestMock } from './mock.js';

export const FAVOR = '/v3/marketing/favor';
export const STOCKS = `${FAVOR}/coupon-stocks`;

/** Virtual "now" of the suites (frozen). */
export const NOW = '2026-03-02T10:00:00+08:00';
export const NOW_MS = Date.parse(NOW);
/** The default stock window: from now to the end of March. */
export const BEGIN = NOW;
export const END = '2026-03-31T23:59:59+08:00';

/** Fixture appids and users (fixtures/world.json). */
export const APP = 'wx1a2b3c4d5e6f7001'; // bound to 1900000001
export const APP2 = 'wx1a2b3c4d5e6f7002'; // bound to 1900000001
export const BRANCH_APP = 'wx1a2b3c4d5e6f7003'; // bound to 1900000002
export const UNBOUND_APP = 'wx1a2b3c4d5e6f7005'; // bound to no merchant
export const USER = 'od3htb2NrLTEtdXNlci0xX19fX19'; // APP, person-1-1
export const USER2 = 'od3htb2NrLTEtdXNlci0yX19fX19'; // APP, person-1-2
export const SAME_PERSON = 'od3htb2NrLTItdXNlci0xX19fX19'; // APP2, person-1-1 (USER's natural person)
export const BRANCH_USER = 'od3htb2NrLTMtdXNlci0xX19fX19'; // BRANCH_APP
export const POOR = '1900000004'; // balance 100 fen

let seq = 0;
export const requestNo = (prefix = 'REQ') => `${prefix}${Date.now()}${++seq}`;

export interface StockOverrides {
  [key: string]: unknown;
}

/** A valid whole-shop, no-cash stock of CREATOR: 10 coupons of 1 CNY, threshold 10 CNY, 3 per user. */
export function stockBody(overrides: Record<string, unknown> = {}, mchid = CREATOR): any {
  const base = {
    stock_name: '测试代金券',
    comment: '测试批次',
    belong_merchant: mchid,
    available_begin_time: BEGIN,
    available_end_time: END,
    stock_use_rule: { max_coupons: 10, max_amount: 1000, max_coupons_per_user: 3, natural_person_limit: false, prevent_api_abuse: false },
    pattern_info: { description: '满10元减1元' },
    coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 }, available_merchants: [mchid] },
    no_cash: true,
    stock_type: 'NORMAL',
    out_request_no: requestNo('STOCK'),
  };
  return merge(base, overrides);
}

/** Deep merge; `undefined` deletes a key. */
export function merge(base: any, overrides: any): any {
  const out = structuredClone(base);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k]))
      out[k] = merge(out[k], v);
    else out[k] = v;
  }
  return out;
}

export async function freezeAtNow(t: TestMock) {
  await t.mock.clock.freeze(NOW_MS);
}

/** The 代金券 suites' mock: one per file, reset and frozen at NOW before each test. */
export const favorMock = () => sharedMock(NOW_MS);

export async function createStock(t: TestMock, overrides: Record<string, unknown> = {}, mchid = CREATOR): Promise<string> {
  const res = await t.call('POST', STOCKS, { body: stockBody(overrides, mchid), mchid });
  expect(res.status, bodyText(res)).toBe(200);
  return json(res).stock_id;
}

export const stockPath = (stockId: string, action = '') => `${FAVOR}/stocks/${stockId}${action ? `/${action}` : ''}`;

export function stockAction(
  t: TestMock,
  stockId: string,
  action: 'start' | 'pause' | 'restart' | 'stop',
  mchid = CREATOR,
  creator = mchid,
) {
  return t.call('POST', stockPath(stockId, action), { body: { stock_creator_mchid: creator }, mchid });
}

/** Created and started. */
export async function runningStock(t: TestMock, overrides: Record<string, unknown> = {}, mchid = CREATOR): Promise<string> {
  const id = await createStock(t, overrides, mchid);
  const res = await stockAction(t, id, 'start', mchid);
  expect(res.status, bodyText(res)).toBe(200);
  return id;
}

export function send(
  t: TestMock,
  stockId: string,
  options: {
    openid?: string;
    appid?: string;
    mchid?: string;
    creator?: string;
    outRequestNo?: string;
    extra?: Record<string, unknown>;
  } = {},
) {
  const mchid = options.mchid ?? CREATOR;
  const body = {
    stock_id: stockId,
    out_request_no: options.outRequestNo ?? requestNo('SEND'),
    appid: options.appid ?? APP,
    stock_creator_mchid: options.creator ?? CREATOR,
    ...options.extra,
  };
  return t.call('POST', `${FAVOR}/users/${options.openid ?? USER}/coupons`, { body, mchid });
}

export async function sendOk(t: TestMock, stockId: string, options: Parameters<typeof send>[2] = {}): Promise<string> {
  const res = await send(t, stockId, options);
  expect(res.status, bodyText(res)).toBe(200);
  return json(res).coupon_id;
}

export const bodyText = (res: { body: unknown }) => (Buffer.isBuffer(res.body) ? res.body.toString('utf8') : String(res.body));

/** [status, code, message] of a reply, for one-line assertions. */
export const err = (res: { status: number }) => {
  const body = json(res as any);
  return [res.status, body.code, body.message];
};

/** A stock as its creator reads it (signed GET …/stocks/{id}): the public answer, e.g. distributed_coupons. */
export async function stockDetail(t: TestMock, stockId: string, creator = CREATOR): Promise<any> {
  const res = await t.call('GET', `${stockPath(stockId)}?stock_creator_mchid=${creator}`, { mchid: creator });
  expect(res.status, bodyText(res)).toBe(200);
  return json(res);
}

/** The merchant's 代金券 notify URL as the signed GET …/favor/callbacks answers it; undefined when none is set (404). */
export async function notifyUrlOf(t: TestMock, mchid = CREATOR): Promise<string | undefined> {
  const res = await t.call('GET', `${FAVOR}/callbacks?mchid=${mchid}`, { mchid });
  if (res.status === 404) {
    expect(err(res)).toEqual([404, 'RESOURCE_NOT_EXISTS', '未设置消息通知地址']);
    return undefined;
  }
  expect(res.status, bodyText(res)).toBe(200);
  return json(res).notify_url;
}
