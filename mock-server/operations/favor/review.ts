/**
 * The review of new 代金券 stocks, for merchants whose stocks are reviewed (fixture `stock_review`):
 * a new stock is `audit` (api-reference.md §2.0: 审核中) until the control API decides —
 * `POST /_mock/favor/stocks/{stock_id}/approve` → `unactivated`, `/reject` → `stoped` with stop_time now.
 * The real review happens inside WeChat Pay; what triggers it and how long it takes is not documented
 * (api-reference.md §6), so the mock waits for the call. While in audit: start → 403 RULE_LIMIT
 * 批次审核中，暂不允许激活，请稍后重试, pause/restart → 400 PARAM_ERROR 非法的批次状态, send → 400
 * INVALID_REQUEST 活动已结束或未激活, stop → 400 PARAM_ERROR 非法的批次状态.
 */
import type { ControlStateAccess } from '../types.js';
import { rfc3339 } from '../../time.js';
import { FavorControlError } from './redemption.js';
import { findStock, updateStock } from './repository.js';
import { stockStatus } from './state.js';
import { idText } from '../../id-text.js';

export type StockReview = 'approve' | 'reject';

export async function reviewStock(
  deps: ControlStateAccess,
  stockId: string,
  decision: StockReview,
): Promise<{ stock_id: string; status: string; stop_time?: string }> {
  const { store, clock } = deps;
  const stock = stockId ? findStock(store.data, stockId) : undefined;
  if (!stock) throw new FavorControlError('RESOURCE_NOT_EXISTS', `no stock ${idText(stockId)}`, 404);
  const now = clock.nowMs();
  // Checked before the transaction, and again inside it on the latest state: with replicas on one
  // database another may have reviewed it meanwhile.
  const requireAudit = (status: string) => {
    if (status !== 'audit')
      throw new FavorControlError('INVALID_REQUEST', `stock ${stock.stock_id} is ${status}: only a stock in audit is reviewed`, 400);
  };
  requireAudit(stockStatus(stock, now));
  const stopTime = rfc3339(now, { millis: true });
  // One transaction, like a handler's ctx.mutate: durable before the control API answers.
  const stored = await store.transact((data) =>
    updateStock(data, stock, (s) => {
      requireAudit(stockStatus(s, now));
      if (decision === 'approve') s.status = 'unactivated';
      else {
        s.status = 'stoped';
        s.stop_time = stopTime;
      }
      return s;
    }),
  );
  return { stock_id: stored.stock_id, status: stockStatus(stored, now), ...(stored.stop_time ? { stop_time: stored.stop_time } : {}) };
}
