/**
 * `wxpay-mock use-coupon <coupon_id> [--url URL] [--consume-mchid M] [--transaction-id T]
 * [--consume-time T] [--wait attempt|settled|none] [--json]` — uses a coupon on a running mock
 * through the control API (POST /_mock/favor/coupons/{id}/use), then finds the COUPON.USE it sent
 * (GET /_mock/callbacks?coupon_id=) and prints its outcome: by default once the first attempt is
 * answered. Exit 0 when the coupon was used and its COUPON.USE delivered (or none was due: no notify
 * URL); 1 when the use was refused, the mock is unreachable, or the delivery failed or timed out.
 */
import { unreachable } from '../cli/reach.js';
import { deliveryFailed, describeDelivery } from '../cli/delivery.js';
import type { DeliveryRecord } from './types.js';

export interface UseCouponArgs {
  couponId: string;
  url: string;
  consumeMchid?: string;
  transactionId?: string;
  consumeTime?: string;
  wait: 'attempt' | 'settled' | 'none';
  json: boolean;
}

type Out = (line: string) => void;

export async function useCouponCommand(args: UseCouponArgs, out: Out, err: Out): Promise<number> {
  const base = args.url.replace(/\/+$/, '');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  let used;
  const usePath = `/_mock/favor/coupons/${encodeURIComponent(args.couponId)}/use`;
  try {
    used = await call('POST', usePath, {
      ...(args.consumeMchid ? { consume_mchid: args.consumeMchid } : {}),
      ...(args.transactionId ? { transaction_id: args.transactionId } : {}),
      ...(args.consumeTime ? { consume_time: args.consumeTime } : {}),
    });
  } catch (e) {
    err(`wxpay-mock use-coupon: ${unreachable(base + usePath, e)}`);
    return 1;
  }
  if (used.status !== 200) {
    err(`wxpay-mock: use-coupon refused (HTTP ${used.status}): ${[used.json?.code, used.json?.message].filter(Boolean).join(' ')}`);
    return 1;
  }
  const coupon = used.json.coupon as {
    coupon_id: string;
    stock_id: string;
    stock_creator_mchid: string;
    status: string;
    consume_information?: { transaction_id: string; consume_mchid: string };
  };
  // The delivery record is durable before the use answers: the latest one for this coupon is ours.
  const listed = await call('GET', `/_mock/callbacks?coupon_id=${encodeURIComponent(coupon.coupon_id)}&limit=1`);
  let delivery: DeliveryRecord | null = listed.json?.deliveries?.[0] ?? null;
  let timedOut = false;
  if (delivery && args.wait !== 'none') {
    const waited = await call('GET', `/_mock/callbacks/${delivery.id}?wait=${args.wait}`);
    delivery = waited.json.delivery;
    timedOut = waited.json.timed_out;
  }
  const failed = delivery !== null && args.wait !== 'none' && deliveryFailed(delivery, timedOut);
  if (args.json) {
    out(JSON.stringify({ coupon, delivery, timed_out: timedOut }, null, 2));
    return failed ? 1 : 0;
  }
  const ci = coupon.consume_information;
  out(
    `coupon ${coupon.coupon_id} ${coupon.status} (stock ${coupon.stock_id}, creator ${coupon.stock_creator_mchid}${ci ? `, consumed by ${ci.consume_mchid}, transaction ${ci.transaction_id}` : ''})`,
  );
  if (!delivery)
    out(`no COUPON.USE sent: merchant ${coupon.stock_creator_mchid} has set no notify URL (POST /v3/marketing/favor/callbacks)`);
  else {
    for (const line of describeDelivery(delivery)) out(line);
    if (timedOut) out(`  (stopped waiting; GET ${base}/_mock/callbacks/${delivery.id} for the rest)`);
  }
  return failed ? 1 : 0;
}
