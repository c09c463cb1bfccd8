/**
 * 代金券, the whole path, once for every client: create → start → send → query → use (control API) →
 * use-flow download → refund → refund-flow download — and refusals as the documented envelope.
 * The steps share state and run in order.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { stockBody } from '../helpers/favor.js';
import { envelope, ok } from './client.js';
import type { Scenario } from './suite.js';
import { requestNo } from './world.js';

const FAVOR = '/v3/marketing/favor';
const NOW = '2026-03-02T10:00:00+08:00';
/** The day after the stock ends (31 March), from 10:00: the files exist. */
const FILES_READY = '2026-04-01T10:00:00+08:00';

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest('hex');

export function favorCases(s: Scenario) {
  let stockId: string;
  let couponId: string;
  const transactionId = '4200000000202603021234567890';
  const refundId = '50300000000000000000000000000001';

  it('create → start → send: a running stock and a SENDED coupon, every reply verified by the client', async () => {
    const { client, profile, control } = s();
    await control.setClock(NOW);
    const created = await client.post(
      `${FAVOR}/coupon-stocks`,
      stockBody({ no_cash: false, out_request_no: requestNo('CONF') }, profile.mchid),
    );
    stockId = ok(created).stock_id;
    expect(stockId).toMatch(/^\d+$/);
    expect(created.verifiedWith).toBe(s().signingSerial);

    const started = await client.post(`${FAVOR}/stocks/${stockId}/start`, { stock_creator_mchid: profile.mchid });
    expect(ok(started)).toEqual({ start_time: '2026-03-02T10:00:00.000+08:00', stock_id: stockId });

    const sent = await client.post(`${FAVOR}/users/${profile.openid}/coupons`, {
      stock_id: stockId,
      out_request_no: requestNo('SEND'),
      appid: profile.appid,
      stock_creator_mchid: profile.mchid,
    });
    couponId = ok(sent).coupon_id;
    expect(couponId).toMatch(/^\d+$/);
  });

  it('query: stock detail, stock list, available merchants, coupon detail, the user’s coupons', async () => {
    const { client, profile } = s();
    const stock = ok(await client.get(`${FAVOR}/stocks/${stockId}`, { stock_creator_mchid: profile.mchid }));
    expect(stock).toMatchObject({
      stock_id: stockId,
      status: 'running',
      distributed_coupons: 1,
      no_cash: false,
      stock_creator_mchid: profile.mchid,
    });

    const list = ok(await client.get(`${FAVOR}/stocks`, { offset: 0, limit: 10, stock_creator_mchid: profile.mchid, status: 'running' }));
    expect(list.data.map((x: { stock_id: string }) => x.stock_id)).toContain(stockId);

    const merchants = ok(
      await client.get(`${FAVOR}/stocks/${stockId}/merchants`, { offset: 0, limit: 10, stock_creator_mchid: profile.mchid }),
    );
    expect(merchants.data).toEqual([profile.mchid]);

    const coupon = ok(await client.get(`${FAVOR}/users/${profile.openid}/coupons/${couponId}`, { appid: profile.appid }));
    expect(coupon).toMatchObject({ coupon_id: couponId, stock_id: stockId, status: 'SENDED', stock_creator_mchid: profile.mchid });

    const mine = ok(
      await client.get(`${FAVOR}/users/${profile.openid}/coupons`, {
        appid: profile.appid,
        creator_mchid: profile.mchid,
        stock_id: stockId,
      }),
    );
    expect(mine.data.map((x: { coupon_id: string }) => x.coupon_id)).toEqual([couponId]);
  });

  it('pause → restart a running stock; stop one never started; the items of a single-item stock', async () => {
    const { client, profile } = s();
    const creator = { stock_creator_mchid: profile.mchid };
    const single = ok(
      await client.post(
        `${FAVOR}/coupon-stocks`,
        stockBody({ out_request_no: requestNo('CONF'), coupon_use_rule: { available_items: ['sku1'], goods_tag: ['tag'] } }, profile.mchid),
      ),
    ).stock_id;
    ok(await client.post(`${FAVOR}/stocks/${single}/start`, creator));
    expect(ok(await client.post(`${FAVOR}/stocks/${single}/pause`, creator))).toEqual({
      pause_time: '2026-03-02T10:00:00.000+08:00',
      stock_id: single,
    });
    expect(ok(await client.post(`${FAVOR}/stocks/${single}/restart`, creator))).toEqual({
      restart_time: '2026-03-02T10:00:00.000+08:00',
      stock_id: single,
    });
    const items = ok(await client.get(`${FAVOR}/stocks/${single}/items`, { offset: 0, limit: 10, ...creator }));
    expect(items).toMatchObject({ total_count: 1, data: ['sku1'], stock_id: single });

    const idle = ok(await client.post(`${FAVOR}/coupon-stocks`, stockBody({ out_request_no: requestNo('CONF') }, profile.mchid))).stock_id;
    expect(ok(await client.post(`${FAVOR}/stocks/${idle}/stop`, creator))).toEqual({
      stop_time: '2026-03-02T10:00:00.000+08:00',
      stock_id: idle,
    });
  });

  it('use through the control API → the coupon is USED with consume_information, in its detail and the user’s list', async () => {
    const { client, profile, control } = s();
    await control.useCoupon(couponId, { transaction_id: transactionId });
    const coupon = ok(await client.get(`${FAVOR}/users/${profile.openid}/coupons/${couponId}`, { appid: profile.appid }));
    expect(coupon).toMatchObject({ status: 'USED', consume_information: { transaction_id: transactionId } });
    const mine = ok(await client.get(`${FAVOR}/users/${profile.openid}/coupons`, { appid: profile.appid, creator_mchid: profile.mchid }));
    expect(mine.data.find((x: { coupon_id: string }) => x.coupon_id === couponId)).toMatchObject({
      status: 'USED',
      consume_information: { transaction_id: transactionId },
    });
  });

  it('use-flow → download: the file’s SHA1 is hash_value and it lists the coupon', async () => {
    const { client, control } = s();
    await control.setClock(FILES_READY);
    const flow = ok(await client.get(`${FAVOR}/stocks/${stockId}/use-flow`));
    expect(flow).toMatchObject({ hash_type: 'SHA1', url: expect.stringContaining('/v3/billdownload/file?token=') });
    const file = await client.download(flow.url);
    expect(file.status).toBe(200);
    expect(sha1(file.data)).toBe(flow.hash_value);
    expect(file.data.toString('utf8')).toContain(`\`${couponId}`);
  });

  it('refund through the control API → refund-flow → download lists the refund', async () => {
    const { client, control } = s();
    await control.refundCoupon(couponId, { refund_id: refundId });
    const flow = ok(await client.get(`${FAVOR}/stocks/${stockId}/refund-flow`));
    const file = await client.download(flow.url);
    expect(sha1(file.data)).toBe(flow.hash_value);
    expect(file.data.toString('utf8')).toContain(`\`${refundId}`);
  });

  it('refusals come back as the documented envelope: 403 NO_AUTH for max_coupons_per_user 61, 400 PARAM_ERROR for an undeclared field and a missing query parameter', async () => {
    const { client, profile, control } = s();
    await control.setClock(NOW);
    const special = await client.post(
      `${FAVOR}/coupon-stocks`,
      stockBody(
        { out_request_no: requestNo('CONF'), stock_use_rule: { max_coupons_per_user: 61, max_coupons: 100, max_amount: 10000 } },
        profile.mchid,
      ),
    );
    expect(special.data).toEqual({ code: 'NO_AUTH', message: '你配置的信息需要开通特殊权限' });
    expect(special.status).toBe(403);

    const undeclared = await client.post(`${FAVOR}/callbacks`, {
      mchid: profile.mchid,
      notify_url: 'https://merchant.example.com/n',
      bogus: 1,
    });
    expect(undeclared.data).toEqual({
      code: 'PARAM_ERROR',
      message: '请求中含有未在API文档中定义的参数',
      detail: { location: null, value: ['/body/bogus'] },
    });

    const missing = await client.get(`${FAVOR}/stocks/${stockId}`, {});
    expect(envelope(missing)).toEqual([400, 'PARAM_ERROR', '商户号必填']);
    expect(missing.data.detail).toMatchObject({ field: 'stock_creator_mchid', location: 'query' });
  });
}
