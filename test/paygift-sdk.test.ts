/**
 * The whole 支付有礼 lifecycle through the real npm package wechatpay-axios-plugin, unmodified, against
 * a started mock, with the SDK's automatic reply verification on: upload a logo → create → detail →
 * add/delete sending merchants → list → terminate.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Multipart } from 'wechatpay-axios-plugin';
import { startMock, type MerchantCredentials, type RunningMock } from '../mock-server/index.js';
import { axiosPluginClient, platformCertificate } from './helpers/axios-plugin.js';
import { BEGIN, END, MINI_APP, STOCK } from './helpers/paygift.js';

let running: RunningMock;
const merchant = (mchid: string): MerchantCredentials => running.credentials.merchants.find((m) => m.mchid === mchid)!;

const client = (m: MerchantCredentials) => axiosPluginClient(running.url, m, platformCertificate(running.credentials));

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  running = await startMock({ validateResponses: true });
  await running.clock.freeze(new Date('2026-03-01T00:00:00+08:00'));
});
afterAll(() => running.close());

describe('支付有礼 through wechatpay-axios-plugin (merchant 1900000001)', () => {
  it('upload logo → create → detail → add/delete merchants → list → terminate', async () => {
    const wxpay = client(merchant('1900000001'));
    const paygift = wxpay.v3.marketing.paygiftactivity;

    // Logo and award image from the marketing image upload (the signature covers the meta JSON).
    const meta = { filename: 'logo.png', sha256: createHash('sha256').update(PNG).digest('hex') };
    const form = new Multipart().append('meta', JSON.stringify(meta)).append('file', PNG, 'logo.png');
    const uploaded = await wxpay.v3.marketing.favor.media.imageUpload.post(form, { meta, headers: form.getHeaders() });
    const image: string = uploaded.data.media_url;

    const created = await paygift.uniqueThresholdActivity.post({
      activity_base_info: {
        activity_name: '春季满额送',
        activity_second_title: '满100送券',
        merchant_logo_url: image,
        background_color: 'COLOR010',
        begin_time: BEGIN,
        end_time: END,
        out_request_no: '1900000001-20260301-0001',
        delivery_purpose: 'JUMP_MINI_APP',
        mini_programs_appid: MINI_APP,
        mini_programs_path: '/pages/index/index',
      },
      award_send_rule: {
        transaction_amount_minimum: 10000,
        send_content: 'GIFT_PACKAGE',
        award_type: 'BUSIFAVOR',
        award_list: [STOCK.packA, STOCK.packB, STOCK.packC].map((stock_id) => ({
          stock_id,
          original_image_url: image,
          thumbnail_url: image,
        })),
        merchant_option: 'MANUAL_INPUT_MERCHANT',
        merchant_id_list: ['1900000001'],
      },
      advanced_setting: { delivery_user_category: 'DELIVERY_ALL_PERSON', goods_tags: ['spring'] },
    });
    expect(created.status).toBe(200);
    const activityId: string = created.data.activity_id;
    expect(activityId).toMatch(/^\d+$/);

    const detail = await paygift.activities._activity_id_.get({ activity_id: activityId });
    expect(detail.data).toMatchObject({ activity_id: activityId, activity_status: 'CREATE_ACT_STATUS', creator_merchant_id: '1900000001' });
    expect(detail.data.award_send_rule.full_send_rule.send_content).toBe('GIFT_PACKAGE');

    const added = await paygift.activities._activity_id_.merchants.add.post(
      { merchant_id_list: ['1900000002', '1900000003'], add_request_no: 'ADD-20260301-1' },
      { activity_id: activityId },
    );
    expect(added.data.invalid_merchant_id_list).toEqual([
      { mchid: '1900000003', invalid_reason: '发券商户号校验失败，请核实是否满足同品牌等规则' },
    ]);
    // `delete` is the HTTP verb on the chain; `Delete` (PascalCase) is the SDK's way to name a `delete` path segment.
    const deleted = await paygift.activities._activity_id_.merchants.Delete.post(
      { merchant_id_list: ['1900000001'], delete_request_no: 'DEL-20260301-1' },
      { activity_id: activityId },
    );
    expect(deleted.data.activity_id).toBe(activityId);
    const merchants = await paygift.activities._activity_id_.merchants.get({ activity_id: activityId, params: { offset: 0, limit: 10 } });
    expect(merchants.data.data.map((m: { mchid: string }) => m.mchid)).toEqual(['1900000002']);
    const goods = await paygift.activities._activity_id_.goods.get({ activity_id: activityId });
    expect(goods.data.total_count).toBe(0);

    await running.clock.set(new Date('2026-04-02T00:00:00+08:00'));
    const list = await paygift.activities.get({
      params: { offset: 0, limit: 10, activity_name: '春季', activity_status: 'ONGOING_ACT_STATUS', award_type: 'BUSIFAVOR' },
    });
    expect(list.data.total_count).toBe(1);
    expect(list.data.data[0].activity_id).toBe(activityId);

    // Terminate has no body: the SDK signs an empty body and the mock verifies just that.
    const terminated = await paygift.activities._activity_id_.terminate.post(undefined, { activity_id: activityId });
    expect(terminated.data).toEqual({ terminate_time: '2026-04-02T00:00:00+08:00', activity_id: activityId });
    const after = await paygift.activities._activity_id_.get({ activity_id: activityId });
    expect(after.data.activity_status).toBe('TERMINATE_ACT_STATUS');

    const again = await paygift.activities._activity_id_.terminate.post(undefined, { activity_id: activityId }).catch((e: any) => e);
    expect(again.response.status).toBe(400);
    expect(again.response.data).toEqual({ code: 'INVALID_REQUEST', message: '活动已终止，请勿重复操作' });
  });

  it('terminate called as `post({}, …)`: the SDK signs the `{}` it sends and the mock accepts it', async () => {
    await running.clock.set(new Date('2026-03-01T00:00:00+08:00'));
    const wxpay = client(merchant('1900000001'));
    const meta = { filename: 'logo.png', sha256: createHash('sha256').update(PNG).digest('hex') };
    const form = new Multipart().append('meta', JSON.stringify(meta)).append('file', PNG, 'logo.png');
    const image: string = (await wxpay.v3.marketing.favor.media.imageUpload.post(form, { meta, headers: form.getHeaders() })).data
      .media_url;
    const created = await wxpay.v3.marketing.paygiftactivity.uniqueThresholdActivity.post({
      activity_base_info: {
        activity_name: '夏季满额送',
        activity_second_title: '满50送券',
        merchant_logo_url: image,
        begin_time: BEGIN,
        end_time: END,
        out_request_no: '1900000001-20260301-0002',
        delivery_purpose: 'OFF_LINE_PAY',
      },
      award_send_rule: {
        transaction_amount_minimum: 5000,
        send_content: 'SINGLE_COUPON',
        award_type: 'BUSIFAVOR',
        award_list: [{ stock_id: STOCK.normal, original_image_url: image }],
        merchant_option: 'MANUAL_INPUT_MERCHANT',
        merchant_id_list: ['1900000001'],
      },
    });
    const activityId: string = created.data.activity_id;
    const terminated = await wxpay.v3.marketing.paygiftactivity.activities._activity_id_.terminate.post({}, { activity_id: activityId });
    expect(terminated.status).toBe(200);
    expect(terminated.data).toEqual({ terminate_time: '2026-03-01T00:00:00+08:00', activity_id: activityId });
    // A body with a field is refused by the contract before any business rule, as on any endpoint.
    const other = await wxpay.v3.marketing.paygiftactivity.activities._activity_id_.terminate
      .post({ reason: 'x' }, { activity_id: activityId })
      .catch((e: any) => e);
    expect(other.response.status).toBe(400);
    expect(other.response.data).toEqual({
      code: 'PARAM_ERROR',
      message: '请求中含有未在API文档中定义的参数',
      detail: { location: null, value: ['/body/reason'] },
    });
  });

  it('a create the FAQ rules refuse surfaces the documented envelope through the SDK', async () => {
    const wxpay = client(merchant('1900000003'));
    const err = await wxpay.v3.marketing.paygiftactivity.uniqueThresholdActivity
      .post({
        activity_base_info: {
          activity_name: '便利店',
          activity_second_title: '满额送',
          merchant_logo_url: 'https://tool.oschina.net/regex.jpg',
          begin_time: BEGIN,
          end_time: END,
          out_request_no: 'X1',
          delivery_purpose: 'OFF_LINE_PAY',
        },
        award_send_rule: {
          transaction_amount_minimum: 100,
          send_content: 'SINGLE_COUPON',
          award_type: 'BUSIFAVOR',
          award_list: [{ stock_id: STOCK.otherBrand, original_image_url: 'https://tool.oschina.net/regex.jpg' }],
          merchant_option: 'MANUAL_INPUT_MERCHANT',
          merchant_id_list: ['1900000003'],
        },
      })
      .catch((e: any) => e);
    expect(err.response.status).toBe(400);
    expect(err.response.data).toMatchObject({ code: 'PARAM_ERROR', message: '商户logo仅支持通过《图片上传API》接口获取的图片URL地址' });
  });
});
