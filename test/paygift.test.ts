/**
 * 支付有礼 (paygiftactivity): every rule of api-reference.md §3 and of the developer guide's FAQ
 * (seed 001 §4), each asserting the real status, code and message.
 */
import { createSign } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { CREATOR, json, newMock, SAME_BRAND, sharedMock, stateOf, UNRELATED } from './helpers/mock.js';
import {
  BEGIN,
  CREATE,
  createActivity,
  createBody,
  END,
  failure,
  MINI_APP,
  NOW,
  OTHER_MINI_APP,
  PAYGIFT,
  STOCK,
  uploadedImage,
  type CreateBody,
} from './helpers/paygift.js';

const t = sharedMock(new Date(NOW));
let body: CreateBody;
beforeEach(async () => {
  body = await createBody(t);
});

const create = (b: unknown = body, mchid?: string) => t.call('POST', CREATE, { body: b, mchid });
const paramError = (pointer: string, text: string) => [400, 'PARAM_ERROR', `输入源“/body${pointer}”映射到${text}`];
const required = (pointer: string, label: string) => [
  400,
  'PARAM_ERROR',
  `输入源“/body${pointer}”映射到字段“${label}”必填性规则校验失败，此字段为必填项`,
];
const AWARD_RULES = [400, 'INVALID_REQUEST', '商家券信息不满足活动规则，请核实券有效期或code'];
const SAME_BRAND_RULE = [400, 'INVALID_REQUEST', '发券商户号校验失败，请核实是否满足同品牌等规则'];
const NOT_FOUND = [404, 'RESOURCE_NOT_EXISTS', '活动不存在'];

describe('create (POST /v3/marketing/paygiftactivity/unique-threshold-activity)', () => {
  it('creates an activity: 200 {activity_id (digits), create_time}, signed, readable by detail', async () => {
    const res = await create();
    expect(res.status).toBe(200);
    t.verifyReply(res);
    const reply = json(res);
    expect(Object.keys(reply)).toEqual(['activity_id', 'create_time']);
    expect(reply.activity_id).toMatch(/^\d{8,20}$/);
    expect(reply.create_time).toBe(NOW);
    const detail = await t.call('GET', `${PAYGIFT}/activities/${reply.activity_id}`);
    expect(detail.status).toBe(200);
    t.verifyReply(detail);
    const { merchant_id_list, ...rule } = body.award_send_rule;
    expect(json(detail)).toEqual({
      activity_id: reply.activity_id,
      activity_type: 'FULL_SEND_ACT_TYPE',
      activity_base_info: body.activity_base_info,
      award_send_rule: { full_send_rule: rule },
      advanced_setting: body.advanced_setting,
      activity_status: 'CREATE_ACT_STATUS',
      creator_merchant_id: CREATOR,
      belong_merchant_id: CREATOR,
      create_time: NOW,
      update_time: NOW,
    });
    expect(merchant_id_list).toHaveLength(2);
  });

  it('answers times in +08:00 whole seconds whatever offset the request used', async () => {
    body.activity_base_info.begin_time = '2026-03-31T16:00:00.500Z';
    body.activity_base_info.available_periods.available_time[0].begin_time = '2026-03-31T16:00:00Z';
    const id = await createActivity(t, body);
    const info = json(await t.call('GET', `${PAYGIFT}/activities/${id}`)).activity_base_info;
    expect(info.begin_time).toBe('2026-04-01T00:00:00+08:00');
    expect(info.available_periods.available_time[0].begin_time).toBe('2026-04-01T00:00:00+08:00');
  });

  it('activity_name longer than 10 characters -> 400 PARAM_ERROR', async () => {
    body.activity_base_info.activity_name = '一二三四五六七八九十一';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/activity_name', '值字段“活动名称”字符串规则校验失败，字符数 11，大于最大值 10'),
    );
    body.activity_base_info.activity_name = '一二三四五六七八九十';
    expect((await create()).status).toBe(200);
  });

  it('activity_second_title longer than 9 characters -> 400 PARAM_ERROR', async () => {
    body.activity_base_info.activity_second_title = '一二三四五六七八九十';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/activity_second_title', '值字段“活动副标题”字符串规则校验失败，字符数 10，大于最大值 9'),
    );
  });

  it('a required field missing -> 400 PARAM_ERROR 必填性规则', async () => {
    delete body.activity_base_info.out_request_no;
    expect(failure(await create())).toEqual(required('/activity_base_info/out_request_no', '商户请求单号'));
  });

  it('merchant_logo_url shorter than 10 characters -> 400 PARAM_ERROR', async () => {
    body.activity_base_info.merchant_logo_url = 'https://a';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/merchant_logo_url', '值字段“商户logo”字符串规则校验失败，字符数 9，小于最小值 10'),
    );
  });

  it('merchant_logo_url and award images must come from the image upload -> 400 PARAM_ERROR otherwise', async () => {
    body.activity_base_info.merchant_logo_url = 'https://tool.oschina.net/regex.jpg';
    const res = await create();
    expect(failure(res)).toEqual([400, 'PARAM_ERROR', '商户logo仅支持通过《图片上传API》接口获取的图片URL地址']);
    expect(json(res).detail).toMatchObject({
      field: '/activity_base_info/merchant_logo_url',
      value: 'https://tool.oschina.net/regex.jpg',
      location: 'body',
    });
    body.activity_base_info.merchant_logo_url = await uploadedImage(t);
    body.award_send_rule.award_list[0].original_image_url = 'https://tool.oschina.net/regex.jpg';
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '奖品大图仅支持通过《图片上传API》接口获取的图片URL地址']);
    body.award_send_rule.award_list[0].original_image_url = await uploadedImage(t);
    body.award_send_rule.award_list[0].thumbnail_url = 'https://tool.oschina.net/regex.jpg';
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '奖品小图仅支持通过《图片上传API》接口获取的图片URL地址']);
  });

  it('relaxMediaUrls accepts any http(s) image URL (e.g. the doc sample)', async () => {
    const relaxed = await newMock({ relaxMediaUrls: true });
    await relaxed.mock.clock.freeze(new Date(NOW));
    body.activity_base_info.merchant_logo_url = 'https://tool.oschina.net/regex.jpg';
    body.award_send_rule.award_list[0].original_image_url = 'https://tool.oschina.net/regex.jpg';
    expect((await relaxed.call('POST', CREATE, { body })).status).toBe(200);
    await relaxed.mock.close();
  });

  it('background_color must be a colour name (COLOR0xx or Color0xx)', async () => {
    body.activity_base_info.background_color = '#B48EAD';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/background_color', '值字段“背景颜色”枚举规则校验失败，取值不在允许范围内'),
    );
    body.activity_base_info.background_color = 'Color020';
    expect((await create()).status).toBe(200);
  });

  it('out_request_no with a character outside letters, digits, | _ * - -> 400 PARAM_ERROR', async () => {
    body.activity_base_info.out_request_no = 'PG#1';
    expect(failure(await create())).toEqual(
      paramError(
        '/activity_base_info/out_request_no',
        '值字段“商户请求单号”字符串规则校验失败，字符串必须匹配正则表达式“^[0-9A-Za-z_\\-|*]+$”',
      ),
    );
  });

  it('delivery_purpose outside its enum -> 400 PARAM_ERROR', async () => {
    body.activity_base_info.delivery_purpose = 'ONLINE';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/delivery_purpose', '值字段“投放目的”枚举规则校验失败，取值不在允许范围内'),
    );
  });

  it('JUMP_MINI_APP requires mini_programs_appid and mini_programs_path; OFF_LINE_PAY does not', async () => {
    delete body.activity_base_info.mini_programs_appid;
    expect(failure(await create())).toEqual(required('/activity_base_info/mini_programs_appid', '商家小程序appid'));
    body.activity_base_info.mini_programs_appid = MINI_APP;
    delete body.activity_base_info.mini_programs_path;
    expect(failure(await create())).toEqual(required('/activity_base_info/mini_programs_path', '商家小程序path'));
    body.activity_base_info.delivery_purpose = 'OFF_LINE_PAY';
    delete body.activity_base_info.mini_programs_appid;
    expect((await create()).status).toBe(200);
  });

  it('JUMP_MINI_APP with a mini program not bound to the caller -> 400 APPID_MCHID_NOT_MATCH', async () => {
    body.activity_base_info.mini_programs_appid = OTHER_MINI_APP;
    expect(failure(await create())).toEqual([400, 'APPID_MCHID_NOT_MATCH', '商户号与appid不匹配']);
  });

  it('available_periods: both lists required, day times are HHMMSS, begin before end', async () => {
    const periods = body.activity_base_info.available_periods;
    delete periods.available_day_time;
    expect(failure(await create())).toEqual(required('/activity_base_info/available_periods/available_day_time', '每日可用时间'));
    periods.available_day_time = [{ begin_day_time: '110000', end_day_time: '240000' }];
    expect(failure(await create())).toEqual(
      paramError(
        '/activity_base_info/available_periods/available_day_time/0/end_day_time',
        '值字段“天内结束时间”字符串规则校验失败，字符串必须匹配正则表达式“^([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$”',
      ),
    );
    periods.available_day_time = [{ begin_day_time: '140000', end_day_time: '110000' }];
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '天内开始时间必须早于天内结束时间']);
    periods.available_day_time = [{ begin_day_time: '000000', end_day_time: '235959' }];
    periods.available_time = [{ begin_time: END, end_time: BEGIN }];
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '可用时间段的开始时间必须早于结束时间']);
  });

  it('begin_time not RFC 3339 -> 400 PARAM_ERROR', async () => {
    body.activity_base_info.begin_time = '2026-04-01 00:00:00';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/begin_time', '值字段“活动开始时间”格式规则校验失败，应为rfc3339格式'),
    );
  });

  it('end_time not after begin_time -> 400 PARAM_ERROR', async () => {
    body.activity_base_info.end_time = BEGIN;
    const res = await create();
    expect(failure(res)).toEqual([400, 'PARAM_ERROR', '活动结束时间必须晚于活动开始时间']);
    expect(json(res).detail).toMatchObject({ field: '/activity_base_info/end_time', location: 'body' });
  });

  it('validity at most 90 days (API page 活动有效期最长90天; the FAQ year below 31,536,000 s is then always met) — 90 days pass, 90 days + 1 s -> 400 PARAM_ERROR 活动有效期最长90天', async () => {
    const begin = Date.parse(BEGIN);
    const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const DAY = 86_400_000;
    for (const span of [90 * DAY + 1000, 31_535_999_000]) {
      body.activity_base_info.end_time = at(begin + span);
      body.activity_base_info.available_periods.available_time[0].end_time = body.activity_base_info.end_time;
      expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '活动有效期最长90天']);
    }
    body.activity_base_info.end_time = at(begin + 90 * DAY);
    body.activity_base_info.available_periods.available_time[0].end_time = body.activity_base_info.end_time;
    expect((await create()).status).toBe(200);
  });

  it('award_type other than BUSIFAVOR -> 400 PARAM_ERROR', async () => {
    body.award_send_rule.award_type = 'FAVOR';
    expect(failure(await create())).toEqual(
      paramError('/award_send_rule/award_type', '值字段“奖品类型”枚举规则校验失败，取值不在允许范围内'),
    );
  });

  it('transaction_amount_minimum must be an integer of at least 1 fen', async () => {
    body.award_send_rule.transaction_amount_minimum = '100';
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '无法将传入参数“消费金额门槛”转换为int64类型。']);
    body.award_send_rule.transaction_amount_minimum = 0;
    expect(failure(await create())).toEqual(
      paramError('/award_send_rule/transaction_amount_minimum', '值字段“消费金额门槛”数值规则校验失败，取值 0，小于最小值 1'),
    );
  });

  it('MANUAL_INPUT_MERCHANT requires merchant_id_list (1–500 ids of 8–15 characters)', async () => {
    delete body.award_send_rule.merchant_id_list;
    expect(failure(await create())).toEqual(required('/award_send_rule/merchant_id_list', '发券商户号'));
    body.award_send_rule.merchant_id_list = [];
    expect(failure(await create())).toEqual(
      paramError('/award_send_rule/merchant_id_list', '值字段“发券商户号”数组规则校验失败，元素个数小于最小值 1'),
    );
    body.award_send_rule.merchant_id_list = ['1234567'];
    expect(failure(await create())).toEqual(
      paramError('/award_send_rule/merchant_id_list/0', '值字段“发券商户号”字符串规则校验失败，字符数 7，小于最小值 8'),
    );
  });

  it('IN_SEVICE_COUPON_MERCHANT -> 400 INVALID_REQUEST: 商家券 supports manual input only', async () => {
    body.award_send_rule.merchant_option = 'IN_SEVICE_COUPON_MERCHANT';
    delete body.award_send_rule.merchant_id_list;
    expect(failure(await create())).toEqual([400, 'INVALID_REQUEST', '商家券仅支持手动输入发券商户号']);
  });

  it('DELIVERY_MEMBER_PERSON requires merchant_member_appid', async () => {
    body.advanced_setting.delivery_user_category = 'DELIVERY_MEMBER_PERSON';
    expect(failure(await create())).toEqual(required('/advanced_setting/merchant_member_appid', '商家会员appid'));
    body.advanced_setting.merchant_member_appid = MINI_APP;
    expect((await create()).status).toBe(200);
  });

  it('payment_method SPECIFIC_BANK_CARD requires bank_abbreviation; payment scenes are an enum', async () => {
    body.advanced_setting.payment_method_information = { payment_method: 'SPECIFIC_BANK_CARD' };
    expect(failure(await create())).toEqual(required('/advanced_setting/payment_method_information/bank_abbreviation', '银行简称'));
    body.advanced_setting.payment_method_information.bank_abbreviation = 'AHRCUB_CREDIT';
    body.advanced_setting.payment_mode = { payment_scene_list: ['MOON_SCENE'] };
    expect(failure(await create())).toEqual(
      paramError('/advanced_setting/payment_mode/payment_scene_list/0', '值字段“支付场景”枚举规则校验失败，取值不在允许范围内'),
    );
    body.advanced_setting.payment_mode = { payment_scene_list: ['APP_SCENE'] };
    expect((await create()).status).toBe(200);
  });

  it('goods_tags: at most 500', async () => {
    body.advanced_setting.goods_tags = Array.from({ length: 501 }, (_, i) => `tag${i}`);
    expect(failure(await create())).toEqual(
      paramError('/advanced_setting/goods_tags', '值字段“订单优惠标记”数组规则校验失败，元素个数大于最大值 500'),
    );
    body.advanced_setting.goods_tags = body.advanced_setting.goods_tags.slice(0, 500);
    expect((await create()).status).toBe(200);
  });

  // Every length, count and enum of api-reference.md §3.1 not covered by a test of its own above.
  const x = (n: number) => 'x'.repeat(n);
  const LIMITS: [string, (b: CreateBody) => void, unknown[]][] = [
    [
      'activity_name empty',
      (b) => (b.activity_base_info.activity_name = ''),
      paramError('/activity_base_info/activity_name', '值字段“活动名称”字符串规则校验失败，字符数 0，小于最小值 1'),
    ],
    [
      'activity_second_title empty',
      (b) => (b.activity_base_info.activity_second_title = ''),
      paramError('/activity_base_info/activity_second_title', '值字段“活动副标题”字符串规则校验失败，字符数 0，小于最小值 1'),
    ],
    [
      'merchant_logo_url over 128',
      (b) => (b.activity_base_info.merchant_logo_url = `https://${x(121)}`),
      paramError('/activity_base_info/merchant_logo_url', '值字段“商户logo”字符串规则校验失败，字节数 129，大于最大值 128'),
    ],
    [
      'begin_time over 32',
      (b) => (b.activity_base_info.begin_time = '2026-04-01T00:00:00.123456789+08:00'),
      paramError('/activity_base_info/begin_time', '值字段“活动开始时间”字符串规则校验失败，字节数 35，大于最大值 32'),
    ],
    [
      'end_time over 32',
      (b) => (b.activity_base_info.end_time = '2026-05-01T00:00:00.123456789+08:00'),
      paramError('/activity_base_info/end_time', '值字段“活动结束时间”字符串规则校验失败，字节数 35，大于最大值 32'),
    ],
    [
      'out_request_no over 128',
      (b) => (b.activity_base_info.out_request_no = x(129)),
      paramError('/activity_base_info/out_request_no', '值字段“商户请求单号”字符串规则校验失败，字节数 129，大于最大值 128'),
    ],
    [
      'mini_programs_appid over 32',
      (b) => (b.activity_base_info.mini_programs_appid = `wx${x(31)}`),
      paramError('/activity_base_info/mini_programs_appid', '值字段“商家小程序appid”字符串规则校验失败，字节数 33，大于最大值 32'),
    ],
    [
      'mini_programs_path over 128',
      (b) => (b.activity_base_info.mini_programs_path = `/${x(128)}`),
      paramError('/activity_base_info/mini_programs_path', '值字段“商家小程序path”字符串规则校验失败，字节数 129，大于最大值 128'),
    ],
    [
      'available_time empty',
      (b) => (b.activity_base_info.available_periods.available_time = []),
      paramError('/activity_base_info/available_periods/available_time', '值字段“可用时间”数组规则校验失败，元素个数小于最小值 1'),
    ],
    [
      'available_time without end_time',
      (b) => delete b.activity_base_info.available_periods.available_time[0].end_time,
      required('/activity_base_info/available_periods/available_time/0/end_time', '结束时间'),
    ],
    [
      'available_day_time without begin_day_time',
      (b) => delete b.activity_base_info.available_periods.available_day_time[0].begin_day_time,
      required('/activity_base_info/available_periods/available_day_time/0/begin_day_time', '天内开始时间'),
    ],
    [
      'send_content outside its enum',
      (b) => (b.award_send_rule.send_content = 'COUPON'),
      paramError('/award_send_rule/send_content', '值字段“发放内容”枚举规则校验失败，取值不在允许范围内'),
    ],
    [
      'award_list empty',
      (b) => (b.award_send_rule.award_list = []),
      paramError('/award_send_rule/award_list', '值字段“奖品基本信息列表”数组规则校验失败，元素个数小于最小值 1'),
    ],
    [
      'award without stock_id',
      (b) => delete b.award_send_rule.award_list[0].stock_id,
      required('/award_send_rule/award_list/0/stock_id', '批次号'),
    ],
    [
      'award without original_image_url',
      (b) => delete b.award_send_rule.award_list[0].original_image_url,
      required('/award_send_rule/award_list/0/original_image_url', '奖品大图'),
    ],
    [
      'merchant_option outside its enum',
      (b) => (b.award_send_rule.merchant_option = 'ALL_MERCHANT'),
      paramError('/award_send_rule/merchant_option', '值字段“发券商户号选项”枚举规则校验失败，取值不在允许范围内'),
    ],
    [
      'merchant_id_list over 500',
      (b) => (b.award_send_rule.merchant_id_list = Array.from({ length: 501 }, (_, i) => String(1900000001 + i))),
      paramError('/award_send_rule/merchant_id_list', '值字段“发券商户号”数组规则校验失败，元素个数大于最大值 500'),
    ],
    [
      'a merchant id over 15',
      (b) => (b.award_send_rule.merchant_id_list = ['1234567890123456']),
      paramError('/award_send_rule/merchant_id_list/0', '值字段“发券商户号”字符串规则校验失败，字节数 16，大于最大值 15'),
    ],
    [
      'delivery_user_category outside its enum',
      (b) => (b.advanced_setting.delivery_user_category = 'VIP_PERSON'),
      paramError('/advanced_setting/delivery_user_category', '值字段“投放用户类别”枚举规则校验失败，取值不在允许范围内'),
    ],
    [
      'merchant_member_appid over 32',
      (b) => Object.assign(b.advanced_setting, { delivery_user_category: 'DELIVERY_MEMBER_PERSON', merchant_member_appid: `wx${x(31)}` }),
      paramError('/advanced_setting/merchant_member_appid', '值字段“商家会员appid”字符串规则校验失败，字节数 33，大于最大值 32'),
    ],
    [
      'payment_method outside its enum',
      (b) => (b.advanced_setting.payment_method_information = { payment_method: 'CASH' }),
      paramError('/advanced_setting/payment_method_information/payment_method', '值字段“支付方式”枚举规则校验失败，取值不在允许范围内'),
    ],
    [
      'activity_base_info missing',
      (b) => delete (b as Record<string, unknown>).activity_base_info,
      required('/activity_base_info', '活动基本信息'),
    ],
    [
      'award_send_rule missing',
      (b) => delete (b as Record<string, unknown>).award_send_rule,
      required('/award_send_rule', '活动奖品发放规则'),
    ],
  ];
  it.each(LIMITS)('§3.1 limit: %s -> 400 PARAM_ERROR', async (_name, change, expected) => {
    change(body);
    expect(failure(await create())).toEqual(expected);
    expect((await stateOf(t.mock)).merchants[CREATOR].paygift).toBeUndefined();
  });

  it('a begin_time that is RFC 3339 in form but no real date (month 13) -> 400 PARAM_ERROR 格式规则, not a wrong-order message', async () => {
    body.activity_base_info.begin_time = '2026-13-01T00:00:00+08:00';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/begin_time', '值字段“活动开始时间”格式规则校验失败，应为rfc3339格式'),
    );
    body.activity_base_info.begin_time = BEGIN;
    body.activity_base_info.available_periods.available_time[0].end_time = '2026-04-31T00:00:00+08:00';
    expect(failure(await create())).toEqual(
      paramError('/activity_base_info/available_periods/available_time/0/end_time', '值字段“结束时间”格式规则校验失败，应为rfc3339格式'),
    );
  });

  it('an undeclared field -> 400 PARAM_ERROR 请求中含有未在API文档中定义的参数', async () => {
    body.award_send_rule.full_send_rule = {};
    const res = await create();
    expect(json(res)).toEqual({
      code: 'PARAM_ERROR',
      message: '请求中含有未在API文档中定义的参数',
      detail: { location: null, value: ['/body/award_send_rule/full_send_rule'] },
    });
  });

  it('thumbnail_url is required on every award when there is more than one', async () => {
    const img = await uploadedImage(t);
    body.award_send_rule.send_content = 'GIFT_PACKAGE';
    body.award_send_rule.award_list = [STOCK.packA, STOCK.packB, STOCK.packC].map((stock_id) => ({ stock_id, original_image_url: img }));
    expect(failure(await create())).toEqual(required('/award_send_rule/award_list/0/thumbnail_url', '奖品小图'));
    // One award: no thumbnail needed.
    body.award_send_rule.send_content = 'SINGLE_COUPON';
    body.award_send_rule.award_list = [{ stock_id: STOCK.normal, original_image_url: img }];
    expect((await create()).status).toBe(200);
  });

  it('gift package (seed FAQ): 3–5 awards sharing inventory, per-user limit and owner', async () => {
    const img = await uploadedImage(t);
    const award = (stock_id: string) => ({ stock_id, original_image_url: img, thumbnail_url: img });
    body.award_send_rule.send_content = 'GIFT_PACKAGE';
    body.award_send_rule.award_list = [award(STOCK.packA), award(STOCK.packB)];
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '选礼包时奖品限定3-5个']);
    body.award_send_rule.award_list = Array.from({ length: 6 }, () => award(STOCK.packA));
    expect(failure(await create())).toEqual(
      paramError('/award_send_rule/award_list', '值字段“奖品基本信息列表”数组规则校验失败，元素个数大于最大值 5'),
    );
    body.award_send_rule.award_list = [award(STOCK.packA), award(STOCK.packB), award(STOCK.packD)];
    expect(failure(await create())).toEqual(AWARD_RULES);
    body.award_send_rule.award_list = [award(STOCK.packA), award(STOCK.packB), award(STOCK.packC)];
    const ok = await create();
    expect(ok.status).toBe(200);
    const rule = json(await t.call('GET', `${PAYGIFT}/activities/${json(ok).activity_id}`)).award_send_rule.full_send_rule;
    expect(rule.award_list.map((a: { stock_id: string }) => a.stock_id)).toEqual([STOCK.packA, STOCK.packB, STOCK.packC]);
  });

  it('gift package (seed FAQ): inventory, per-user limit, owner and validity must each match — one differing attribute is enough to fail', async () => {
    const img = await uploadedImage(t);
    const award = (stock_id: string) => ({ stock_id, original_image_url: img, thumbnail_url: img });
    body.award_send_rule.send_content = 'GIFT_PACKAGE';
    for (const odd of [STOCK.otherPerUser, STOCK.otherInventory, STOCK.otherOwner, STOCK.otherValidity]) {
      body.award_send_rule.award_list = [award(STOCK.packA), award(STOCK.packB), award(odd)];
      expect([odd, ...failure(await create())]).toEqual([odd, ...AWARD_RULES]);
    }
    expect((await stateOf(t.mock)).merchants[CREATOR].paygift).toBeUndefined();
    // The odd stocks are fine on their own: each failure above is the package rule, not the stock.
    body.award_send_rule.send_content = 'SINGLE_COUPON';
    body.award_send_rule.award_list = [award(STOCK.otherOwner)];
    expect((await create()).status).toBe(200);
  });

  it('gift package of four and of five consistent awards -> 200', async () => {
    const img = await uploadedImage(t);
    const award = (stock_id: string) => ({ stock_id, original_image_url: img, thumbnail_url: img });
    body.award_send_rule.send_content = 'GIFT_PACKAGE';
    body.award_send_rule.award_list = [STOCK.packA, STOCK.packB, STOCK.packC, STOCK.packE].map(award);
    expect((await create()).status).toBe(200);
    body.activity_base_info.out_request_no = 'PG-five';
    body.award_send_rule.award_list = [STOCK.packA, STOCK.packB, STOCK.packC, STOCK.packE, STOCK.packF].map(award);
    const res = await create();
    expect(res.status).toBe(200);
    const rule = json(await t.call('GET', `${PAYGIFT}/activities/${json(res).activity_id}`)).award_send_rule.full_send_rule;
    expect(rule.award_list).toHaveLength(5);
  });

  it('a single coupon holds exactly one award', async () => {
    const img = await uploadedImage(t);
    body.award_send_rule.award_list = [STOCK.packA, STOCK.packB].map((stock_id) => ({
      stock_id,
      original_image_url: img,
      thumbnail_url: img,
    }));
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '单张券只能配置1个奖品']);
  });

  it('an award stock that does not exist -> 400 INVALID_REQUEST 商家券信息不满足活动规则', async () => {
    body.award_send_rule.award_list[0].stock_id = '1212999999999999';
    expect(failure(await create())).toEqual(AWARD_RULES);
  });

  it('award validity (seed FAQ): the stock must start before the activity and end after it', async () => {
    body.award_send_rule.award_list[0].stock_id = STOCK.shortLived;
    expect(failure(await create())).toEqual(AWARD_RULES);
    // The same stock covers a January activity.
    body.activity_base_info.begin_time = '2026-01-05T00:00:00+08:00';
    body.activity_base_info.end_time = '2026-01-25T00:00:00+08:00';
    expect((await create()).status).toBe(200);
  });

  it('award validity (seed FAQ) is strict: a stock that begins or ends at the same second as the activity -> 400 INVALID_REQUEST', async () => {
    // STOCK.normal is valid 2025-01-01T00:00:00+08:00 – 2030-12-31T23:59:59+08:00.
    delete body.activity_base_info.available_periods;
    const window = (begin_time: string, end_time: string, no: string) =>
      Object.assign(body.activity_base_info, { begin_time, end_time, out_request_no: no });
    window('2025-01-01T00:00:00+08:00', '2025-02-01T00:00:00+08:00', 'PG-b0');
    expect(failure(await create())).toEqual(AWARD_RULES);
    window('2025-01-01T00:00:01+08:00', '2025-02-01T00:00:00+08:00', 'PG-b1');
    expect((await create()).status).toBe(200);
    // An activity ends within a year of now (最长可以配置1年内的活动): the stock's last month is reached from mid-2030.
    await t.mock.clock.freeze(Date.parse('2030-06-01T00:00:00+08:00'));
    window('2030-12-01T00:00:00+08:00', '2030-12-31T23:59:59+08:00', 'PG-e0');
    expect(failure(await create())).toEqual(AWARD_RULES);
    window('2030-12-01T00:00:00+08:00', '2030-12-31T23:59:58+08:00', 'PG-e1');
    expect((await create()).status).toBe(200);
  });

  it('the whole activity within a year of now (最长可以配置1年内的活动): end_time 31,536,000 s after now or later -> 400 PARAM_ERROR', async () => {
    // NOW is 2026-03-01T00:00:00+08:00; a 2026-03-01 + 365 days end is one second too far, a second before is fine.
    delete body.activity_base_info.available_periods;
    Object.assign(body.activity_base_info, { begin_time: '2027-02-01T00:00:00+08:00', end_time: '2027-03-01T00:00:00+08:00' });
    expect(failure(await create())).toEqual([400, 'PARAM_ERROR', '最长可以配置1年内的活动']);
    Object.assign(body.activity_base_info, { end_time: '2027-02-28T23:59:59+08:00' });
    expect((await create()).status).toBe(200);
  });

  it('upload-code stocks (seed FAQ): codes must be uploaded before the stock is used', async () => {
    body.award_send_rule.award_list[0].stock_id = STOCK.uploadNoCodes;
    expect(failure(await create())).toEqual(AWARD_RULES);
    body.award_send_rule.award_list[0].stock_id = STOCK.uploadWithCodes;
    expect((await create()).status).toBe(200);
  });

  it('same brand (seed FAQ): an award stock of another brand -> 发券商户号校验失败; of the same brand -> ok', async () => {
    body.award_send_rule.award_list[0].stock_id = STOCK.otherBrand;
    expect(failure(await create())).toEqual(SAME_BRAND_RULE);
    body.award_send_rule.award_list[0].stock_id = STOCK.sameBrand;
    expect((await create()).status).toBe(200);
  });

  it('same brand (seed FAQ): a sending merchant of another brand -> 发券商户号校验失败; unknown -> MCH_NOT_EXISTS', async () => {
    body.award_send_rule.merchant_id_list = [CREATOR, UNRELATED];
    expect(failure(await create())).toEqual(SAME_BRAND_RULE);
    body.award_send_rule.merchant_id_list = [CREATOR, '1999999999'];
    expect(failure(await create())).toEqual([400, 'MCH_NOT_EXISTS', '商户号不合法']);
  });

  it('a merchant of another brand creates with its own brand: its stock and merchants pass, the creator brand does not', async () => {
    body.award_send_rule.award_list[0].stock_id = STOCK.otherBrand;
    body.award_send_rule.merchant_id_list = [UNRELATED, '1900000004'];
    body.activity_base_info.delivery_purpose = 'OFF_LINE_PAY';
    expect((await create(body, UNRELATED)).status).toBe(200);
    body.activity_base_info.out_request_no = 'PG-other-2';
    body.award_send_rule.merchant_id_list = [UNRELATED, CREATOR];
    expect(failure(await create(body, UNRELATED))).toEqual(SAME_BRAND_RULE);
  });

  it('a rejected create changes nothing', async () => {
    body.award_send_rule.award_list[0].stock_id = STOCK.uploadNoCodes;
    await create();
    expect((await stateOf(t.mock)).merchants[CREATOR].paygift).toBeUndefined();
    const list = await t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10`);
    expect(json(list).total_count).toBe(0);
  });

  it('idempotent on out_request_no: same content -> same activity; other content -> 400 RESOURCE_ALREADY_EXISTS', async () => {
    const first = json(await create());
    await t.mock.clock.advance(60_000);
    // Same content with keys in another order.
    const reordered = {
      advanced_setting: body.advanced_setting,
      award_send_rule: body.award_send_rule,
      activity_base_info: body.activity_base_info,
    };
    const again = await create(reordered);
    expect(again.status).toBe(200);
    expect(json(again)).toEqual(first);
    body.activity_base_info.activity_name = '另一个活动';
    expect(failure(await create())).toEqual([400, 'RESOURCE_ALREADY_EXISTS', '创建请求重入，但本次请求与上次请求信息不一致']);
    const list = json(await t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10`));
    expect(list.total_count).toBe(1);
    // out_request_no is unique per merchant: the same number at another merchant is another activity.
    body.activity_base_info.delivery_purpose = 'OFF_LINE_PAY';
    const other = await create(body, SAME_BRAND);
    expect(other.status).toBe(200);
    expect(json(other).activity_id).not.toBe(first.activity_id);
  });
});

describe('lifecycle by the virtual clock, terminate (POST …/activities/{id}/terminate)', () => {
  it('created before begin_time, ongoing from begin_time, over time after end_time', async () => {
    const id = await createActivity(t, body);
    const status = async () => json(await t.call('GET', `${PAYGIFT}/activities/${id}`)).activity_status;
    expect(await status()).toBe('CREATE_ACT_STATUS');
    await t.mock.clock.set(new Date(BEGIN));
    expect(await status()).toBe('ONGOING_ACT_STATUS');
    await t.mock.clock.set(new Date(END));
    expect(await status()).toBe('ONGOING_ACT_STATUS');
    await t.mock.clock.advance(1000);
    expect(await status()).toBe('OVER_TIME_ACT_STATUS');
  });

  it('terminate: 200 {terminate_time, activity_id}, status TERMINATE_ACT_STATUS; twice -> 400 INVALID_REQUEST', async () => {
    const id = await createActivity(t, body);
    await t.mock.clock.set(new Date('2026-04-10T12:00:00+08:00'));
    const res = await t.call('POST', `${PAYGIFT}/activities/${id}/terminate`);
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(json(res)).toEqual({ terminate_time: '2026-04-10T12:00:00+08:00', activity_id: id });
    const detail = json(await t.call('GET', `${PAYGIFT}/activities/${id}`));
    expect(detail).toMatchObject({ activity_status: 'TERMINATE_ACT_STATUS', update_time: '2026-04-10T12:00:00+08:00' });
    expect(failure(await t.call('POST', `${PAYGIFT}/activities/${id}/terminate`))).toEqual([
      400,
      'INVALID_REQUEST',
      '活动已终止，请勿重复操作',
    ]);
    // Termination wins over the clock.
    await t.mock.clock.set(new Date('2026-06-01T00:00:00+08:00'));
    expect(json(await t.call('GET', `${PAYGIFT}/activities/${id}`)).activity_status).toBe('TERMINATE_ACT_STATUS');
  });

  describe('terminate has no body (api-reference.md §3.5)', () => {
    const terminate = (id: string) => `${PAYGIFT}/activities/${id}/terminate`;
    const statusOf = async (id: string) => json(await t.call('GET', `${PAYGIFT}/activities/${id}`)).activity_status;

    it('the signature covers an empty body line; the four-line form wechatpay-node-v3 signs for body-less POSTs -> 401 SIGN_ERROR', async () => {
      const id = await createActivity(t, body);
      const target = terminate(id);
      // protocol.md §7.2: `POST\nurl\nts\nnonce\n` without the body line — the real server rejects it.
      const m = t.mock.credentials.merchants.find((x) => x.mchid === CREATOR)!;
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = 'NODEV3FOURLINES0';
      const signature = createSign('RSA-SHA256').update(`POST\n${target}\n${ts}\n${nonce}\n`).sign(m.merchant_private_key, 'base64');
      const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${CREATOR}",nonce_str="${nonce}",timestamp="${ts}",serial_no="${m.merchant_serial_no}",signature="${signature}"`;
      const res = await t.call('POST', target, { headers: { Authorization: authorization } });
      expect(failure(res)).toEqual([401, 'SIGN_ERROR', '错误的签名，验签失败']);
      expect(res.headers['wechatpay-signature']).toBeUndefined();
      expect(await statusOf(id)).toBe('CREATE_ACT_STATUS');
      // The five-line form over the empty body, no Content-Type (what the SDKs send).
      const ok = await t.call('POST', target);
      expect(ok.status).toBe(200);
      // supertest keeps the sent request on the response (untyped): what went on the wire.
      expect((ok as unknown as { req: { getHeader(name: string): unknown } }).req.getHeader('content-type')).toBeUndefined();
      t.verifyReply(ok);
      expect(await statusOf(id)).toBe('TERMINATE_ACT_STATUS');
    });

    it('a client that sends `{}` and signs it -> 200; `{}` sent but an empty body signed -> 401 SIGN_ERROR, nothing terminated', async () => {
      const id = await createActivity(t, body);
      const target = terminate(id);
      const unsigned = await t.call('POST', target, {
        rawBody: '{}',
        headers: { Authorization: t.signer().authorization('POST', target, ''), 'Content-Type': 'application/json' },
      });
      expect(failure(unsigned)).toEqual([401, 'SIGN_ERROR', '错误的签名，验签失败']);
      expect(json(unsigned).detail.sign_information.truncated_sign_message).toMatch(/\n\{\}\n$/);
      expect(await statusOf(id)).toBe('CREATE_ACT_STATUS');
      const res = await t.call('POST', target, { rawBody: '{}' });
      expect(res.status).toBe(200);
      expect(json(res)).toEqual({ terminate_time: NOW, activity_id: id });
    });

    it('a body with a field -> 400 PARAM_ERROR 请求中含有未在API文档中定义的参数; not JSON -> 400 INVALID_REQUEST; not an object -> 400 PARAM_ERROR; nothing terminated', async () => {
      const id = await createActivity(t, body);
      const target = terminate(id);
      const withField = await t.call('POST', target, { body: { activity_id: id, reason: '提前结束' } });
      expect(json(withField)).toEqual({
        code: 'PARAM_ERROR',
        message: '请求中含有未在API文档中定义的参数',
        detail: { location: null, value: ['/body/activity_id', '/body/reason'] },
      });
      expect(withField.status).toBe(400);
      expect(failure(await t.call('POST', target, { rawBody: 'terminate', headers: { 'Content-Type': 'application/json' } }))).toEqual([
        400,
        'INVALID_REQUEST',
        '请求体不是合法的JSON格式',
      ]);
      expect(failure(await t.call('POST', target, { rawBody: '[]' }))).toEqual([
        400,
        'PARAM_ERROR',
        '无法将传入参数“请求体”转换为object类型。',
      ]);
      expect(await statusOf(id)).toBe('CREATE_ACT_STATUS');
    });
  });

  it('terminate after end_time -> 400 INVALID_REQUEST 活动已过期，无法终止', async () => {
    const id = await createActivity(t, body);
    await t.mock.clock.set(new Date('2026-06-01T00:00:00+08:00'));
    expect(failure(await t.call('POST', `${PAYGIFT}/activities/${id}/terminate`))).toEqual([
      400,
      'INVALID_REQUEST',
      '活动已过期，无法终止',
    ]);
  });

  it('another merchant can neither see nor change the activity: 404 RESOURCE_NOT_EXISTS 活动不存在 everywhere, 403 NO_AUTH for its sending merchant', async () => {
    const id = await createActivity(t, body);
    // SAME_BRAND is one of the activity's sending merchants: it knows the id, so the §1.4 NO_AUTH.
    const NO_AUTH = [403, 'NO_AUTH', '商户无权限操作该活动'];
    for (const mchid of [SAME_BRAND, UNRELATED]) {
      const NOT_FOUND_FOR = mchid === SAME_BRAND ? NO_AUTH : NOT_FOUND;
      expect(failure(await t.call('GET', `${PAYGIFT}/activities/${id}`, { mchid }))).toEqual(NOT_FOUND_FOR);
      expect(failure(await t.call('GET', `${PAYGIFT}/activities/${id}/merchants`, { mchid }))).toEqual(NOT_FOUND_FOR);
      expect(failure(await t.call('GET', `${PAYGIFT}/activities/${id}/goods`, { mchid }))).toEqual(NOT_FOUND_FOR);
      expect(failure(await t.call('POST', `${PAYGIFT}/activities/${id}/terminate`, { mchid }))).toEqual(NOT_FOUND_FOR);
      expect(
        failure(
          await t.call('POST', `${PAYGIFT}/activities/${id}/merchants/add`, {
            mchid,
            body: { merchant_id_list: [mchid], add_request_no: 'A1' },
          }),
        ),
      ).toEqual(NOT_FOUND_FOR);
      expect(
        failure(
          await t.call('POST', `${PAYGIFT}/activities/${id}/merchants/delete`, {
            mchid,
            body: { merchant_id_list: [CREATOR], delete_request_no: 'D1' },
          }),
        ),
      ).toEqual(NOT_FOUND_FOR);
      expect(json(await t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10`, { mchid }))).toEqual({
        data: [],
        total_count: 0,
        offset: 0,
        limit: 10,
      });
    }
    expect(json(await t.call('GET', `${PAYGIFT}/activities/${id}`)).activity_status).toBe('CREATE_ACT_STATUS');
    expect(json(await t.call('GET', `${PAYGIFT}/activities/${id}/merchants`)).total_count).toBe(2);
  });

  it('an unknown activity id -> 404 RESOURCE_NOT_EXISTS 活动不存在', async () => {
    expect(failure(await t.call('GET', `${PAYGIFT}/activities/99999999`))).toEqual(NOT_FOUND);
    expect(failure(await t.call('POST', `${PAYGIFT}/activities/99999999/terminate`))).toEqual(NOT_FOUND);
  });
});

describe('sending merchants: list, add, delete', () => {
  let id: string;
  beforeEach(async () => {
    id = await createActivity(t, body);
  });
  const merchants = async (query = '') => json(await t.call('GET', `${PAYGIFT}/activities/${id}/merchants${query}`));
  const add = (merchant_id_list: string[], add_request_no: string) =>
    t.call('POST', `${PAYGIFT}/activities/${id}/merchants/add`, { body: { merchant_id_list, add_request_no } });
  const del = (merchant_id_list: string[], delete_request_no: string) =>
    t.call('POST', `${PAYGIFT}/activities/${id}/merchants/delete`, { body: { merchant_id_list, delete_request_no } });

  it('GET …/merchants lists mchid, merchant_name and times; offset is a page index (default 0), limit defaults to 20', async () => {
    expect(await merchants()).toEqual({
      data: [
        { mchid: CREATOR, merchant_name: '示例咖啡旗舰店', create_time: NOW, update_time: NOW },
        { mchid: SAME_BRAND, merchant_name: '示例咖啡分店', create_time: NOW, update_time: NOW },
      ],
      total_count: 2,
      offset: 0,
      limit: 20,
      activity_id: id,
    });
    const second = await merchants('?offset=1&limit=1');
    expect(second.data.map((m: { mchid: string }) => m.mchid)).toEqual([SAME_BRAND]);
    expect(second).toMatchObject({ total_count: 2, offset: 1, limit: 1 });
    expect((await merchants('?offset=2&limit=1')).data).toEqual([]);
  });

  it('GET …/merchants: limit outside 1–100 -> 400 PARAM_ERROR', async () => {
    const res = await t.call('GET', `${PAYGIFT}/activities/${id}/merchants?limit=0`);
    expect(failure(res)).toEqual([400, 'PARAM_ERROR', '输入源“/query/limit”映射到值字段“分页大小”数值规则校验失败，取值 0，小于最小值 1']);
  });

  it('merchants/add: same-brand merchants are added; unknown and other-brand ones are reported in invalid_merchant_id_list', async () => {
    await t.call('POST', `${PAYGIFT}/activities/${id}/merchants/delete`, {
      body: { merchant_id_list: [SAME_BRAND], delete_request_no: 'D0' },
    });
    await t.mock.clock.advance(3600_000);
    const res = await add([SAME_BRAND, UNRELATED, '1999999999', CREATOR], 'ADD-1');
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(json(res)).toEqual({
      activity_id: id,
      invalid_merchant_id_list: [
        { mchid: UNRELATED, invalid_reason: '发券商户号校验失败，请核实是否满足同品牌等规则' },
        { mchid: '1999999999', invalid_reason: '商户号不存在' },
      ],
      add_time: '2026-03-01T01:00:00+08:00',
    });
    const list = await merchants();
    expect(list.data.map((m: { mchid: string }) => m.mchid)).toEqual([CREATOR, SAME_BRAND]);
    expect(list.data[1]).toMatchObject({ create_time: '2026-03-01T01:00:00+08:00' });
    expect(json(await t.call('GET', `${PAYGIFT}/activities/${id}`)).update_time).toBe('2026-03-01T01:00:00+08:00');
  });

  it('merchants/add is idempotent on add_request_no: same content -> same reply; other content -> 400 RESOURCE_ALREADY_EXISTS', async () => {
    const first = json(await add([UNRELATED], 'ADD-2'));
    await t.mock.clock.advance(60_000);
    const again = await add([UNRELATED], 'ADD-2');
    expect(json(again)).toEqual(first);
    expect(failure(await add([SAME_BRAND], 'ADD-2'))).toEqual([
      400,
      'RESOURCE_ALREADY_EXISTS',
      '请求业务单据号重复，但本次请求与上次请求信息不一致',
    ]);
  });

  it('merchants/add: ids of 8–15 characters, 1–500 of them, add_request_no required', async () => {
    expect(failure(await add(['1234567'], 'ADD-3'))).toEqual(
      paramError('/merchant_id_list/0', '值字段“发券商户号”字符串规则校验失败，字符数 7，小于最小值 8'),
    );
    expect(failure(await add([], 'ADD-3'))).toEqual(
      paramError('/merchant_id_list', '值字段“发券商户号”数组规则校验失败，元素个数小于最小值 1'),
    );
    const res = await t.call('POST', `${PAYGIFT}/activities/${id}/merchants/add`, { body: { merchant_id_list: [SAME_BRAND] } });
    expect(failure(res)).toEqual(required('/add_request_no', '请求业务单据号'));
  });

  it('merchants/delete removes them and is idempotent on delete_request_no', async () => {
    await t.mock.clock.advance(60_000);
    const res = await del([SAME_BRAND, '1999999999'], 'DEL-1');
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(json(res)).toEqual({ delete_time: '2026-03-01T00:01:00+08:00', activity_id: id });
    expect((await merchants()).data.map((m: { mchid: string }) => m.mchid)).toEqual([CREATOR]);
    await t.mock.clock.advance(60_000);
    expect(json(await del([SAME_BRAND, '1999999999'], 'DEL-1'))).toEqual(json(res));
    expect(failure(await del([CREATOR], 'DEL-1'))).toEqual([
      400,
      'RESOURCE_ALREADY_EXISTS',
      '请求业务单据号重复，但本次请求与上次请求信息不一致',
    ]);
    expect((await merchants()).total_count).toBe(1);
  });

  it('add/delete on a terminated activity -> 400 INVALID_REQUEST 活动已终止，无法修改发券商户号; after end_time -> 活动已过期', async () => {
    await t.call('POST', `${PAYGIFT}/activities/${id}/terminate`);
    expect(failure(await add([SAME_BRAND], 'ADD-9'))).toEqual([400, 'INVALID_REQUEST', '活动已终止，无法修改发券商户号']);
    expect(failure(await del([SAME_BRAND], 'DEL-9'))).toEqual([400, 'INVALID_REQUEST', '活动已终止，无法修改发券商户号']);
    const other = await createActivity(t, { ...body, activity_base_info: { ...body.activity_base_info, out_request_no: 'PG-2' } });
    await t.mock.clock.set(new Date('2026-06-01T00:00:00+08:00'));
    const res = await t.call('POST', `${PAYGIFT}/activities/${other}/merchants/add`, {
      body: { merchant_id_list: [SAME_BRAND], add_request_no: 'ADD-10' },
    });
    expect(failure(res)).toEqual([400, 'INVALID_REQUEST', '活动已过期，无法修改发券商户号']);
  });

  it('GET …/goods: a 全场满额送 activity designates no goods', async () => {
    const res = await t.call('GET', `${PAYGIFT}/activities/${id}/goods?offset=0&limit=10`);
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(json(res)).toEqual({ data: [], total_count: 0, offset: 0, limit: 10, activity_id: id });
    expect(json(await t.call('GET', `${PAYGIFT}/activities/${id}/goods`))).toMatchObject({ offset: 0, limit: 20 });
  });
});

describe('list (GET /v3/marketing/paygiftactivity/activities)', () => {
  const list = (query: string) => t.call('GET', `${PAYGIFT}/activities?${query}`);
  const ids = (res: { body: unknown }) => json(res as never).data.map((a: { activity_id: string }) => a.activity_id);

  async function three() {
    const make = async (no: string, name: string, begin: string, end: string) => {
      const b = await createBody(t, no);
      Object.assign(b.activity_base_info, { activity_name: name, begin_time: begin, end_time: end, available_periods: undefined });
      delete b.activity_base_info.available_periods;
      return createActivity(t, b);
    };
    const spring = await make('L1', '春季满额送', BEGIN, END);
    const summer = await make('L2', '夏季满额送', '2026-06-01T00:00:00+08:00', '2026-07-01T00:00:00+08:00');
    const gone = await make('L3', '开业回馈', '2026-03-02T00:00:00+08:00', '2026-03-10T00:00:00+08:00');
    return { spring, summer, gone };
  }

  it('newest first, with total_count, offset and limit; merchant_id_list is not returned (seed FAQ)', async () => {
    const { spring, summer, gone } = await three();
    const res = await list('offset=0&limit=10');
    expect(res.status).toBe(200);
    t.verifyReply(res);
    const page = json(res);
    expect(ids(res)).toEqual([gone, summer, spring]);
    expect(page).toMatchObject({ total_count: 3, offset: 0, limit: 10 });
    for (const a of page.data) {
      expect(a.award_send_rule.full_send_rule.merchant_id_list).toEqual([]);
      expect(a).toMatchObject({ activity_type: 'FULL_SEND_ACT_TYPE', creator_merchant_id: CREATOR, belong_merchant_id: CREATOR });
    }
  });

  it('offset is a page index: offset=1&limit=2 is the third activity', async () => {
    const { spring } = await three();
    const res = await list('offset=1&limit=2');
    expect(ids(res)).toEqual([spring]);
    expect(json(res)).toMatchObject({ total_count: 3, offset: 1, limit: 2 });
  });

  it('filters: activity_name (fuzzy), activity_status (from the clock), award_type', async () => {
    const { spring, summer, gone } = await three();
    expect(ids(await list(`offset=0&limit=10&activity_name=${encodeURIComponent('满额')}`))).toEqual([summer, spring]);
    await t.mock.clock.set(new Date('2026-04-15T00:00:00+08:00'));
    expect(ids(await list('offset=0&limit=10&activity_status=ONGOING_ACT_STATUS'))).toEqual([spring]);
    expect(ids(await list('offset=0&limit=10&activity_status=OVER_TIME_ACT_STATUS'))).toEqual([gone]);
    expect(ids(await list('offset=0&limit=10&activity_status=CREATE_ACT_STATUS'))).toEqual([summer]);
    await t.call('POST', `${PAYGIFT}/activities/${summer}/terminate`);
    expect(ids(await list('offset=0&limit=10&activity_status=TERMINATE_ACT_STATUS'))).toEqual([summer]);
    expect(ids(await list('offset=0&limit=10&award_type=BUSIFAVOR'))).toEqual([gone, summer, spring]);
  });

  it('limit must be 1–100 and offset at least 0; both are required', async () => {
    expect(failure(await list('offset=0&limit=0'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/limit”映射到值字段“分页大小”数值规则校验失败，取值 0，小于最小值 1',
    ]);
    expect(failure(await list('offset=0&limit=101'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/limit”映射到值字段“分页大小”数值规则校验失败，取值 101，大于最大值 100',
    ]);
    expect(failure(await list('offset=-1&limit=10'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/offset”映射到值字段“分页页码”数值规则校验失败，取值 -1，小于最小值 0',
    ]);
    expect(failure(await list('offset=0'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/limit”映射到字段“分页大小”必填性规则校验失败，此字段为必填项',
    ]);
    expect(failure(await list('offset=0&limit=ten'))).toEqual([400, 'PARAM_ERROR', '无法将传入参数“分页大小”转换为int64类型。']);
    expect((await list('offset=0&limit=100')).status).toBe(200);
  });

  it('activity_status and award_type outside their enums -> 400 PARAM_ERROR; activity_name at most 10 characters', async () => {
    expect(failure(await list('offset=0&limit=10&activity_status=RUNNING'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/activity_status”映射到值字段“活动状态”枚举规则校验失败，取值不在允许范围内',
    ]);
    expect(failure(await list('offset=0&limit=10&award_type=FAVOR'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/award_type”映射到值字段“奖品类型”枚举规则校验失败，取值不在允许范围内',
    ]);
    const long = await list(`offset=0&limit=10&activity_name=${encodeURIComponent('一二三四五六七八九十一')}`);
    expect(failure(long)).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/activity_name”映射到值字段“活动名称”字符串规则校验失败，字符数 11，大于最大值 10',
    ]);
  });
});
