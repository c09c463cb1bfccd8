/**
 * 委托营销 end to end through the real npm package wechatpay-axios-plugin, unmodified, with its
 * automatic response verification on: the creator builds a MERCHANT partnership on its 代金券 stock
 * (Idempotency-Key header through the SDK's request config), the partner merchant (public-key mode)
 * sends the stock's coupon with its own appid, the creator lists (JSON filters in the query) and
 * terminates, and the partner's next send is refused as the SDK surfaces errors.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMock, type MerchantCredentials, type RunningMock } from '../mock-server/index.js';
import { axiosPluginClient, platformCertificate, platformPublicKey } from './helpers/axios-plugin.js';
import { BRANCH_APP, BRANCH_USER, NOW_MS, requestNo, stockBody } from './helpers/favor.js';

const CREATOR = '1900000001';
const PARTNER = '1900000002';

let running: RunningMock;
let creator: any;
let partner: any;

beforeAll(async () => {
  running = await startMock({ validateResponses: true });
  await running.clock.freeze(NOW_MS);
  const merchant = (mchid: string): MerchantCredentials => running.credentials.merchants.find((m) => m.mchid === mchid)!;
  creator = axiosPluginClient(running.url, merchant(CREATOR), platformCertificate(running.credentials));
  partner = axiosPluginClient(running.url, merchant(PARTNER), platformPublicKey(running.credentials));
});
afterAll(() => running.close());

it("builds a partnership, sends the stock's coupon as the partner merchant, terminates, and the next send is refused (403 REQUEST_BLOCKED 商户无权发券)", async () => {
  const favor = creator.v3.marketing.favor;
  const { stock_id } = (await favor.couponStocks.post(stockBody())).data;
  await favor.stocks._stock_id_.start.post({ stock_creator_mchid: CREATOR }, { stock_id });

  const relation = { partner: { type: 'MERCHANT', merchant_id: PARTNER }, authorized_data: { business_type: 'FAVOR_STOCK', stock_id } };
  const built = await creator.v3.marketing.partnerships.build.post(relation, { headers: { 'Idempotency-Key': 'SDK-BUILD-1' } });
  expect(built.status).toBe(200);
  expect(built.data).toMatchObject({ ...relation, state: 'ESTABLISHED', build_time: '2026-03-02T10:00:00.000+08:00' });

  const sendAsPartner = () =>
    partner.v3.marketing.favor.users._openid_.coupons.post(
      { stock_id, out_request_no: requestNo('PARTNER'), appid: BRANCH_APP, stock_creator_mchid: CREATOR },
      { openid: BRANCH_USER },
    );
  const sent = await sendAsPartner();
  expect(sent.status).toBe(200);
  expect(sent.headers['wechatpay-serial']).toBe(running.credentials.public_key_id);
  const coupon = await partner.v3.marketing.favor.users._openid_.coupons._coupon_id_.get({
    params: { appid: BRANCH_APP },
    openid: BRANCH_USER,
    coupon_id: sent.data.coupon_id,
  });
  expect(coupon.data).toMatchObject({ stock_id, stock_creator_mchid: CREATOR, status: 'SENDED' });

  // The SDK URL-encodes the JSON text; its signature covers the query exactly as it sent it.
  const params = {
    authorized_data: JSON.stringify({ business_type: 'FAVOR_STOCK', stock_id }),
    partner: JSON.stringify({ type: 'MERCHANT' }),
    limit: 5,
    offset: 0,
  };
  const listed = await creator.v3.marketing.partnerships.get({ params });
  expect(listed.data).toMatchObject({
    offset: 0,
    limit: 5,
    total_count: 1,
    data: [{ partner: relation.partner, authorized_data: relation.authorized_data }],
  });

  await running.clock.advance(60_000);
  const ended = await creator.v3.marketing.partnerships.terminate.post(relation, { headers: { 'Idempotency-Key': 'SDK-TERMINATE-1' } });
  expect(ended.data).toEqual({ terminate_time: '2026-03-02T10:01:00.000+08:00' });
  expect((await creator.v3.marketing.partnerships.get({ params })).data.data[0].terminate_time).toBe('2026-03-02T10:01:00.000+08:00');

  const refused = await sendAsPartner().catch((e: any) => e);
  expect(refused.response.status).toBe(403);
  expect(refused.response.data).toEqual({ code: 'REQUEST_BLOCKED', message: '商户无权发券' });
});

it('a missing Idempotency-Key is refused as the SDK surfaces it: AxiosError with 400 PARAM_ERROR', async () => {
  const error = await creator.v3.marketing.partnerships.build
    .post({
      partner: { type: 'APPID', appid: 'wx1a2b3c4d5e6f7005' },
      authorized_data: { business_type: 'BUSIFAVOR_STOCK', stock_id: '1212000000000001' },
    })
    .catch((e: any) => e);
  expect(error.response.status).toBe(400);
  expect(error.response.data).toMatchObject({
    code: 'PARAM_ERROR',
    message: '输入源“/header/idempotency-key”映射到字段“业务请求幂等值”必填性规则校验失败，此字段为必填项',
  });
});
