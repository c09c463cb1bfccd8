/**
 * `/_mock/callbacks…` — the delivery log, replay, and a raw COUPON.USE trigger (mounted by
 * control/routes.ts, behind its loopback check).
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
import { Hono } from 'hono';
import { controlBody } from '../control/body.js';
import { jsonResponse } from '../http.js';
import { CallbackError, type CallbackDispatcher } from './dispatcher.js';
import type { DeliveryFilter, DeliveryRecord, DeliveryState } from './types.js';
import { idText } from '../id-text.js';

const STATES: DeliveryState[] = ['pending', 'delivered', 'failed'];

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

export function callbackControlRoutes(dispatcher: CallbackDispatcher): Hono {
  const app = new Hono();
  // Our refusals; anything else (a malformed JSON body, a bug) goes on to the control API's handler (control/routes.ts).
  app.onError((err) => {
    if (err instanceof CallbackError) return jsonResponse(err.status, { code: err.code, message: err.message });
    throw err;
  });

  app.get('/', (c) => {
    const q = c.req.query();
    if (q.state && !STATES.includes(q.state as DeliveryState))
      throw new CallbackError('PARAM_ERROR', `state must be one of ${STATES.join(', ')}`);
    for (const k of ['status', 'limit'] as const)
      if (q[k] !== undefined && !/^\d+$/.test(q[k])) throw new CallbackError('PARAM_ERROR', `${k} must be a non-negative integer`);
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
    return c.json({ deliveries: dispatcher.list(filter), ...dispatcher.stats() });
  });

  app.post('/coupon-use', async (c) => {
    const b = await controlBody(c);
    const coupon = b.coupon as { stock_creator_mchid?: unknown } | undefined;
    if (!coupon || typeof coupon !== 'object' || Array.isArray(coupon))
      throw new CallbackError('PARAM_ERROR', 'coupon (the COUPON.USE plaintext, an object) is required');
    const creator = b.creator_mchid ?? coupon.stock_creator_mchid;
    // Named before any lookup: an empty id would read "no merchant  in the fixture world".
    if (typeof creator !== 'string' || !creator)
      throw new CallbackError('PARAM_ERROR', 'creator_mchid (or coupon.stock_creator_mchid) is required: the merchant to notify');
    const handle = await dispatcher.deliverCouponUse(creator, coupon, { probe: b.probe === undefined ? undefined : b.probe === true });
    if (!handle)
      throw new CallbackError(
        'RESOURCE_NOT_EXISTS',
        `merchant ${creator} has set no notify URL (POST /v3/marketing/favor/callbacks): nothing is sent`,
        409,
      );
    return c.json(await awaitOutcome(dispatcher, handle.record, b.wait));
  });

  // Before /:id, which would take "handler-checks" for a notification id.
  app.post('/handler-check', async (c) => {
    const b = await controlBody(c);
    for (const k of ['mchid', 'url'] as const)
      if (b[k] !== undefined && typeof b[k] !== 'string') throw new CallbackError('PARAM_ERROR', `${k} must be a string`);
    return c.json(
      await dispatcher.checkHandler({ mchid: b.mchid as string | undefined, url: b.url as string | undefined, coupon: b.coupon }),
    );
  });
  app.get('/handler-checks', (c) => c.json({ checks: dispatcher.handlerChecks() }));

  app.get('/:id', async (c) => {
    const record = dispatcher.get(c.req.param('id'));
    if (!record) throw new CallbackError('NOT_FOUND', `no notification ${idText(c.req.param('id'))} in the delivery log`, 404);
    const wait = c.req.query('wait');
    if (wait === undefined) return c.json(record);
    if (wait !== 'attempt' && wait !== 'settled') throw new CallbackError('PARAM_ERROR', 'wait must be attempt or settled');
    return c.json(await awaitOutcome(dispatcher, record, wait));
  });

  app.post('/:id/replay', async (c) => {
    const b = await controlBody(c);
    const handle = await dispatcher.replay(c.req.param('id'), { probe: b.probe === undefined ? undefined : b.probe === true });
    return c.json(await awaitOutcome(dispatcher, handle.record, b.wait));
  });

  return app;
}
