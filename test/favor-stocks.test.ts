/**
 * 代金券 stocks: create (every §2.1 limit and the developer guide's FAQ), idempotency, the §6 state
 * machine with the prepaid budget lock, detail, list, available merchants and items — each rule with
 * the real status, code and message.
 */
import { describe, expect, it } from 'vitest';
import { balanceOf, CREATOR, json, newMock, SAME_BRAND, stateOf, UNRELATED } from './helpers/mock.js';
import { uploadedImage } from './helpers/paygift.js';
import {
  APP,
  BRANCH_APP,
  createStock,
  END,
  err,
  favorMock,
  NOW,
  NOW_MS,
  POOR,
  requestNo,
  runningStock,
  stockAction,
  stockBody,
  stockPath,
  STOCKS,
} from './helpers/favor.js';

const SPECIAL = [403, 'NO_AUTH', '你配置的信息需要开通特殊权限'];
const WINDOW = [403, 'REQUEST_BLOCKED', '活动未开始或已结束\n'];
const RULE = [400, 'INVALID_REQUEST', '批次发放规则或核销规则有误，请修改后重试'];
const DAY = 86_400_000;
const at = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

const t = favorMock();

const create = (overrides: Record<string, unknown> = {}, mchid = CREATOR) =>
  t.call('POST', STOCKS, { body: stockBody(overrides, mchid), mchid });
const detail = (stockId: string, creator = CREATOR, mchid = CREATOR) =>
  t.call('GET', `${stockPath(stockId)}?stock_creator_mchid=${creator}`, { mchid });
const stocksOf = async (mchid: string) => Object.keys((await stateOf(t.mock)).merchants[mchid].favor?.stocks ?? {});

describe('create stock (POST /v3/marketing/favor/coupon-stocks)', () => {
  it('creates an unactivated stock: 200 {stock_id, create_time}, signed; the detail shows what was sent', async () => {
    const res = await create({
      stock_use_rule: { max_amount_by_day: 500 },
      coupon_use_rule: { goods_tag: ['tag_1'], trade_type: ['MICROAPP'], combine_use: false },
    });
    expect(res.status).toBe(200);
    t.verifyReply(res);
    const body = json(res);
    expect(Object.keys(body)).toEqual(['stock_id', 'create_time']);
    expect(body.create_time).toBe('2026-03-02T10:00:00.000+08:00');
    const stock = json(await detail(body.stock_id));
    expect(stock).toEqual({
      stock_id: body.stock_id,
      stock_creator_mchid: CREATOR,
      stock_name: '测试代金券',
      status: 'unactivated',
      create_time: '2026-03-02T10:00:00.000+08:00',
      description: '满10元减1元',
      stock_use_rule: {
        max_coupons: 10,
        max_amount: 1000,
        max_amount_by_day: 500,
        fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 },
        max_coupons_per_user: 3,
        coupon_type: 'NORMAL',
        goods_tag: ['tag_1'],
        trade_type: ['MICROAPP'],
        combine_use: false,
      },
      available_begin_time: '2026-03-02T10:00:00.000+08:00',
      available_end_time: '2026-03-31T23:59:59.000+08:00',
      distributed_coupons: 0,
      no_cash: true,
      singleitem: false,
      stock_type: 'NORMAL',
    });
  });

  it('idempotent on out_request_no: the same content answers the first stock; other content → 400 RESOURCE_ALREADY_EXISTS', async () => {
    const body = stockBody();
    const first = await t.call('POST', STOCKS, { body });
    await t.mock.clock.advance(60_000);
    // Same content, keys in another order: the first result, although begin is now in the past.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await t.call('POST', STOCKS, { body: reordered });
    expect(again.status).toBe(200);
    expect(json(again)).toEqual(json(first));
    const other = await t.call('POST', STOCKS, { body: { ...body, stock_name: '另一个批次' } });
    expect(err(other)).toEqual([400, 'RESOURCE_ALREADY_EXISTS', '创建请求重入，但本次请求与上次请求信息不一致']);
    expect(await stocksOf(CREATOR)).toHaveLength(1);
  });

  it('out_request_no is per merchant: another merchant may use the same number', async () => {
    const no = requestNo();
    expect((await t.call('POST', STOCKS, { body: stockBody({ out_request_no: no }) })).status).toBe(200);
    expect((await t.call('POST', STOCKS, { body: stockBody({ out_request_no: no }, SAME_BRAND), mchid: SAME_BRAND })).status).toBe(200);
  });

  it('belong_merchant other than the caller → 400 PARAM_ERROR http header中的mchid与post payload中的mchid不匹配', async () => {
    const res = await create({ belong_merchant: SAME_BRAND });
    expect(err(res)).toEqual([400, 'PARAM_ERROR', 'http header中的mchid与post payload中的mchid不匹配']);
    expect(json(res).detail).toMatchObject({ field: '/belong_merchant', location: 'body' });
  });

  it('max_amount ≠ coupon_amount × max_coupons → 400 PARAM_ERROR 批次预算等于批次面额乘以发券数 (FAQ 2, observed)', async () => {
    const res = await create({
      stock_use_rule: { max_amount: 100, max_coupons: 10 },
      coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 } },
    });
    expect(err(res)).toEqual([400, 'PARAM_ERROR', '批次预算等于批次面额乘以发券数']);
  });

  it('threshold not above the face value → 400 PARAM_ERROR 券面额必须大于0 (observed); so does a face value of 0', async () => {
    // The observed request: coupon_amount 1000, transaction_minimum 100, budget right.
    const below = await create({
      stock_use_rule: { max_coupons: 10, max_amount: 10000 },
      coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 1000, transaction_minimum: 100 } },
    });
    expect(err(below)).toEqual([400, 'PARAM_ERROR', '券面额必须大于0']);
    const equal = await create({ coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 100 } } });
    expect(err(equal)).toEqual([400, 'PARAM_ERROR', '券面额必须大于0']);
    // A face value of 0 is refused before the budget is compared (its budget could only be 0, which the contract refuses).
    const zero = await create({ coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 0, transaction_minimum: 100 } } });
    expect(err(zero)).toEqual([400, 'PARAM_ERROR', '券面额必须大于0']);
    expect(err(await create({ stock_use_rule: { max_amount: 0 } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/stock_use_rule/max_amount”映射到值字段“总预算”数值规则校验失败，取值 0，小于最小值 1',
    ]);
  });

  it('max_coupons_per_user over 60 → 403 NO_AUTH 你配置的信息需要开通特殊权限 (observed with 100); 60 is fine; 0 too is refused (FAQ)', async () => {
    expect(err(await create({ stock_use_rule: { max_coupons: 100, max_amount: 10000, max_coupons_per_user: 100 } }))).toEqual(SPECIAL);
    expect(err(await create({ stock_use_rule: { max_coupons: 100, max_amount: 10000, max_coupons_per_user: 61 } }))).toEqual(SPECIAL);
    expect(err(await create({ stock_use_rule: { max_coupons_per_user: 0 } }))).toEqual(SPECIAL);
    expect((await create({ stock_use_rule: { max_coupons: 100, max_amount: 10000, max_coupons_per_user: 60 } })).status).toBe(200);
  });

  it('max_coupons_per_user above max_coupons → 400 PARAM_ERROR', async () => {
    const res = await create({ stock_use_rule: { max_coupons: 10, max_amount: 1000, max_coupons_per_user: 11 } });
    expect(err(res)).toEqual([400, 'PARAM_ERROR', '单个用户可领个数不能大于发放总上限']);
  });

  it('FAQ 1 (special permission): a name over 9 Chinese characters, face value outside 10–100000 fen, threshold outside 0.1–100000 CNY', async () => {
    expect(err(await create({ stock_name: '一二三四五六七八九十' }))).toEqual(SPECIAL);
    expect((await create({ stock_name: '一二三四五六七八九' })).status).toBe(200);
    expect((await create({ stock_name: 'ABCDEFGHIJKLMNOPQRST' })).status).toBe(200);
    expect((await create({ stock_name: '满10减1代金券' })).status).toBe(200);
    expect(
      err(
        await create({
          stock_use_rule: { max_amount: 90 },
          coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 9, transaction_minimum: 100 } },
        }),
      ),
    ).toEqual(SPECIAL);
    expect(
      err(
        await create({
          stock_use_rule: { max_amount: 1_000_010 },
          coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100_001, transaction_minimum: 200_000 } },
        }),
      ),
    ).toEqual(SPECIAL);
    expect(
      err(await create({ coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 10_000_001 } } })),
    ).toEqual(SPECIAL);
    expect(
      (await create({ coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 10_000_000 } } })).status,
    ).toBe(200);
  });

  it('FAQ 1: relative validity outside 1–1440 minutes, a stock type other than NORMAL, unusable time parameters, a 0 daily limit', async () => {
    expect(err(await create({ coupon_use_rule: { coupon_available_time: { available_time_after_receive: 1441 } } }))).toEqual(SPECIAL);
    expect(err(await create({ coupon_use_rule: { coupon_available_time: { available_time_after_receive: 0 } } }))).toEqual(SPECIAL);
    expect((await create({ coupon_use_rule: { coupon_available_time: { available_time_after_receive: 1440 } } })).status).toBe(200);
    expect(err(await create({ stock_type: 'DISCOUNT' }))).toEqual(SPECIAL);
    expect(
      err(await create({ coupon_use_rule: { coupon_available_time: { available_begin_time: NOW, available_end_time: END } } })),
    ).toEqual(SPECIAL);
    expect(err(await create({ stock_use_rule: { max_amount_by_day: 0 } }))).toEqual(SPECIAL);
    expect(err(await create({ coupon_use_rule: { unavailable_items: ['sku1'] } }))).toEqual(SPECIAL);
  });

  it('an unknown stock_type → 400 PARAM_ERROR (enum); max_amount_by_day above max_amount → 400 PARAM_ERROR', async () => {
    const res = await create({ stock_type: 'FOO' });
    expect(err(res)).toEqual([400, 'PARAM_ERROR', '输入源“/body/stock_type”映射到值字段“批次类型”枚举规则校验失败，取值不在允许范围内']);
    expect(err(await create({ stock_use_rule: { max_amount_by_day: 1001 } }))).toEqual([
      400,
      'PARAM_ERROR',
      '单天预算发放上限不能大于总预算',
    ]);
  });

  it('§2.1 field limits of the contract → 400 PARAM_ERROR in the real wording, naming the field; the limits themselves are accepted', async () => {
    const P = (path: string, label: string, rule: string) => [400, 'PARAM_ERROR', `输入源“/body${path}”映射到值字段“${label}”${rule}`];
    const merchants = (n: number) => Array.from({ length: n }, (_, i) => String(1900000100 + i));
    const cases: [string, Record<string, unknown>, unknown[]][] = [
      ['comment > 60', { comment: 'c'.repeat(61) }, P('/comment', '批次备注', '字符串规则校验失败，字节数 61，大于最大值 60')],
      [
        'max_coupons < 5',
        { stock_use_rule: { max_coupons: 4, max_amount: 400 } },
        P('/stock_use_rule/max_coupons', '发放总上限', '数值规则校验失败，取值 4，小于最小值 5'),
      ],
      [
        'max_coupons > 10,000,000',
        { stock_use_rule: { max_coupons: 10_000_001, max_amount: 1_000_000_100 } },
        P('/stock_use_rule/max_coupons', '发放总上限', '数值规则校验失败，取值 10000001，大于最大值 10000000'),
      ],
      [
        'max_amount > 100,000,000 CNY',
        { stock_use_rule: { max_coupons: 10_000_000, max_amount: 10_000_000_001 } },
        P('/stock_use_rule/max_amount', '总预算', '数值规则校验失败，取值 10000000001，大于最大值 10000000000'),
      ],
      [
        'out_request_no charset',
        { out_request_no: 'NO#1' },
        P('/out_request_no', '商户单据号', '字符串规则校验失败，字符串必须匹配正则表达式“^[0-9A-Za-z_\\-|*]+$”'),
      ],
      [
        'out_request_no > 128',
        { out_request_no: 'N'.repeat(129) },
        P('/out_request_no', '商户单据号', '字符串规则校验失败，字节数 129，大于最大值 128'),
      ],
      ['ext_info > 128', { ext_info: 'e'.repeat(129) }, P('/ext_info', '扩展属性', '字符串规则校验失败，字节数 129，大于最大值 128')],
      [
        'description > 1000',
        { pattern_info: { description: 'd'.repeat(1001) } },
        P('/pattern_info/description', '使用说明', '字符串规则校验失败，字节数 1001，大于最大值 1000'),
      ],
      [
        'background_color',
        { pattern_info: { background_color: '#B48EAD' } },
        P('/pattern_info/background_color', '背景颜色', '枚举规则校验失败，取值不在允许范围内'),
      ],
      [
        'jump_target',
        { pattern_info: { jump_target: 'H5' } },
        P('/pattern_info/jump_target', '跳转目标', '枚举规则校验失败，取值不在允许范围内'),
      ],
      [
        'available_merchants > 50',
        { no_cash: false, coupon_use_rule: { available_merchants: merchants(51) } },
        P('/coupon_use_rule/available_merchants', '可用商户', '数组规则校验失败，元素个数大于最大值 50'),
      ],
      [
        'available_merchants item > 20',
        { no_cash: false, coupon_use_rule: { available_merchants: ['1'.repeat(21)] } },
        P('/coupon_use_rule/available_merchants/0', '可用商户', '字符串规则校验失败，字节数 21，大于最大值 20'),
      ],
      [
        'available_items > 50',
        { coupon_use_rule: { goods_tag: ['tag'], available_items: Array.from({ length: 51 }, (_, i) => `sku${i}`) } },
        P('/coupon_use_rule/available_items', '可核销商品编码', '数组规则校验失败，元素个数大于最大值 50'),
      ],
      [
        'available_items item > 128',
        { coupon_use_rule: { goods_tag: ['tag'], available_items: ['s'.repeat(129)] } },
        P('/coupon_use_rule/available_items/0', '可核销商品编码', '字符串规则校验失败，字节数 129，大于最大值 128'),
      ],
      [
        'available_week_day 7',
        { coupon_use_rule: { coupon_available_time: { fix_available_time: { available_week_day: [7], begin_time: 0 } } } },
        P(
          '/coupon_use_rule/coupon_available_time/fix_available_time/available_week_day/0',
          '可用星期数',
          '数值规则校验失败，取值 7，大于最大值 6',
        ),
      ],
      [
        'fix begin_time < 0',
        { coupon_use_rule: { coupon_available_time: { fix_available_time: { begin_time: -1 } } } },
        P(
          '/coupon_use_rule/coupon_available_time/fix_available_time/begin_time',
          '当天开始时间',
          '数值规则校验失败，取值 -1，小于最小值 0',
        ),
      ],
      [
        'fix end_time > 86399',
        { coupon_use_rule: { coupon_available_time: { fix_available_time: { begin_time: 0, end_time: 86_400 } } } },
        P(
          '/coupon_use_rule/coupon_available_time/fix_available_time/end_time',
          '当天结束时间',
          '数值规则校验失败，取值 86400，大于最大值 86399',
        ),
      ],
      ['stock_use_rule missing', { stock_use_rule: undefined }, [400, 'PARAM_ERROR', '参数“发放规则”是必填项']],
      [
        'natural_person_limit missing',
        { stock_use_rule: { natural_person_limit: undefined } },
        [400, 'PARAM_ERROR', '参数“是否开启自然人限制”是必填项'],
      ],
      [
        'coupon_amount not an integer',
        { coupon_use_rule: { fixed_normal_coupon: { coupon_amount: '100' } } },
        [400, 'PARAM_ERROR', '无法将传入参数“面额”转换为int64类型。'],
      ],
    ];
    for (const [rule, overrides, expected] of cases) expect([rule, ...err(await create(overrides))]).toEqual([rule, ...expected]);
    expect((await stateOf(t.mock)).merchants[CREATOR].favor).toBeUndefined();

    const limits: [string, Record<string, unknown>][] = [
      ['60-character comment (characters, not bytes)', { comment: '备'.repeat(60) }],
      ['max_coupons 5', { stock_use_rule: { max_coupons: 5, max_amount: 500 } }],
      ['50 available merchants (prepaid)', { no_cash: false, coupon_use_rule: { available_merchants: merchants(50) } }],
      ['out_request_no with | _ * -', { out_request_no: `A|b_c*d-${requestNo()}` }],
      [
        'weekly window, every day, whole day',
        {
          coupon_use_rule: {
            coupon_available_time: { fix_available_time: { available_week_day: [0, 1, 2, 3, 4, 5, 6], begin_time: 0, end_time: 86_399 } },
          },
        },
      ],
      ['both background_color spellings', { pattern_info: { background_color: 'Color010' } }],
    ];
    for (const [rule, overrides] of limits) expect([rule, (await create(overrides)).status]).toEqual([rule, 200]);
  });

  it('the window: begin in the past, more than 365 days ahead, end not after begin, over 90 days → 403 REQUEST_BLOCKED "活动未开始或已结束\\n" (FAQ 3)', async () => {
    expect(err(await create({ available_begin_time: at(NOW_MS - 1000) }))).toEqual(WINDOW);
    expect(err(await create({ available_begin_time: at(NOW_MS + 366 * DAY), available_end_time: at(NOW_MS + 367 * DAY) }))).toEqual(WINDOW);
    expect((await create({ available_begin_time: at(NOW_MS + 365 * DAY), available_end_time: at(NOW_MS + 366 * DAY) })).status).toBe(200);
    expect(err(await create({ available_end_time: NOW }))).toEqual(WINDOW);
    expect(err(await create({ available_end_time: at(NOW_MS + 90 * DAY + 1000) }))).toEqual(WINDOW);
    expect((await create({ available_end_time: at(NOW_MS + 90 * DAY) })).status).toBe(200);
  });

  it('stock_name with _ , ; | → 400 PARAM_ERROR; longer than 20 characters → 400 PARAM_ERROR; missing → 参数“批次名称”是必填项', async () => {
    for (const name of ['满10_减1', '满10,减1', '满10;减1', '满10|减1']) {
      expect(err(await create({ stock_name: name }))).toEqual([400, 'PARAM_ERROR', '批次名称中不能包含不当内容和特殊字符 _ , ; |']);
    }
    expect(json(await create({ stock_name: 'A'.repeat(21) })).message).toBe(
      '输入源“/body/stock_name”映射到值字段“批次名称”字符串规则校验失败，字节数 21，大于最大值 20',
    );
    expect(err(await create({ stock_name: undefined }))).toEqual([400, 'PARAM_ERROR', '参数“批次名称”是必填项']);
  });

  it('a malformed time → 400 PARAM_ERROR 输入时间格式错误; an undeclared field → 请求中含有未在API文档中定义的参数', async () => {
    expect(err(await create({ available_begin_time: '2026-03-02 10:00:00' }))).toEqual([400, 'PARAM_ERROR', '输入时间格式错误']);
    const undeclared = await create({ singleitem: true });
    expect(json(undeclared)).toEqual({
      code: 'PARAM_ERROR',
      message: '请求中含有未在API文档中定义的参数',
      detail: { location: null, value: ['/body/singleitem'] },
    });
  });

  it('goods_tag: [] → 无法将传入参数“订单优惠标记”转换为string/bytes类型。; single-item without goods_tag → 参数“订单优惠标记”是必填项 (observed)', async () => {
    expect(err(await create({ coupon_use_rule: { goods_tag: [] } }))).toEqual([
      400,
      'PARAM_ERROR',
      '无法将传入参数“订单优惠标记”转换为string/bytes类型。',
    ]);
    expect(err(await create({ coupon_use_rule: { available_items: ['9310297009473'] } }))).toEqual([
      400,
      'PARAM_ERROR',
      '参数“订单优惠标记”是必填项',
    ]);
    expect(err(await create({ coupon_use_rule: { goods_tag: ['a-b'] } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/goods_tag/0”映射到值字段“订单优惠标记”字符串规则校验失败，字符串必须匹配正则表达式“^[0-9A-Za-z_]+$”',
    ]);
    expect(err(await create({ coupon_use_rule: { goods_tag: Array.from({ length: 51 }, (_, i) => `tag${i}`) } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/goods_tag”映射到值字段“订单优惠标记”数组规则校验失败，元素个数大于最大值 50',
    ]);
    expect(err(await create({ coupon_use_rule: { goods_tag: ['t'.repeat(129)] } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/goods_tag/0”映射到值字段“订单优惠标记”字符串规则校验失败，字节数 129，大于最大值 128',
    ]);
    const single = await create({ coupon_use_rule: { available_items: ['9310297009473'], goods_tag: ['sku_tag'] } });
    expect(single.status).toBe(200);
    expect(json(await detail(json(single).stock_id)).singleitem).toBe(true);
  });

  it('trade_type and limit_card shapes; limit_card without limit_pay and weekly windows with a relative validity → 400 INVALID_REQUEST 批次发放规则或核销规则有误，请修改后重试', async () => {
    expect(err(await create({ coupon_use_rule: { trade_type: ['WAP'] } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/trade_type/0”映射到值字段“支付方式”枚举规则校验失败，取值不在允许范围内',
    ]);
    expect(err(await create({ coupon_use_rule: { limit_pay: ['ICBC_CREDIT'], limit_card: { name: '工行', bin: ['12345'] } } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/limit_card/bin/0”映射到值字段“指定卡BIN”字符串规则校验失败，字符数 5，小于最小值 6',
    ]);
    expect(
      err(await create({ coupon_use_rule: { limit_pay: ['ICBC_CREDIT'], limit_card: { name: '工行', bin: ['6222021234'] } } })),
    ).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/limit_card/bin/0”映射到值字段“指定卡BIN”字符串规则校验失败，字节数 10，大于最大值 9',
    ]);
    const elevenBins = Array.from({ length: 11 }, (_, i) => String(622200 + i));
    expect(err(await create({ coupon_use_rule: { limit_pay: ['ICBC_CREDIT'], limit_card: { name: '工行', bin: elevenBins } } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/limit_card/bin”映射到值字段“指定卡BIN”数组规则校验失败，元素个数大于最大值 10',
    ]);
    expect(
      err(await create({ coupon_use_rule: { limit_pay: ['ICBC_CREDIT'], limit_card: { name: '工商银行卡', bin: ['622202'] } } })),
    ).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/limit_card/name”映射到值字段“银行卡名称”字符串规则校验失败，字符数 5，大于最大值 4',
    ]);
    expect(err(await create({ coupon_use_rule: { limit_pay: ['ICBC_CREDIT', 'CMB_CREDIT'] } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/coupon_use_rule/limit_pay”映射到值字段“指定付款方式”数组规则校验失败，元素个数大于最大值 1',
    ]);
    expect(
      (await create({ coupon_use_rule: { limit_pay: ['ICBC_CREDIT'], limit_card: { name: '工行信用', bin: ['622202'] } } })).status,
    ).toBe(200);
    expect(err(await create({ coupon_use_rule: { limit_card: { name: '工行', bin: ['622202'] } } }))).toEqual(RULE);
    const both = {
      coupon_available_time: {
        fix_available_time: { available_week_day: [1, 2], begin_time: 0, end_time: 3600 },
        available_time_after_receive: 60,
      },
    };
    expect(err(await create({ coupon_use_rule: both }))).toEqual(RULE);
    expect(
      err(await create({ coupon_use_rule: { coupon_available_time: { fix_available_time: { begin_time: 7200, end_time: 3600 } } } })),
    ).toEqual(RULE);
  });

  it('available_merchants: a no-cash stock only at the creator and its brand (400 INVALID_REQUEST 非法的商户号); prepaid anywhere; not an id → 400 MCH_NOT_EXISTS', async () => {
    expect((await create({ coupon_use_rule: { available_merchants: [CREATOR, SAME_BRAND] } })).status).toBe(200);
    const other = await create({ coupon_use_rule: { available_merchants: [CREATOR, UNRELATED] } });
    expect(err(other)).toEqual([400, 'INVALID_REQUEST', '非法的商户号']);
    expect(json(other).detail).toMatchObject({ field: '/coupon_use_rule/available_merchants/1', value: UNRELATED });
    expect((await create({ no_cash: false, coupon_use_rule: { available_merchants: [UNRELATED, '1234567890'] } })).status).toBe(200);
    expect(err(await create({ coupon_use_rule: { available_merchants: ['xxxxx'] } }))).toEqual([400, 'MCH_NOT_EXISTS', '商户号不合法']);
    expect(err(await create({ coupon_use_rule: { available_merchants: undefined } }))).toEqual([
      400,
      'PARAM_ERROR',
      '参数“可用商户”是必填项',
    ]);
  });

  it('pattern_info images must be media URLs this mock issued (400 PARAM_ERROR), unless relaxMediaUrls', async () => {
    const logo = await uploadedImage(t, 'logo.png');
    expect(
      (await create({ pattern_info: { merchant_logo: logo, coupon_image: logo, background_color: 'COLOR020', merchant_name: '示例咖啡' } }))
        .status,
    ).toBe(200);
    const foreign = await create({ pattern_info: { merchant_logo: 'https://wxpaylogo.qpic.cn/wxpaylogo/xxxx/0' } });
    expect(err(foreign)).toEqual([400, 'PARAM_ERROR', '商户logo仅支持通过《图片上传API》接口获取的图片URL地址']);
    const foreignImage = await create({
      pattern_info: { merchant_logo: logo, coupon_image: 'https://wxpaylogo.qpic.cn/wxpaylogo/yyyy/0' },
    });
    expect(err(foreignImage)).toEqual([400, 'PARAM_ERROR', '券详情图片仅支持通过《图片上传API》接口获取的图片URL地址']);
    expect(json(foreignImage).detail).toMatchObject({ field: '/pattern_info/coupon_image', location: 'body' });
    // An id this mock never issued, on the mock's own media path, is not an issued URL either.
    expect(err(await create({ pattern_info: { merchant_logo: logo.replace(/\/[^/]+$/, '/ffffffffffffffff.png') } }))).toEqual([
      400,
      'PARAM_ERROR',
      '商户logo仅支持通过《图片上传API》接口获取的图片URL地址',
    ]);
    const relaxed = await newMock({ relaxMediaUrls: true });
    await relaxed.mock.clock.freeze(NOW_MS);
    const ok = await relaxed.call('POST', STOCKS, {
      body: stockBody({ pattern_info: { merchant_logo: 'https://wxpaylogo.qpic.cn/wxpaylogo/xxxx/0' } }),
    });
    expect(ok.status).toBe(200);
    expect(err(await create({ pattern_info: { merchant_name: '一二三四五六七八九十一二三' } }))).toEqual([
      400,
      'PARAM_ERROR',
      '品牌名称最多12个中文汉字或36个英文字符',
    ]);
  });

  it('jump_target MINI_PROGRAM needs the appid and path, the appid bound to an available merchant (APPID_MCHID_NOT_MATCH)', async () => {
    expect(err(await create({ pattern_info: { jump_target: 'MINI_PROGRAM', mini_program_path: '/pages/index' } }))).toEqual([
      400,
      'PARAM_ERROR',
      '参数“小程序appid”是必填项',
    ]);
    expect(
      err(
        await create({ pattern_info: { jump_target: 'MINI_PROGRAM', mini_program_appid: BRANCH_APP, mini_program_path: '/pages/index' } }),
      ),
    ).toEqual([400, 'APPID_MCHID_NOT_MATCH', '商户号与appid不匹配']);
    expect(
      (await create({ pattern_info: { jump_target: 'MINI_PROGRAM', mini_program_appid: APP, mini_program_path: '/pages/index' } })).status,
    ).toBe(200);
  });

  it('the real samples: the documented request is accepted (times moved, ids ours); the observed failures answer as observed', async () => {
    const relaxed = await newMock({ relaxMediaUrls: true });
    await relaxed.mock.clock.freeze(NOW_MS);
    // samples/favor/create-stock.request.json: prepaid, single-item, goods_tag, trade_type, qpic.cn images.
    const documented = {
      stock_name: '微信支付代金券批次',
      comment: '零售批次',
      belong_merchant: CREATOR,
      available_begin_time: '2026-03-02T13:29:35.120+08:00',
      available_end_time: '2026-03-20T13:29:35.120+08:00',
      stock_use_rule: {
        max_coupons: 100,
        max_amount: 5000,
        max_amount_by_day: 400,
        max_coupons_per_user: 3,
        natural_person_limit: false,
        prevent_api_abuse: false,
      },
      pattern_info: {
        description: '微信支付营销代金券',
        merchant_logo: 'https://qpic.cn/xxx',
        merchant_name: '微信支付',
        background_color: 'COLOR020',
        coupon_image: 'https://qpic.cn/xxx',
      },
      coupon_use_rule: {
        fixed_normal_coupon: { coupon_amount: 50, transaction_minimum: 100 },
        goods_tag: ['123321', '123322'],
        trade_type: ['OTHER', 'APPPAY'],
        combine_use: false,
        available_items: ['123321', '123322'],
        available_merchants: ['9856000', '9856001'],
      },
      no_cash: false,
      stock_type: 'NORMAL',
      out_request_no: '89560002019101000121',
    };
    const ok = await relaxed.call('POST', STOCKS, { body: documented });
    expect(ok.status).toBe(200);
    expect(json(await relaxed.call('GET', `${stockPath(json(ok).stock_id)}?stock_creator_mchid=${CREATOR}`))).toMatchObject({
      singleitem: true,
      no_cash: false,
      stock_use_rule: { max_amount_by_day: 400 },
    });
    // samples/errors/create-stock.400.budget-mismatch.request.json (times moved, ids ours).
    const mismatch = {
      stock_type: 'NORMAL',
      coupon_use_rule: { available_merchants: [CREATOR], fixed_normal_coupon: { coupon_amount: 1000, transaction_minimum: 1001 } },
      no_cash: true,
      stock_use_rule: { prevent_api_abuse: true, natural_person_limit: true, max_amount: 1000, max_coupons_per_user: 10, max_coupons: 10 },
      stock_name: '微信支付代金券批次1',
      available_end_time: '2026-04-01T15:40:35.120+08:00',
      comment: '所属活动',
      belong_merchant: CREATOR,
      out_request_no: '161887650520220418151728',
      available_begin_time: '2026-03-02T15:40:35.120+08:00',
    };
    expect(err(await t.call('POST', STOCKS, { body: mismatch }))).toEqual([400, 'PARAM_ERROR', '批次预算等于批次面额乘以发券数']);
  });

  it('a refused create changes nothing: no stock, and its out_request_no stays free', async () => {
    const no = requestNo();
    expect((await create({ out_request_no: no, stock_use_rule: { max_amount: 1 } })).status).toBe(400);
    expect((await stateOf(t.mock)).merchants[CREATOR].favor).toBeUndefined();
    expect((await create({ out_request_no: no })).status).toBe(200);
  });
});

describe('stock state machine (start / pause / restart / stop, §6)', () => {
  it('unactivated → running → paused → running; each answers its time and the stock_id, signed', async () => {
    const id = await createStock(t);
    const start = await stockAction(t, id, 'start');
    expect(start.status).toBe(200);
    t.verifyReply(start);
    expect(json(start)).toEqual({ start_time: '2026-03-02T10:00:00.000+08:00', stock_id: id });
    await t.mock.clock.advance(60_000);
    expect(json(await stockAction(t, id, 'pause'))).toEqual({ pause_time: '2026-03-02T10:01:00.000+08:00', stock_id: id });
    expect(json(await detail(id)).status).toBe('paused');
    expect(json(await stockAction(t, id, 'restart'))).toEqual({ restart_time: '2026-03-02T10:01:00.000+08:00', stock_id: id });
    const running = json(await detail(id));
    expect(running).toMatchObject({ status: 'running', start_time: '2026-03-02T10:00:00.000+08:00' });
  });

  it('start is idempotent: a running stock answers its first start_time', async () => {
    const id = await runningStock(t);
    await t.mock.clock.advance(3_600_000);
    expect(json(await stockAction(t, id, 'start'))).toEqual({ start_time: '2026-03-02T10:00:00.000+08:00', stock_id: id });
  });

  it('illegal transitions → 400 PARAM_ERROR 非法的批次状态', async () => {
    const BAD = [400, 'PARAM_ERROR', '非法的批次状态'];
    const id = await createStock(t);
    expect(err(await stockAction(t, id, 'pause'))).toEqual(BAD);
    expect(err(await stockAction(t, id, 'restart'))).toEqual(BAD);
    await stockAction(t, id, 'start');
    expect(err(await stockAction(t, id, 'restart'))).toEqual(BAD);
    expect(err(await stockAction(t, id, 'stop'))).toEqual(BAD);
    await stockAction(t, id, 'pause');
    expect(err(await stockAction(t, id, 'pause'))).toEqual(BAD);
    expect(err(await stockAction(t, id, 'start'))).toEqual(BAD);
    expect(err(await stockAction(t, id, 'stop'))).toEqual(BAD);
  });

  it('stop only while unactivated: → stoped with stop_time; then nothing else', async () => {
    const id = await createStock(t);
    expect(json(await stockAction(t, id, 'stop'))).toEqual({ stop_time: '2026-03-02T10:00:00.000+08:00', stock_id: id });
    expect(json(await detail(id))).toMatchObject({ status: 'stoped', stop_time: '2026-03-02T10:00:00.000+08:00' });
    expect(err(await stockAction(t, id, 'start'))).toEqual([400, 'PARAM_ERROR', '非法的批次状态']);
  });

  it('past its end the stock reads stoped (stop_time = its end) by the virtual clock, and moves no more', async () => {
    const id = await runningStock(t);
    const idle = await createStock(t);
    await t.mock.clock.set(Date.parse(END) + 1000);
    expect(json(await detail(id))).toMatchObject({
      status: 'stoped',
      stop_time: '2026-03-31T23:59:59.000+08:00',
      start_time: '2026-03-02T10:00:00.000+08:00',
    });
    expect(err(await stockAction(t, id, 'pause'))).toEqual([400, 'PARAM_ERROR', '非法的批次状态']);
    expect(err(await stockAction(t, idle, 'start'))).toEqual([400, 'PARAM_ERROR', '非法的批次状态']);
    // Computed from the clock, not stored: back in time it runs again.
    await t.mock.clock.set(NOW_MS);
    expect(json(await detail(id)).status).toBe('running');
  });

  it('prepaid (no_cash=false): start locks max_amount from the creator balance; too little → 403 NOT_ENOUGH 激活失败:账户余额不足,请充值', async () => {
    const before = await balanceOf(t.mock, CREATOR);
    const id = await createStock(t, { no_cash: false });
    await stockAction(t, id, 'start');
    expect(await balanceOf(t.mock, CREATOR)).toBe(before - 1000);

    const poor = await createStock(t, { no_cash: false }, POOR);
    const res = await stockAction(t, poor, 'start', POOR);
    expect(err(res)).toEqual([403, 'NOT_ENOUGH', '激活失败:账户余额不足,请充值']);
    expect(await balanceOf(t.mock, POOR)).toBe(100);
    expect(json(await detail(poor, POOR, POOR)).status).toBe('unactivated');
    // A no-cash stock moves no money: the same merchant starts one.
    const free = await createStock(t, {}, POOR);
    expect((await stockAction(t, free, 'start', POOR)).status).toBe(200);
  });

  it('only the creator: another merchant naming the creator → 400 PARAM_ERROR (header ≠ payload); naming itself → 404 批次不存在 — for start, pause, restart and stop', async () => {
    const id = await createStock(t);
    const running = await runningStock(t);
    const paused = await runningStock(t);
    await stockAction(t, paused, 'pause');
    for (const [action, stock] of [
      ['start', id],
      ['stop', id],
      ['pause', running],
      ['restart', paused],
    ] as const) {
      for (const other of [SAME_BRAND, UNRELATED]) {
        expect(err(await stockAction(t, stock, action, other, CREATOR))).toEqual([
          400,
          'PARAM_ERROR',
          'http header中的mchid与post payload中的mchid不匹配',
        ]);
        expect(err(await stockAction(t, stock, action, other, other))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
      }
    }
    expect([json(await detail(running)).status, json(await detail(paused)).status]).toEqual(['running', 'paused']);
    expect(err(await stockAction(t, '99999999', 'start'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
    expect(json(await detail(id)).status).toBe('unactivated');
    const missing = await t.call('POST', stockPath(id, 'start'), { body: {} });
    expect(err(missing)).toEqual([400, 'PARAM_ERROR', '商户号必填']);
  });

  it('FAQ 4: an available merchant already running 500 stocks → start fails with 500 SYSTEM_ERROR 系统繁忙', async () => {
    const template = await runningStock(t);
    // 499 more running stocks at CREATOR, put in through the public snapshot API (creating them one by one is slow).
    const snapshot = await t.mock.snapshot();
    const favor = snapshot.state.merchants[CREATOR].favor!;
    for (let i = 0; i < 499; i++) favor.stocks[`x${i}`] = { ...structuredClone(favor.stocks[template]), stock_id: `x${i}` };
    await t.mock.restore(snapshot);
    const id = await createStock(t);
    expect(err(await stockAction(t, id, 'start'))).toEqual([500, 'SYSTEM_ERROR', '系统繁忙']);
    // A stock at other merchants only is not affected.
    const elsewhere = await createStock(t, { no_cash: false, coupon_use_rule: { available_merchants: [UNRELATED] } });
    expect((await stockAction(t, elsewhere, 'start')).status).toBe(200);
  });
});

describe('stock detail (GET /v3/marketing/favor/stocks/{stock_id})', () => {
  it('another merchant, a wrong creator or an unknown id → 404 批次不存在; unknown creator → 400 MCH_NOT_EXISTS; no creator → 商户号必填', async () => {
    const id = await createStock(t);
    expect(err(await detail(id, CREATOR, UNRELATED))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
    expect(err(await detail(id, SAME_BRAND, SAME_BRAND))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
    expect(err(await detail('12345678'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
    expect(err(await detail(id, '1999999999'))).toEqual([400, 'MCH_NOT_EXISTS', '商户号不合法']);
    expect(err(await t.call('GET', stockPath(id)))).toEqual([400, 'PARAM_ERROR', '商户号必填']);
  });
});

describe('stock list (GET /v3/marketing/favor/stocks)', () => {
  const list = (query: string, mchid = CREATOR) => t.call('GET', `/v3/marketing/favor/stocks?${query}`, { mchid });

  it('limit over 10 → 400 PARAM_ERROR 页大小超过阈值; offset and limit required', async () => {
    expect(err(await list(`offset=0&limit=11&stock_creator_mchid=${CREATOR}`))).toEqual([400, 'PARAM_ERROR', '页大小超过阈值']);
    expect(err(await list(`limit=10&stock_creator_mchid=${CREATOR}`))).toEqual([400, 'PARAM_ERROR', '参数“分页页码”是必填项']);
    expect(err(await list(`offset=0&stock_creator_mchid=${CREATOR}`))).toEqual([400, 'PARAM_ERROR', '参数“分页大小”是必填项']);
  });

  it('no rows → 404 RESOURCE_NOT_EXISTS 查询不到该券，请确认批次号与coupon_code是否匹配 (observed, not total_count 0)', async () => {
    expect(err(await list(`offset=0&limit=10&stock_creator_mchid=${CREATOR}`))).toEqual([
      404,
      'RESOURCE_NOT_EXISTS',
      '查询不到该券，请确认批次号与coupon_code是否匹配',
    ]);
    await createStock(t);
    expect(err(await list(`offset=0&limit=10&stock_creator_mchid=${CREATOR}&status=running`))).toEqual([
      404,
      'RESOURCE_NOT_EXISTS',
      '查询不到该券，请确认批次号与coupon_code是否匹配',
    ]);
  });

  it('pages by page index, newest first; filters by status and creation time (RFC 3339)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await createStock(t, { available_begin_time: '2026-03-03T00:00:00+08:00' }));
      await t.mock.clock.advance(3_600_000);
    }
    await stockAction(t, ids[0], 'start');
    const page0 = json(await list(`offset=0&limit=2&stock_creator_mchid=${CREATOR}`));
    expect(page0).toMatchObject({ total_count: 3, limit: 2, offset: 0 });
    expect(page0.data.map((s: any) => s.stock_id)).toEqual([ids[2], ids[1]]);
    const page1 = json(await list(`offset=1&limit=2&stock_creator_mchid=${CREATOR}`));
    expect(page1.data.map((s: any) => s.stock_id)).toEqual([ids[0]]);
    const running = json(await list(`offset=0&limit=10&stock_creator_mchid=${CREATOR}&status=running`));
    expect(running.data.map((s: any) => s.stock_id)).toEqual([ids[0]]);
    const from = encodeURIComponent('2026-03-02T11:00:00+08:00');
    const to = encodeURIComponent('2026-03-02T03:00:00Z');
    const window = json(await list(`offset=0&limit=10&stock_creator_mchid=${CREATOR}&create_start_time=${from}&create_end_time=${to}`));
    expect(window.data.map((s: any) => s.stock_id)).toEqual([ids[1]]);
    expect(err(await list(`offset=0&limit=10&stock_creator_mchid=${CREATOR}&create_start_time=2026-03-02`))).toEqual([
      400,
      'PARAM_ERROR',
      '输入时间格式错误',
    ]);
    expect(err(await list(`offset=0&limit=10&stock_creator_mchid=${CREATOR}&status=RUNNING`))).toEqual([
      400,
      'PARAM_ERROR',
      '非法的批次状态',
    ]);
  });

  it("another merchant's list → 400 INVALID_REQUEST 非法的商户号; an unknown one → 400 MCH_NOT_EXISTS 商户号不合法", async () => {
    await createStock(t);
    expect(err(await list(`offset=0&limit=10&stock_creator_mchid=${CREATOR}`, SAME_BRAND))).toEqual([
      400,
      'INVALID_REQUEST',
      '非法的商户号',
    ]);
    expect(err(await list('offset=0&limit=10&stock_creator_mchid=1999999999'))).toEqual([400, 'MCH_NOT_EXISTS', '商户号不合法']);
  });
});

describe('available merchants and items (GET …/merchants, …/items)', () => {
  const merchants = (id: string, q: string, mchid = CREATOR) =>
    t.call('GET', `${stockPath(id, 'merchants')}?stock_creator_mchid=${CREATOR}&${q}`, { mchid });
  const items = (id: string, q: string) => t.call('GET', `${stockPath(id, 'items')}?stock_creator_mchid=${CREATOR}&${q}`);

  it('merchants: paged by page index; limit over 50 → 页大小超过阈值; offset over 1000 → PARAM_ERROR; past the last page → 400 MCH_NOT_EXISTS 商户号不合法 (observed)', async () => {
    const id = await createStock(t, { coupon_use_rule: { available_merchants: [CREATOR, SAME_BRAND] } });
    const page = await merchants(id, 'offset=0&limit=1');
    expect(page.status).toBe(200);
    t.verifyReply(page);
    expect(json(page)).toEqual({ total_count: 2, data: [CREATOR], offset: 0, limit: 1, stock_id: id });
    expect(json(await merchants(id, 'offset=1&limit=1')).data).toEqual([SAME_BRAND]);
    expect(err(await merchants(id, 'offset=2&limit=1'))).toEqual([400, 'MCH_NOT_EXISTS', '商户号不合法']);
    expect(err(await merchants(id, 'offset=0&limit=51'))).toEqual([400, 'PARAM_ERROR', '页大小超过阈值']);
    expect(err(await merchants(id, 'offset=1001&limit=1'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/offset”映射到值字段“分页页码”数值规则校验失败，取值 1001，大于最大值 1000',
    ]);
    expect(err(await merchants(id, 'offset=0&limit=0'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/limit”映射到值字段“分页大小”数值规则校验失败，取值 0，小于最小值 1',
    ]);
    expect(err(await merchants(id, 'offset=0&limit=10', UNRELATED))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
  });

  it('items: the single-item codes, paged; limit over 100 → 页大小超过阈值; offset over 500 → PARAM_ERROR; a whole-shop stock has none', async () => {
    const codes = ['sku1', 'sku2', 'sku3'];
    const id = await createStock(t, { coupon_use_rule: { available_items: codes, goods_tag: ['tag'] } });
    expect(json(await items(id, 'offset=0&limit=2'))).toEqual({
      total_count: 3,
      data: ['sku1', 'sku2'],
      offset: 0,
      limit: 2,
      stock_id: id,
    });
    expect(json(await items(id, 'offset=1&limit=2')).data).toEqual(['sku3']);
    expect(err(await items(id, 'offset=0&limit=101'))).toEqual([400, 'PARAM_ERROR', '页大小超过阈值']);
    expect(err(await items(id, 'offset=501&limit=1'))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/offset”映射到值字段“分页页码”数值规则校验失败，取值 501，大于最大值 500',
    ]);
    // The maxima themselves are accepted: limit 100, offset 500 (a page past the end: empty).
    expect(json(await items(id, 'offset=0&limit=100')).data).toEqual(codes);
    expect(json(await items(id, 'offset=500&limit=100'))).toEqual({ total_count: 3, data: [], offset: 500, limit: 100, stock_id: id });
    const whole = await createStock(t);
    expect(json(await items(whole, 'offset=0&limit=10'))).toEqual({ total_count: 0, offset: 0, limit: 10, stock_id: whole });
  });
});
