/**
 * 支付有礼, the whole lifecycle, once for every client: upload a logo → create → detail → add/delete
 * sending merchants → list → terminate (a POST without a body) — and refusals as the documented
 * envelope. The steps share state and run in order.
 */
import { expect, it } from 'vitest';
import { envelope, ok } from './client.js';
import type { Scenario } from './suite.js';
import { requestNo } from './world.js';
import { PNG } from '../helpers/images.js';

const PAYGIFT = '/v3/marketing/paygiftactivity';
const NOW = '2026-03-01T00:00:00+08:00';
const BEGIN = '2026-04-01T00:00:00+08:00';
const END = '2026-05-01T00:00:00+08:00';
const ONGOING = '2026-04-02T00:00:00+08:00';

export function paygiftCases(s: Scenario) {
  let image: string;
  let activityId: string;
  const name = '春季满额送';

  it('upload the logo: a media_url served by the mock', async () => {
    const { client, control } = s();
    await control.setClock(NOW);
    const uploaded = await client.upload('/v3/marketing/favor/media/image-upload', 'logo.png', PNG);
    image = ok(uploaded).media_url;
    expect(uploaded.verifiedWith).toBe(s().signingSerial);
    const served = await fetch(image);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
  });

  it('create → detail: CREATE_ACT_STATUS before begin_time, owned by the creator', async () => {
    const { client, profile } = s();
    const created = await client.post(`${PAYGIFT}/unique-threshold-activity`, {
      activity_base_info: {
        activity_name: name,
        activity_second_title: '满100送券',
        merchant_logo_url: image,
        background_color: 'COLOR010',
        begin_time: BEGIN,
        end_time: END,
        out_request_no: requestNo('PG'),
        delivery_purpose: 'JUMP_MINI_APP',
        mini_programs_appid: profile.miniApp,
        mini_programs_path: '/pages/index/index',
      },
      award_send_rule: {
        transaction_amount_minimum: 10000,
        send_content: 'SINGLE_COUPON',
        award_type: 'BUSIFAVOR',
        award_list: [{ stock_id: profile.awardStock, original_image_url: image, thumbnail_url: image }],
        merchant_option: 'MANUAL_INPUT_MERCHANT',
        merchant_id_list: [profile.mchid],
      },
      advanced_setting: { delivery_user_category: 'DELIVERY_ALL_PERSON', goods_tags: ['spring'] },
    });
    activityId = ok(created).activity_id;
    expect(activityId).toMatch(/^\d+$/);
    const detail = ok(await client.get(`${PAYGIFT}/activities/${activityId}`));
    expect(detail).toMatchObject({ activity_id: activityId, activity_status: 'CREATE_ACT_STATUS', creator_merchant_id: profile.mchid });
    expect(detail.award_send_rule.full_send_rule.send_content).toBe('SINGLE_COUPON');
  });

  it('add and delete sending merchants: another brand is refused per merchant, the list follows', async () => {
    const { client, profile } = s();
    const added = ok(
      await client.post(`${PAYGIFT}/activities/${activityId}/merchants/add`, {
        merchant_id_list: [profile.sameBrand, profile.otherBrand],
        add_request_no: requestNo('ADD'),
      }),
    );
    expect(added.invalid_merchant_id_list).toEqual([
      { mchid: profile.otherBrand, invalid_reason: '发券商户号校验失败，请核实是否满足同品牌等规则' },
    ]);
    const deleted = ok(
      await client.post(`${PAYGIFT}/activities/${activityId}/merchants/delete`, {
        merchant_id_list: [profile.mchid],
        delete_request_no: requestNo('DEL'),
      }),
    );
    expect(deleted.activity_id).toBe(activityId);
    const merchants = ok(await client.get(`${PAYGIFT}/activities/${activityId}/merchants`, { offset: 0, limit: 10 }));
    expect(merchants.data.map((m: { mchid: string }) => m.mchid)).toEqual([profile.sameBrand]);
    const goods = ok(await client.get(`${PAYGIFT}/activities/${activityId}/goods`, { offset: 0, limit: 10 }));
    expect(goods.total_count).toBe(0);
  });

  it('list by name and status once the clock is inside the activity: ONGOING_ACT_STATUS', async () => {
    const { client, control } = s();
    await control.setClock(ONGOING);
    const list = ok(
      await client.get(`${PAYGIFT}/activities`, {
        offset: 0,
        limit: 10,
        activity_name: name,
        activity_status: 'ONGOING_ACT_STATUS',
        award_type: 'BUSIFAVOR',
      }),
    );
    expect(list.data.map((a: { activity_id: string }) => a.activity_id)).toEqual([activityId]);
  });

  it('terminate (no body: the signature covers an empty body line) → TERMINATE_ACT_STATUS; again, with `{}` → 400 活动已终止; with a field → 400 undeclared', async () => {
    const { client } = s();
    const terminated = ok(await client.post(`${PAYGIFT}/activities/${activityId}/terminate`));
    expect(terminated).toEqual({ terminate_time: ONGOING, activity_id: activityId });
    const after = ok(await client.get(`${PAYGIFT}/activities/${activityId}`));
    expect(after.activity_status).toBe('TERMINATE_ACT_STATUS');
    const again = await client.post(`${PAYGIFT}/activities/${activityId}/terminate`);
    expect([again.status, again.data]).toEqual([400, { code: 'INVALID_REQUEST', message: '活动已终止，请勿重复操作' }]);
    // `{}` (what some SDK calls send) passes the signature and the contract: the business rule answers.
    const empty = await client.post(`${PAYGIFT}/activities/${activityId}/terminate`, {});
    expect([empty.status, empty.data]).toEqual([400, { code: 'INVALID_REQUEST', message: '活动已终止，请勿重复操作' }]);
    // A body with a field is refused by the contract before any business rule, as on any endpoint.
    const other = await client.post(`${PAYGIFT}/activities/${activityId}/terminate`, { reason: 'x' });
    expect([other.status, other.data]).toEqual([
      400,
      { code: 'PARAM_ERROR', message: '请求中含有未在API文档中定义的参数', detail: { location: null, value: ['/body/reason'] } },
    ]);
  });

  it('a logo not from the image upload → 400 PARAM_ERROR 商户logo仅支持…; another merchant’s activity → 404 活动不存在', async () => {
    const { client, profile } = s();
    const refused = await client.post(`${PAYGIFT}/unique-threshold-activity`, {
      activity_base_info: {
        activity_name: '便利店',
        activity_second_title: '满额送',
        merchant_logo_url: 'https://tool.oschina.net/regex.jpg',
        begin_time: BEGIN,
        end_time: END,
        out_request_no: requestNo('PG'),
        delivery_purpose: 'OFF_LINE_PAY',
      },
      award_send_rule: {
        transaction_amount_minimum: 100,
        send_content: 'SINGLE_COUPON',
        award_type: 'BUSIFAVOR',
        award_list: [{ stock_id: profile.awardStock, original_image_url: image }],
        merchant_option: 'MANUAL_INPUT_MERCHANT',
        merchant_id_list: [profile.mchid],
      },
    });
    expect(envelope(refused)).toEqual([400, 'PARAM_ERROR', '商户logo仅支持通过《图片上传API》接口获取的图片URL地址']);
    const foreign = await client.get(`${PAYGIFT}/activities/10028001234`);
    expect(envelope(foreign)).toEqual([404, 'RESOURCE_NOT_EXISTS', '活动不存在']);
  });
}
