/**
 * 代金券 control operations, mounted at /_mock/favor by control/routes.ts (unsigned, loopback only
 * like the rest of the control API):
 *
 *   POST /_mock/favor/coupons/{coupon_id}/use     {transaction_id?, consume_mchid?, consume_time?, goods_detail?}
 *   POST /_mock/favor/coupons/{coupon_id}/refund  {refund_id?, refund_time?}
 *   POST /_mock/favor/stocks/{stock_id}/approve   a stock in `audit` → `unactivated` (operations/favor/review.ts)
 *   POST /_mock/favor/stocks/{stock_id}/reject    a stock in `audit` → `stoped`
 *
 * 200 with the coupon as the coupon-detail API now answers it (use: and `delivery`, the COUPON.USE
 * record, null when no notify URL is set); refused → 4xx `{code, message}`
 * (404 RESOURCE_NOT_EXISTS unknown coupon, 400 INVALID_REQUEST wrong state or outside the window,
 * 400 PARAM_ERROR malformed input). See mock-server/operations/favor/redemption.ts.
 */
import { Hono } from 'hono';
import type { DeliveryHandle } from '../callbacks/types.js';
import { controlBody } from './body.js';
import { jsonResponse } from '../http.js';
import {
  FavorControlError,
  type CouponRefundResult,
  type CouponUseResult,
  type RefundCouponOptions,
  type UseCouponOptions,
} from '../operations/favor/redemption.js';
import type { StockReview } from '../operations/favor/review.js';

/** The app's use and refund (app.ts: the use comes with its COUPON.USE delivery, told apart once there). */
export interface FavorControl {
  useCoupon(couponId: string, options?: UseCouponOptions): Promise<CouponUseResult & { delivery: DeliveryHandle | null }>;
  refundCoupon(couponId: string, options?: RefundCouponOptions): Promise<CouponRefundResult>;
  /** The review of a stock in `audit` (merchants with `stock_review`). */
  reviewStock?(stockId: string, decision: StockReview): Promise<{ stock_id: string; status: string; stop_time?: string }>;
}

export function favorControlRoutes(favor: FavorControl): Hono {
  const app = new Hono();
  // Our refusals; anything else (a malformed JSON body, a bug) goes on to the control API's handler (control/routes.ts).
  app.onError((err) => {
    if (err instanceof FavorControlError) return jsonResponse(err.status, { code: err.code, message: err.message });
    throw err;
  });
  app.post('/coupons/:coupon_id/use', async (c) => {
    const { coupon, delivery } = await favor.useCoupon(c.req.param('coupon_id'), (await controlBody(c)) as UseCouponOptions);
    // The COUPON.USE delivery as recorded (null: the creator set no notify URL); follow it at /_mock/callbacks/{id}.
    return c.json({ coupon, delivery: delivery?.record ?? null });
  });
  app.post('/coupons/:coupon_id/refund', async (c) => {
    const { coupon, refund } = await favor.refundCoupon(c.req.param('coupon_id'), (await controlBody(c)) as RefundCouponOptions);
    return c.json({ coupon, refund });
  });
  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/stocks/:stock_id/${decision}`, async (c) => {
      if (!favor.reviewStock) return jsonResponse(404, { code: 'NOT_FOUND', message: 'no such control operation' });
      return c.json(await favor.reviewStock(c.req.param('stock_id'), decision));
    });
  }
  return app;
}
