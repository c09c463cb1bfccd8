/**
 * The whole 代金券 path through the real npm package wechatpay-axios-plugin, unmodified, with its
 * automatic response verification on: create → start → send → query → use (control API) → use-flow
 * download (SHA1 checked) → refund → refund-flow — and an error surfaced as the SDK surfaces it.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Multipart } from 'wechatpay-axios-plugin';
import { startMock, type RunningMock } from '../mock-server/index.js';
import { axiosPluginClient, platformCertificate } from './helpers/axios-plugin.js';
import { APP, NOW_MS, requestNo, stockBody, USER } from './helpers/favor.js';

let running: RunningMock;
let wxpay: any;
const CREATOR = '1900000001';

beforeAll(async () => {
  running = await startMock({ validateResponses: true });
  await running.clock.freeze(NOW_MS);
  const m = running.credentials.merchants.find((x) => x.mchid === CREATOR)!;
  wxpay = axiosPluginClient(running.url, m, platformCertificate(running.credentials));
});
afterAll(() => running.close());

const sha1 = (data: ArrayBuffer | Buffer) =>
  createHash('sha1')
    .update(Buffer.from(data as ArrayBuffer))
    .digest('hex');

it('walks create → start → send → use → use-flow → refund → refund-flow with wechatpay-axios-plugin', async () => {
  const favor = wxpay.v3.marketing.favor;

  const created = await favor.couponStocks.post(stockBody({ no_cash: false }));
  expect(created.status).toBe(200);
  const stock_id = created.data.stock_id;

  const started = await favor.stocks._stock_id_.start.post({ stock_creator_mchid: CREATOR }, { stock_id });
  expect(started.data).toEqual({ start_time: '2026-03-02T10:00:00.000+08:00', stock_id });

  const sent = await favor.users._openid_.coupons.post(
    { stock_id, out_request_no: requestNo('SDK'), appid: APP, stock_creator_mchid: CREATOR },
    { openid: USER },
  );
  const { coupon_id } = sent.data;

  const detail = await favor.users._openid_.coupons._coupon_id_.get({ params: { appid: APP }, openid: USER, coupon_id });
  expect(detail.data).toMatchObject({ coupon_id, stock_id, status: 'SENDED' });
  const stock = await favor.stocks._stock_id_.get({ params: { stock_creator_mchid: CREATOR }, stock_id });
  expect(stock.data).toMatchObject({ status: 'running', distributed_coupons: 1, no_cash: false });

  // The payment with the coupon: the control API (unsigned, loopback).
  const used = await fetch(`${running.url}/_mock/favor/coupons/${coupon_id}/use`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' }, // the control API takes JSON bodies only
    body: JSON.stringify({ transaction_id: '4200000000202603021234567890' }),
  });
  expect(used.status).toBe(200);
  const afterUse = await favor.users._openid_.coupons.get({ params: { appid: APP, creator_mchid: CREATOR }, openid: USER });
  expect(afterUse.data.data[0]).toMatchObject({
    coupon_id,
    status: 'USED',
    consume_information: { transaction_id: '4200000000202603021234567890' },
  });

  // The file exists from 10:00 the day after the stock ends.
  await running.clock.set(Date.parse('2026-04-01T10:00:00+08:00'));
  const useFlow = await favor.stocks._stock_id_.useFlow.get({ stock_id });
  expect(useFlow.data.hash_type).toBe('SHA1');
  const token = new URL(useFlow.data.url).searchParams.get('token');
  const useFile = await wxpay.v3.billdownload.file.get({ params: { token }, responseType: 'arraybuffer' });
  expect(sha1(useFile.data)).toBe(useFlow.data.hash_value);
  expect(Buffer.from(useFile.data).toString('utf8')).toContain(`\`${coupon_id}`);

  await running.refundCoupon(coupon_id, { refund_id: '50300000000000000000000000000001' });
  const refundFlow = await favor.stocks._stock_id_.refundFlow.get({ stock_id });
  const refundFile = await wxpay.v3.billdownload.file.get({
    params: { token: new URL(refundFlow.data.url).searchParams.get('token') },
    responseType: 'arraybuffer',
  });
  expect(sha1(refundFile.data)).toBe(refundFlow.data.hash_value);
  expect(Buffer.from(refundFile.data).toString('utf8')).toContain('`50300000000000000000000000000001');
});

it('contract self-check: every favor operation (and the bill download) answers 2xx through the SDK, each reply validated against its contract, no journal findings', async () => {
  await running.clock.set(NOW_MS);
  const since = running.journal().at(-1)?.seq ?? 0;
  const favor = wxpay.v3.marketing.favor;
  const params = { stock_creator_mchid: CREATOR };

  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  const meta = { filename: 'logo.png', sha256: createHash('sha256').update(png).digest('hex') };
  const form = new Multipart();
  form.append('file', png, 'logo.png');
  form.append('meta', JSON.stringify(meta));
  const { media_url } = (await favor.media.imageUpload.post(form, { meta, headers: form.getHeaders() })).data;

  const body = stockBody({
    pattern_info: { description: '满10元减1元', merchant_logo: media_url },
    coupon_use_rule: { available_items: ['sku1'], goods_tag: ['tag'] },
  });
  const { stock_id } = (await favor.couponStocks.post(body)).data;
  await favor.stocks._stock_id_.start.post(params, { stock_id });
  await favor.stocks._stock_id_.pause.post(params, { stock_id });
  await favor.stocks._stock_id_.restart.post(params, { stock_id });
  const idle = (await favor.couponStocks.post(stockBody())).data.stock_id;
  await favor.stocks._stock_id_.stop.post(params, { stock_id: idle });
  await favor.stocks.get({ params: { offset: 0, limit: 10, ...params } });
  await favor.stocks._stock_id_.get({ params, stock_id });
  await favor.stocks._stock_id_.merchants.get({ params: { offset: 0, limit: 10, ...params }, stock_id });
  expect((await favor.stocks._stock_id_.items.get({ params: { offset: 0, limit: 10, ...params }, stock_id })).data.data).toEqual(['sku1']);

  const { coupon_id } = (
    await favor.users._openid_.coupons.post(
      { stock_id, out_request_no: requestNo('SDK'), appid: APP, stock_creator_mchid: CREATOR },
      { openid: USER },
    )
  ).data;
  await running.useCoupon(coupon_id);
  await favor.users._openid_.coupons._coupon_id_.get({ params: { appid: APP }, openid: USER, coupon_id });
  await favor.users._openid_.coupons.get({ params: { appid: APP, creator_mchid: CREATOR }, openid: USER });
  await running.refundCoupon(coupon_id);
  await running.clock.set(Date.parse('2026-04-01T10:00:00+08:00'));
  for (const flow of [favor.stocks._stock_id_.useFlow, favor.stocks._stock_id_.refundFlow]) {
    const { url, hash_value } = (await flow.get({ stock_id })).data;
    const file = await wxpay.v3.billdownload.file.get({
      params: { token: new URL(url).searchParams.get('token') },
      responseType: 'arraybuffer',
    });
    expect(sha1(file.data)).toBe(hash_value);
  }
  // Last, so that the use above sends no COUPON.USE to this (unreachable) receiver.
  await favor.callbacks.post({ mchid: CREATOR, notify_url: 'https://merchant.example.com/wxpay/coupon-use' });
  await favor.callbacks.get({ params: { mchid: CREATOR } });

  const entries = running.journal({ since_seq: since });
  const family = running.mock.operations.map((o) => o.contract.operationId).filter((id) => /^(favor|billdownload)\./.test(id));
  expect(family.length).toBeGreaterThanOrEqual(18);
  const answered = new Set(entries.filter((e) => e.status >= 200 && e.status < 300).map((e) => e.operation_id));
  expect(family.filter((id) => !answered.has(id))).toEqual([]);
  expect(entries.filter((e) => e.status >= 300 || e.findings.length > 0)).toEqual([]);
});

it('surfaces a business refusal as the SDK does: AxiosError with the documented envelope', async () => {
  await running.clock.set(NOW_MS);
  const error = await wxpay.v3.marketing.favor.couponStocks
    .post(stockBody({ stock_use_rule: { max_coupons_per_user: 61, max_coupons: 100, max_amount: 10000 } }))
    .catch((e: any) => e);
  expect(error.response.status).toBe(403);
  expect(error.response.data).toEqual({ code: 'NO_AUTH', message: '你配置的信息需要开通特殊权限' });
});
