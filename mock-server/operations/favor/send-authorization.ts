/**
 * Who may send a stock's coupons, and to which appid's users — the one place that decides.
 *
 * By default a merchant may send only its own stocks (api-reference.md §2.5); a 委托营销 partnership
 * (§4, mock-server/operations/partnerships/) built by the stock's creator widens that while it is
 * ESTABLISHED:
 * - MERCHANT partner on a FAVOR_STOCK: that merchant may send the stock's coupons (and read the stock),
 *   with its own appid, openid and out_request_no (Go SDK SendCoupon note 2);
 * - APPID partner: the creator may send the stock's coupons to that appid's users, as to users of an
 *   appid of its own (seed 002: a stock authorized to a live-room mini program).
 *
 * Callers answer with the real codes: an appid neither bound to the caller nor an established APPID
 * partner of it → 400 APPID_MCHID_NOT_MATCH (`appidPairedWith`, checked before the stock is known);
 * sending without `senderMayUse` → 403 REQUEST_BLOCKED 商户无权发券; a paired appid this stock was not
 * authorized to (`appidMayReceive`) → 403 REQUEST_BLOCKED 批次不支持跨商户发券. A terminated
 * partnership authorizes nothing.
 */
import type { MockData } from '../../store/state.js';
import type { World } from '../../world.js';
import { establishedOf, isEstablished } from '../partnerships/state.js';
import type { FavorStock } from './state.js';

const favorStock = (stock: FavorStock) => ({ business_type: 'FAVOR_STOCK' as const, stock_id: stock.stock_id });

/** May `senderMchid` send coupons of `stock` (and read the stock as a sender)? */
export function senderMayUse(data: MockData, stock: FavorStock, senderMchid: string): boolean {
  if (stock.creator_mchid === senderMchid) return true;
  return isEstablished(data, stock.creator_mchid, favorStock(stock), { type: 'MERCHANT', merchant_id: senderMchid });
}

/**
 * May `mchid` name `appid` for its users at all: bound to it in the fixtures, or an appid it holds an
 * established APPID partnership with (on any of its stocks)?
 */
export function appidPairedWith(world: World, data: MockData, appid: string, mchid: string): boolean {
  if (world.appids.get(appid)?.mchids.includes(mchid)) return true;
  return establishedOf(data, mchid).some((p) => p.partner.type === 'APPID' && p.partner.appid === appid);
}

/**
 * May `senderMchid` send coupons of `stock` to users of `appid` (an appid that passed
 * `appidPairedWith`)? Its own appids always; a partner appid only for the creator, and only when the
 * partnership is on this stock.
 */
export function appidMayReceive(world: World, data: MockData, stock: FavorStock, senderMchid: string, appid: string): boolean {
  if (world.appids.get(appid)?.mchids.includes(senderMchid)) return true;
  return stock.creator_mchid === senderMchid && isEstablished(data, senderMchid, favorStock(stock), { type: 'APPID', appid });
}
