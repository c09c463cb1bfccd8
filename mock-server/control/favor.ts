/**
 * 代金券 control operations, registered by control/routes.ts from contracts/_mock/favor/ (unsigned,
 * loopback only like the rest of the control API):
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
import type { DeliveryHandle } from '../callbacks/types.js';
import { noSuchControlOperation, type ControlRouter } from './operations.js';
import type { CouponRefundResult, CouponUseResult, RefundCouponOptions, UseCouponOptions } from '../operations/favor/redemption.js';
import type { StockReview } from '../operations/favor/review.js';

/** The app's use and refund (app.ts: the use comes with its COUPON.USE delivery, told apart once there). */
export interface FavorControl {
  useCoupon(couponId: string, options?: UseCouponOptions): Promise<CouponUseResult & { delivery: DeliveryHandle | null }>;
  refundCoupon(couponId: string, options?: RefundCouponOptions): Promise<CouponRefundResult>;
  /** The review of a stock in `audit` (merchants with `stock_review`). */
  reviewStock?(stockId: string, decision: StockReview): Promise<{ stock_id: string; status: string; stop_time?: string }>;
}

export function favorControlRoutes(router: ControlRouter, favor: FavorControl): void {
  // The domain's refusals (FavorControlError) become the control API's envelope (operations.ts).
  router.on('control.favorUseCoupon', async ({ params, body }) => {
    const { coupon, delivery } = await favor.useCoupon(params.coupon_id, body as UseCouponOptions);
    // The COUPON.USE delivery as recorded (null: the creator set no notify URL); follow it at /_mock/callbacks/{id}.
    return { coupon, delivery: delivery?.record ?? null };
  });
  router.on('control.favorRefundCoupon', async ({ params, body }) => {
    const { coupon, refund } = await favor.refundCoupon(params.coupon_id, body as RefundCouponOptions);
    return { coupon, refund };
  });
  for (const [operationId, decision] of [
    ['control.favorApproveStock', 'approve'],
    ['control.favorRejectStock', 'reject'],
  ] as const) {
    router.on(operationId, ({ params }) => {
      if (!favor.reviewStock) throw noSuchControlOperation();
      return favor.reviewStock(params.stock_id, decision);
    });
  }
}
