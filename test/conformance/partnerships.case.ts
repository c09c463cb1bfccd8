/**
 * 委托营销 (partnerships), once for every client: the creator builds a MERCHANT partnership on a 代金券
 * stock (Idempotency-Key header) → lists it (JSON in the query, encoded the client's own way and signed
 * as sent) → the partner, through the same kind of client, sends a coupon of that stock → the creator
 * terminates it → the partner may no longer send. The steps share state and run in order.
 */
import { expect, it } from 'vitest';
import { stockBody } from '../helpers/favor.js';
import { envelope, ok } from './client.js';
import type { Scenario } from './suite.js';
import { requestNo } from './world.js';

const NOW = '2026-03-02T10:00:00+08:00';
const PARTNERSHIPS = '/v3/marketing/partnerships';

export function partnershipCases(s: Scenario) {
  let stockId: string;
  const buildKey = requestNo('BUILD-');
  const terminateKey = requestNo('TERM-');
  const relation = () => ({
    partner: { type: 'MERCHANT', merchant_id: s().profile.partner.mchid },
    authorized_data: { business_type: 'FAVOR_STOCK', stock_id: stockId },
  });

  const partnerSends = async () => {
    const { profile, clientFor } = s();
    const partner = await clientFor(profile.partner.mchid);
    return partner.post(`/v3/marketing/favor/users/${profile.partner.openid}/coupons`, {
      stock_id: stockId,
      out_request_no: requestNo('PS'),
      appid: profile.partner.appid,
      stock_creator_mchid: profile.mchid,
    });
  };

  it('before any partnership the partner may not send the stock: 403 REQUEST_BLOCKED 商户无权发券', async () => {
    const { client, profile, control } = s();
    await control.setClock(NOW);
    stockId = ok(
      await client.post('/v3/marketing/favor/coupon-stocks', stockBody({ out_request_no: requestNo('PSTK') }, profile.mchid)),
    ).stock_id;
    ok(await client.post(`/v3/marketing/favor/stocks/${stockId}/start`, { stock_creator_mchid: profile.mchid }));
    expect(envelope(await partnerSends())).toEqual([403, 'REQUEST_BLOCKED', '商户无权发券']);
  });

  it('build (Idempotency-Key header) → ESTABLISHED; the same key and body again → the same reply', async () => {
    const { client } = s();
    const built = ok(await client.post(`${PARTNERSHIPS}/build`, relation(), { 'Idempotency-Key': buildKey }));
    expect(built).toMatchObject({ ...relation(), state: 'ESTABLISHED', build_time: '2026-03-02T10:00:00.000+08:00' });
    const again = ok(await client.post(`${PARTNERSHIPS}/build`, relation(), { 'Idempotency-Key': buildKey }));
    expect(again).toEqual(built);
  });

  it('list with JSON in the query (partner, authorized_data), encoded and signed by the client', async () => {
    const { client, profile } = s();
    const list = ok(
      await client.get(PARTNERSHIPS, {
        partner: JSON.stringify({ type: 'MERCHANT', merchant_id: profile.partner.mchid }),
        authorized_data: JSON.stringify({ business_type: 'FAVOR_STOCK', stock_id: stockId }),
        offset: 0,
        limit: 10,
      }),
    );
    expect(list).toMatchObject({ total_count: 1, offset: 0, limit: 10 });
    expect(list.data[0]).toMatchObject(relation());
  });

  it('the partner sends a coupon of the stock with its own appid and user, signed in the partner’s mode, and reads it', async () => {
    const { client, profile, clientFor, mock } = s();
    const sent = await partnerSends();
    const couponId = ok(sent).coupon_id;
    const partnerMode = mock.credentials.merchants.find((m) => m.mchid === profile.partner.mchid)!.verification_mode;
    expect(sent.verifiedWith).toBe(partnerMode === 'certificate' ? mock.credentials.platform_serial_no : mock.credentials.public_key_id);
    const stock = ok(await client.get(`/v3/marketing/favor/stocks/${stockId}`, { stock_creator_mchid: profile.mchid }));
    expect([couponId, stock.distributed_coupons]).toEqual([expect.stringMatching(/^\d+$/), 1]);
    const partner = await clientFor(profile.partner.mchid);
    const coupon = ok(
      await partner.get(`/v3/marketing/favor/users/${profile.partner.openid}/coupons/${couponId}`, { appid: profile.partner.appid }),
    );
    expect(coupon).toMatchObject({ stock_id: stockId, stock_creator_mchid: profile.mchid, status: 'SENDED' });
  });

  it('terminate (Idempotency-Key) → terminate_time; the partner may no longer send', async () => {
    const { client } = s();
    const terminated = ok(await client.post(`${PARTNERSHIPS}/terminate`, relation(), { 'Idempotency-Key': terminateKey }));
    expect(terminated).toEqual({ terminate_time: '2026-03-02T10:00:00.000+08:00' });
    const listed = ok(
      await client.get(PARTNERSHIPS, {
        authorized_data: JSON.stringify({ business_type: 'FAVOR_STOCK', stock_id: stockId }),
        offset: 0,
        limit: 10,
      }),
    );
    expect(listed.data[0].terminate_time).toBe('2026-03-02T10:00:00.000+08:00');
    expect(envelope(await partnerSends())).toEqual([403, 'REQUEST_BLOCKED', '商户无权发券']);
    const missingKey = await client.post(`${PARTNERSHIPS}/terminate`, relation());
    expect(envelope(missingKey)).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/header/idempotency-key”映射到字段“业务请求幂等值”必填性规则校验失败，此字段为必填项',
    ]);
  });
}
