/**
 * COUPON.USE, once for every client: set the notify URL through the client → use a coupon → the
 * merchant's handler receives the notification, verifies it and decrypts it with the client's own
 * helpers and answers 204 → the mock records it delivered. Then a replay led by a
 * `WECHATPAY/SIGNTEST/` probe: the client's verifier must refuse the probe (the handler answers 401)
 * and accept the valid retry — proof that the verification really runs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stockBody } from '../helpers/favor.js';
import { ok } from './client.js';
import { startNotifyServer, type NotifyServer } from './notify-server.js';
import type { Scenario } from './suite.js';
import { requestNo } from './world.js';

const FAVOR = '/v3/marketing/favor';
const NOW = '2026-03-02T10:00:00+08:00';

export function callbackCases(s: Scenario) {
  let notify: NotifyServer;
  let couponId: string;
  let notificationId: string;

  beforeAll(async () => {
    notify = await startNotifyServer(() => s().client);
  });
  afterAll(() => notify?.close());

  it('set the notify URL (POST) and read it back (GET) through the client', async () => {
    const { client, profile } = s();
    const reply = await client.post(`${FAVOR}/callbacks`, { mchid: profile.mchid, notify_url: notify.url });
    expect(ok(reply).notify_url).toBe(notify.url);
    // Verified by the client with the key of the merchant's mode (certificate serial or PUB_KEY_ID_…).
    expect(reply.verifiedWith).toBe(s().signingSerial);
    const got = ok(await client.get(`${FAVOR}/callbacks`, { mchid: profile.mchid }));
    expect(got).toEqual({ notify_url: notify.url, mchid: profile.mchid });
  });

  it('use a coupon → COUPON.USE verified and decrypted by the client’s helpers, answered 204, recorded delivered', async () => {
    const { client, profile, control } = s();
    await control.setClock(NOW);
    const stockId = ok(await client.post(`${FAVOR}/coupon-stocks`, stockBody({ out_request_no: requestNo('CB') }, profile.mchid))).stock_id;
    ok(await client.post(`${FAVOR}/stocks/${stockId}/start`, { stock_creator_mchid: profile.mchid }));
    couponId = ok(
      await client.post(`${FAVOR}/users/${profile.openid}/coupons`, {
        stock_id: stockId,
        out_request_no: requestNo('CBS'),
        appid: profile.appid,
        stock_creator_mchid: profile.mchid,
      }),
    ).coupon_id;

    await control.useCoupon(couponId, { transaction_id: '4200000000202603029876543210' });
    const [record] = (await control.deliveries(`coupon_id=${couponId}`)).deliveries;
    notificationId = record.id;
    const { delivery } = await control.delivery(notificationId, 'settled');
    expect(delivery.state).toBe('delivered');
    expect(delivery.attempts.map((a: { status: number }) => a.status)).toEqual([204]);

    expect(notify.received).toHaveLength(1);
    const [received] = notify.received;
    expect(received.verified).toBe(true);
    expect(received.headers['wechatpay-serial']).toBe(s().signingSerial);
    expect(JSON.parse(received.body)).toMatchObject({ id: notificationId, event_type: 'COUPON.USE', resource_type: 'encrypt-resource' });
    expect(received.plaintext).toMatchObject({
      coupon_id: couponId,
      stock_id: stockId,
      stock_creator_mchid: profile.mchid,
      status: 'USED',
      consume_information: { transaction_id: '4200000000202603029876543210' },
    });
  });

  it('a replay led by a WECHATPAY/SIGNTEST/ probe: the client’s verifier refuses the probe (401), accepts the retry (204)', async () => {
    const { control } = s();
    const before = notify.received.length;
    const { delivery } = await control.replay(notificationId, { probe: true, wait: 'settled' });
    expect(delivery.state).toBe('delivered');
    const round = delivery.attempts.filter((a: { round: number }) => a.round === delivery.round);
    expect(round.map((a: { probe: boolean; status: number }) => [a.probe, a.status])).toEqual([
      [true, 401],
      [false, 204],
    ]);
    const [probe, valid] = notify.received.slice(before);
    expect(probe.headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
    expect([probe.verified, valid.verified]).toEqual([false, true]);
    expect(valid.plaintext.coupon_id).toBe(couponId);
  });
}
