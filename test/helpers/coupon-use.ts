/**
 * A used 代金券 as the COUPON.USE plaintext carries it (contracts/callbacks/coupon-use.plaintext.json),
 * for triggering deliveries directly (`mock.deliveries.send`, POST /_mock/callbacks/coupon-use). No imports:
 * scripts/bench-callbacks.ts builds its triggers with it too, without the test harness.
 */
export interface CouponUseOptions {
  /** coupon_id; a fresh random one by default. */
  couponId?: string;
  transactionId?: string;
  /** consume_information.goods_detail: one line by default; false leaves the optional field out. */
  goodsDetail?: boolean;
}

/** A USED coupon of a stock created by `creator`, consumed at `creator`. */
export function couponUsePlaintext(
  creator: string,
  {
    couponId = `9${Math.floor(Math.random() * 1e9)}`,
    transactionId = '4200002027030112345678901234',
    goodsDetail = true,
  }: CouponUseOptions = {},
) {
  return {
    stock_creator_mchid: creator,
    stock_id: '16000001',
    coupon_id: couponId,
    coupon_name: '满100减10',
    status: 'USED',
    description: '微信支付营销',
    create_time: '2027-02-28T09:00:00.000+08:00',
    coupon_type: 'NORMAL',
    no_cash: false,
    available_begin_time: '2027-02-01T00:00:00.000+08:00',
    available_end_time: '2027-04-01T00:00:00.000+08:00',
    singleitem: false,
    normal_coupon_information: { coupon_amount: 1000, transaction_minimum: 10000 },
    consume_information: {
      consume_time: '2027-03-01T10:00:00.000+08:00',
      consume_mchid: creator,
      transaction_id: transactionId,
      ...(goodsDetail ? { goods_detail: [{ goods_id: 'goods-1', quantity: 1, price: 12000, discount_amount: 1000 }] } : {}),
    },
  };
}
