/**
 * 代金券 control operations, mounted at /_mock/favor by control/routes.ts (unsigned, loopback only
 * like the rest of the control API):
 *
 *   POST /_mock/favor/coupons/{coupon_id}/use     {transaction_id?, consume_mchid?, consume_time?, goods_detail?}
 *   POST /_mock/favor/coupons/{coupon_id}/refund  {refund_id?, refund_time?}
 *
 * 200 with the coupon as the coupon-detail API now answers it (use: and `delivery`, the COUPON.USE
 * record, null when no notify URL is set); refused → 4xx `{code, message}`
 * (404 RESOURCE_NOT_EXISTS unknown coupon, 400 INVALID_REQUEST wrong state or outside the window,
 * 400 PARAM_ERROR malformed input). See mock-server/operations/favor/redemption.ts.
 */
import { Hono, type Context } from 'hono';
import { CouponUseDelivery } from '../callbacks/dispatcher.js';
import { controlBody } from './body.js';
import { jsonResponse } from '../pipeline.js';
import { FavorControlError, type FavorDomain, type RefundCouponOptions, type UseCouponOptions } from '../operations/favor/redemption.js';

function refused(err: unknown): Response {
  if (err instanceof FavorControlError) return jsonResponse(err.status, { code: err.code, message: err.message });
  if (err instanceof SyntaxError) return jsonResponse(400, { code: 'PARAM_ERROR', message: `invalid JSON body: ${err.message}` });
  throw err;
}

export function favorControlRoutes(favor: FavorDomain): Hono {
  const app = new Hono();
  app.post('/coupons/:coupon_id/use', async (c) => {
    try {
      const { coupon, listeners } = await favor.useCoupon(c.req.param('coupon_id'), (await controlBody(c)) as UseCouponOptions);
      // The COUPON.USE delivery as recorded (null: the creator set no notify URL); follow it at /_mock/callbacks/{id}.
      const delivery = listeners.find((x): x is CouponUseDelivery => x instanceof CouponUseDelivery)?.handle?.record ?? null;
      return c.json({ coupon, delivery });
    } catch (err) {
      return refused(err);
    }
  });
  app.post('/coupons/:coupon_id/refund', async (c) => {
    try {
      const { coupon, refund } = await favor.refundCoupon(c.req.param('coupon_id'), (await controlBody(c)) as RefundCouponOptions);
      return c.json({ coupon, refund });
    } catch (err) {
      return refused(err);
    }
  });
  return app;
}
