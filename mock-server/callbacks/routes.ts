/**
 * `/_mock/callbacks…` — the delivery log, replay, and a raw COUPON.USE trigger (registered by
 * control/routes.ts from their contracts, contracts/_mock/callbacks/, behind its loopback check).
 *
 *   GET  /_mock/callbacks?id=&mchid=&coupon_id=&stock_id=&state=&event_type=&status=&limit=
 *        → {deliveries, pending, sending, scheduled, idle}   (limit=0: the counts only)
 *   GET  /_mock/callbacks/{id}[?wait=attempt|settled]   (with wait: {delivery, timed_out})
 *   POST /_mock/callbacks/{id}/replay        {probe?, wait?: "attempt" | "settled"}
 *   POST /_mock/callbacks/coupon-use         {coupon, creator_mchid?, probe?, wait?}
 *   POST /_mock/callbacks/handler-check      {mchid?, url?, coupon?}  → the check (handler-check.ts)
 *   GET  /_mock/callbacks/handler-checks     → {checks}
 *
 * `wait` holds the answer until the first attempt of the round is answered ("attempt", at most
 * 10 s) or the round is settled ("settled", at most 60 s of real time); `timed_out` says if it gave up.
 */
import type { ControlRouter } from '../control/operations.js';
import { ApiError } from '../errors.js';
import type { CallbackDispatcher } from './dispatcher.js';
import type { DeliveryFilter, DeliveryRecord, DeliveryState } from './types.js';
import { idText } from '../id-text.js';

/** Holds a trigger's answer per `wait`; gives the record as it is when the wait runs out. */
async function awaitOutcome(
  dispatcher: CallbackDispatcher,
  record: DeliveryRecord,
  wait: unknown,
): Promise<{ delivery: DeliveryRecord; timed_out?: boolean }> {
  if (wait !== 'attempt' && wait !== 'settled') return { delivery: record };
  const answered = (r: DeliveryRecord) => r.state !== 'pending' || r.attempts.some((a) => a.round === record.round && !a.probe);
  try {
    const delivery = await (wait === 'attempt'
      ? dispatcher.waitUntil(record.id, answered, 10_000)
      : dispatcher.waitFor(record.id, { timeoutMs: 60_000 }));
    return { delivery, timed_out: false };
  } catch {
    return { delivery: dispatcher.get(record.id) ?? record, timed_out: true };
  }
}

export function callbackControlRoutes(router: ControlRouter, dispatcher: CallbackDispatcher): void {
  // The query's form (state, status, limit, wait) is the contracts' (contracts/_mock/callbacks/).
  router.on('control.callbacks', ({ query: q }) => {
    const filter: DeliveryFilter = {
      id: q.id,
      mchid: q.mchid,
      coupon_id: q.coupon_id,
      stock_id: q.stock_id,
      state: q.state as DeliveryState | undefined,
      event_type: q.event_type,
      status: q.status ? Number(q.status) : undefined,
      limit: q.limit ? Number(q.limit) : undefined,
    };
    return { deliveries: dispatcher.list(filter), ...dispatcher.stats() };
  });

  router.on('control.callbackCouponUse', async ({ body: b }) => {
    const coupon = b.coupon as { stock_creator_mchid?: unknown };
    const creator = b.creator_mchid ?? coupon.stock_creator_mchid;
    // Named before any lookup: an empty id would read "no merchant  in the fixture world".
    if (typeof creator !== 'string' || !creator)
      throw new ApiError('PARAM_ERROR', 'creator_mchid (or coupon.stock_creator_mchid) is required: the merchant to notify');
    const handle = await dispatcher.deliverCouponUse(creator, coupon, { probe: b.probe });
    if (!handle)
      throw new ApiError(
        'RESOURCE_NOT_EXISTS',
        `merchant ${creator} has set no notify URL (POST /v3/marketing/favor/callbacks): nothing is sent`,
        undefined,
        409,
      );
    return awaitOutcome(dispatcher, handle.record, b.wait);
  });

  // Before /{id}, which would take "handler-checks" for a notification id.
  router.on('control.handlerCheck', ({ body: b }) => dispatcher.checkHandler({ mchid: b.mchid, url: b.url, coupon: b.coupon }));
  router.on('control.handlerChecks', () => ({ checks: dispatcher.handlerChecks() }));

  router.on('control.callback', async ({ params, query }) => {
    const record = dispatcher.get(params.id);
    if (!record) throw new ApiError('NOT_FOUND', `no notification ${idText(params.id)} in the delivery log`);
    if (query.wait === undefined) return record;
    return awaitOutcome(dispatcher, record, query.wait);
  });

  router.on('control.callbackReplay', async ({ params, body: b }) => {
    const handle = await dispatcher.replay(params.id, { probe: b.probe });
    return awaitOutcome(dispatcher, handle.record, b.wait);
  });
}
