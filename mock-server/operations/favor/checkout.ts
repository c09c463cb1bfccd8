/**
 * What a real checkout allows before it applies a 代金券 (api-reference.md §2.1), for the control
 * API's use: the order reaches the threshold (`transaction_minimum`, "使用门槛"), and for a single-item
 * stock the order holds one of its `available_items` and the threshold counts only those items ("for
 * single-item stocks, the threshold counts only the eligible items"). The available merchant is
 * checked where the consume merchant is chosen (redemption.ts). Each refusal names the numbers.
 */
import type { FavorStock, GoodsDetail } from './state.js';
import { isSingleItem } from './state.js';

/** Why the checkout would not apply the coupon, or undefined when it would. */
export function checkoutRefusal(stock: FavorStock, goods: GoodsDetail[] | undefined, orderAmount: number | undefined): string | undefined {
  const { transaction_minimum: threshold } = stock.body.coupon_use_rule.fixed_normal_coupon;
  if (isSingleItem(stock)) {
    if (!goods) return undefined; // the default order: one eligible item at the threshold price
    const items = new Set(stock.body.coupon_use_rule.available_items);
    const eligible = goods.filter((g) => items.has(g.goods_id));
    if (!eligible.length)
      return `goods_detail holds none of single-item stock ${stock.stock_id}'s available_items (${[...items].join(', ')})`;
    const amount = eligible.reduce((sum, g) => sum + g.price * g.quantity, 0);
    if (amount < threshold)
      return `the eligible items of the order come to ${amount} fen, below the coupon's threshold (transaction_minimum ${threshold} fen)`;
    return undefined;
  }
  const amount = orderAmount ?? goods?.reduce((sum, g) => sum + g.price * g.quantity, 0);
  if (amount !== undefined && amount < threshold)
    return `the order comes to ${amount} fen, below the coupon's threshold (transaction_minimum ${threshold} fen)`;
  return undefined;
}
