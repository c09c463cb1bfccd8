/**
 * Read-only state views under /_mock/state/ (registered by control/routes.ts, behind its loopback check),
 * for the dashboard and for people with curl. Nothing here writes: use, refund, replay and the clock
 * go through their own control operations.
 *
 *   GET /_mock/state/merchants                              → {merchants}  fixture merchants, balance, notify URL
 *   GET /_mock/state/stocks                                 → {stocks}     代金券 stocks, status, budget used
 *   GET /_mock/state/coupons?openid=&status=&stock_id=&limit= → {coupons, total}  newest first (limit ≤ 1000, default 200)
 *   GET /_mock/state/activities                             → {activities} 支付有礼
 *   GET /_mock/state/partnerships                           → {partnerships} 委托营销
 *   GET /_mock/state/deliveries?limit=                      → {deliveries}  COUPON.USE records, newest first, with the decrypted `plaintext`
 *
 * Each family's view is one function in its module (operations/<family>/views.ts) that reads the state
 * tree; the views of the core (merchants) and of callbacks are the two small functions below.
 */
import type { CallbackDispatcher } from '../callbacks/dispatcher.js';
import type { DeliveryRecord } from '../callbacks/types.js';
import type { Clock } from '../clock.js';
import { callbackSettingOf } from '../operations/favor/repository.js';
import { couponRows, stockRows } from '../operations/favor/views.js';
import { activityRows } from '../operations/paygift/views.js';
import { partnershipRows } from '../operations/partnerships/views.js';
import { decryptResource } from '../protocol/aead.js';
import type { MockData } from '../store/state.js';
import type { World } from '../world.js';
import type { ControlRouter } from './operations.js';

export interface StateViewDeps {
  /** The state tree, read only. */
  data(): MockData;
  world: World;
  clock: Clock;
  callbacks?: CallbackDispatcher;
}

/** The fixture merchants with what the state adds: balance (fen) and the 代金券 notify URL. */
export function merchantRows(data: MockData, world: World) {
  return [...world.merchants.values()].map(({ merchant: m }) => {
    const state = data.merchants[m.mchid];
    return {
      mchid: m.mchid,
      name: m.name,
      role: m.role,
      brand_id: m.brand_id,
      verification_mode: m.verification_mode,
      balance: state?.balance ?? m.balance,
      notify_url: callbackSettingOf(data, m.mchid)?.notify_url ?? null,
      appids: [...world.appids.values()].filter((a) => a.mchids.includes(m.mchid)).map((a) => a.appid),
    };
  });
}

/** The delivery log, newest first, each record with its resource decrypted with the merchant's APIv3 key. */
export function deliveryRows(callbacks: CallbackDispatcher, world: World, limit: number) {
  return callbacks
    .list({ limit })
    .reverse()
    .map((record: DeliveryRecord) => {
      let plaintext: unknown = null;
      let decrypt_error: string | undefined;
      try {
        const key = world.merchants.get(record.mchid)?.merchant.apiv3_key ?? '';
        plaintext = JSON.parse(decryptResource(JSON.parse(record.body).resource, key));
      } catch (err) {
        decrypt_error = (err as Error).message;
      }
      return { ...record, plaintext, ...(decrypt_error ? { decrypt_error } : {}) };
    });
}

/** The views; `status` and `limit` (1–1000) are checked by their contracts (contracts/_mock/state/). */
export function stateRoutes(router: ControlRouter, deps: StateViewDeps): void {
  router.on('control.stateMerchants', () => ({ merchants: merchantRows(deps.data(), deps.world) }));
  router.on('control.stateStocks', () => ({ stocks: stockRows(deps.data(), deps.clock.nowMs()) }));
  router.on('control.stateCoupons', ({ query: q }) =>
    couponRows(deps.data(), deps.clock.nowMs(), { openid: q.openid, status: q.status, stock_id: q.stock_id, limit: q.limit ?? 200 }),
  );
  router.on('control.stateActivities', () => ({ activities: activityRows(deps.data(), deps.clock.nowMs()) }));
  router.on('control.statePartnerships', () => ({ partnerships: partnershipRows(deps.data()) }));
  router.on('control.stateDeliveries', ({ query }) => ({
    deliveries: deps.callbacks ? deliveryRows(deps.callbacks, deps.world, query.limit ?? 100) : [],
  }));
}
