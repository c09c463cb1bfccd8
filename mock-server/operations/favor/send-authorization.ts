/**
 * Who may send a stock's coupons, and to which appid's users — the one place that decides.
 *
 * Today (api-reference.md §2.5): "by default a merchant may send only its own stocks"; sending another
 * merchant's stock needs a 委托营销 partnership (§4). The partnerships work plugs in here: extend these
 * two functions (they get the whole state), and every caller — send coupon, stock detail, available
 * merchants/items, coupon detail and the user-coupon list — follows.
 *
 * Callers answer with the real codes: sending without `senderMayUse` → 403 REQUEST_BLOCKED 商户无权发券;
 * an appid refused by `appidMayReceive` → 403 REQUEST_BLOCKED 批次不支持跨商户发券. The appid must be
 * bound to the sender in any case (APPID_MCHID_NOT_MATCH, checked by the caller, not here): for a
 * cross-merchant send, appid, openid and out_request_no are the sender's (Go SDK SendCoupon note 2).
 */
import type { MockData } from '../../store/state.js';
import type { FavorStock } from './state.js';

/** May `senderMchid` send coupons of `stock` (and read the stock as a sender)? */
export function senderMayUse(_data: MockData, stock: FavorStock, senderMchid: string): boolean {
  return stock.creator_mchid === senderMchid;
}

/** May `senderMchid` send coupons of `stock` to users of `appid` (an appid bound to the sender)? */
export function appidMayReceive(_data: MockData, stock: FavorStock, senderMchid: string, _appid: string): boolean {
  return stock.creator_mchid === senderMchid;
}
