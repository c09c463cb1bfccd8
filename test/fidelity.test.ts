/**
 * Fidelity, round two (issue 13): each documented rule with the status, code and message the mock
 * answers — the reply fields the official samples and SDK models carry, the error codes the contracts
 * lacked, opt-in rate limits, the statuses a real flow reaches, the public-key-only merchant, the
 * control use that honours the coupon, the settled disagreements, the raw `+` hint and the fixture
 * entities a client needs. docs/reference/fidelity.md lists the same rules with their sources.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { loadContracts } from '../mock-server/contract/registry.js';
import { createSigner } from '../mock-server/index.js';
import { APP, FAVOR, NOW_MS, STOCKS, createStock, err, runningStock, send, sendOk, stockBody, stockPath } from './helpers/favor.js';
import { CREATOR, SAME_BRAND, UNRELATED, json, newMock, sharedMock } from './helpers/mock.js';
import { uploadImage } from './helpers/image-upload.js';
import { PNG } from './helpers/images.js';
import { PAYGIFT, createActivity, createBody, failure } from './helpers/paygift.js';

const REVIEWED = '1900000006'; // its new stocks wait in audit (fixture stock_review)
const PUBLIC_KEY_ONLY = '1900000005'; // no platform certificate (fixture public_key_only)
const NO_FAVOR = '1900000007'; // has not opened the 代金券 product (fixture no_favor_product)
const RISKY_USER = 'od3htb2NrLTEtcmlza3ktMV9fX19'; // APP, flagged risky
const REVIEWED_APP = 'wx1a2b3c4d5e6f7007';

const t = sharedMock(NOW_MS);

describe('replies carry every documented field', () => {
  it('every official reply sample (27, favor/get-stock, list-stocks and paygift/get-activity included) validates against its reply contract; every observed error is declared', () => {
    const samples = JSON.parse(readFileSync(new URL('./data/official-reply-samples.json', import.meta.url), 'utf8'));
    const operations = loadContracts(undefined, { responses: 'lazy' });
    const op = (id: string) => operations.find((o) => o.contract.operationId === id)!;
    let checked = 0;
    for (const [id, replies] of Object.entries(samples).filter(([k]) => !k.startsWith('$'))) {
      const validate = op(id).validateResponse.get(200)!;
      for (const reply of replies as unknown[]) {
        expect(validate(reply), `${id}: ${JSON.stringify(validate.errors)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(27);
    // The observed error bodies (samples/errors): some contract declares the code with that message, or with none.
    const declared = operations.flatMap((o) => o.contract.errors ?? []);
    for (const [name, e] of Object.entries(samples.$errors as Record<string, { code: string; message: string }>))
      expect(
        declared.some((d) => d.code === e.code && (d.message === undefined || d.message === e.message)),
        `${name}: ${e.code} ${e.message}`,
      ).toBe(true);
    // Coupon status RECOVER (已回收, TheNorthMemory's enum only) is accepted in replies; an unknown one is not.
    const coupon = op('favor.getCoupon').validateResponse.get(200)!;
    const [sample] = samples['favor.getCoupon'];
    expect(coupon({ ...sample, status: 'RECOVER' })).toBe(true);
    expect(coupon({ ...sample, status: 'RECOVERED' })).toBe(false);
  });

  it('stock_use_rule.max_amount_by_day is always present (wechatpay-go StockUseRule): the daily cap, or max_amount for a stock created without one', async () => {
    const plain = await createStock(t);
    const capped = await createStock(t, { stock_use_rule: { max_amount_by_day: 300 } });
    const detail = (id: string) => t.call('GET', `${stockPath(id)}?stock_creator_mchid=${CREATOR}`);
    expect(json(await detail(plain)).stock_use_rule.max_amount_by_day).toBe(1000);
    expect(json(await detail(capped)).stock_use_rule.max_amount_by_day).toBe(300);
    const list = json(await t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&stock_creator_mchid=${CREATOR}`));
    expect(list.data.map((s: any) => s.stock_use_rule.max_amount_by_day).sort()).toEqual([1000, 300]);
  });

  it('COUPON.USE of a single-item coupon carries singleitem_discount_off {single_price_max}; the coupon detail does not', async () => {
    const stockId = await runningStock(t, {
      coupon_use_rule: { available_items: ['goods-0001', 'goods-0002'], goods_tag: ['tag1'] },
    });
    const couponId = await sendOk(t, stockId);
    const heard: any[] = [];
    const off = t.mock.onCouponUsed(({ coupon }) => heard.push(coupon));
    await t.mock.useCoupon(couponId, {
      goods_detail: [
        { goods_id: 'goods-0001', quantity: 1, price: 1200, discount_amount: 100 },
        { goods_id: 'goods-0002', quantity: 2, price: 800, discount_amount: 0 },
        { goods_id: 'not-eligible', quantity: 1, price: 9900, discount_amount: 0 },
      ],
    });
    off();
    expect(heard[0].singleitem_discount_off).toEqual({ single_price_max: 1200 });
    expect(heard[0]).not.toHaveProperty('discount_to'); // 减至 (CUT_TO) coupons only; never created by the API
    const detail = json(await t.call('GET', `${FAVOR}/users/od3htb2NrLTEtdXNlci0xX19fX19/coupons/${couponId}?appid=${APP}`));
    expect(detail.status).toBe('USED');
    expect(detail).not.toHaveProperty('singleitem_discount_off');
  });

  it('paygift detail and list answer in the documented key order, whatever order the creator sent', async () => {
    const body = await createBody(t);
    const reversed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());
    const sent = {
      advanced_setting: reversed(body.advanced_setting),
      award_send_rule: { ...reversed(body.award_send_rule), award_list: body.award_send_rule.award_list.map(reversed) },
      activity_base_info: reversed(body.activity_base_info),
    };
    const periods = body.activity_base_info.available_periods;
    sent.activity_base_info.available_periods = {
      available_day_time: periods.available_day_time.map(reversed),
      available_time: periods.available_time.map(reversed),
    };
    const id = await createActivity(t, sent);
    const detail = json(await t.call('GET', `${PAYGIFT}/activities/${id}`));
    const { available_periods } = detail.activity_base_info;
    expect(Object.keys(available_periods)).toEqual(['available_time', 'available_day_time']);
    expect(Object.keys(available_periods.available_time[0])).toEqual(['begin_time', 'end_time']);
    expect(Object.keys(available_periods.available_day_time[0])).toEqual(['begin_day_time', 'end_day_time']);
    expect(Object.keys(detail)).toEqual([
      'activity_id',
      'activity_type',
      'activity_base_info',
      'award_send_rule',
      'advanced_setting',
      'activity_status',
      'creator_merchant_id',
      'belong_merchant_id',
      'create_time',
      'update_time',
    ]);
    expect(Object.keys(detail.activity_base_info)).toEqual([
      'activity_name',
      'activity_second_title',
      'merchant_logo_url',
      'background_color',
      'begin_time',
      'end_time',
      'available_periods',
      'out_request_no',
      'delivery_purpose',
      'mini_programs_appid',
      'mini_programs_path',
    ]);
    expect(Object.keys(detail.award_send_rule.full_send_rule)).toEqual([
      'transaction_amount_minimum',
      'send_content',
      'award_type',
      'award_list',
      'merchant_option',
    ]);
    expect(Object.keys(detail.award_send_rule.full_send_rule.award_list[0])).toEqual(['stock_id', 'original_image_url', 'thumbnail_url']);
    expect(Object.keys(detail.advanced_setting)).toEqual(['delivery_user_category', 'goods_tags']);
    const list = json(await t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10`));
    expect(Object.keys(list.data[0].award_send_rule.full_send_rule).at(-1)).toBe('merchant_id_list');
  });
});

describe('委托营销 replies in the documented key order', () => {
  it('partner {type, appid, merchant_id} and authorized_data {business_type, stock_id}, whatever order the request sent', async () => {
    const stockId = await createStock(t);
    const headers = { 'Idempotency-Key': 'KEY-ORDER-1' };
    const body = {
      authorized_data: { stock_id: stockId, business_type: 'FAVOR_STOCK' },
      partner: { merchant_id: SAME_BRAND, type: 'MERCHANT' },
    };
    const built = json(await t.call('POST', '/v3/marketing/partnerships/build', { body, headers }));
    expect(Object.keys(built.partner)).toEqual(['type', 'merchant_id']);
    expect(Object.keys(built.authorized_data)).toEqual(['business_type', 'stock_id']);
    const query = encodeURIComponent(JSON.stringify({ stock_id: stockId, business_type: 'FAVOR_STOCK' }));
    const [row] = json(await t.call('GET', `/v3/marketing/partnerships?authorized_data=${query}`)).data;
    expect([Object.keys(row.partner), Object.keys(row.authorized_data)]).toEqual([
      ['type', 'merchant_id'],
      ['business_type', 'stock_id'],
    ]);
  });
});

describe('error codes the contracts lacked', () => {
  it('send racing the per-user cap -> 403 RULE_LIMIT 用户已达最大领券次数 (in flight when the cap was reached); a later send -> 403 REQUEST_BLOCKED 用户被限领拦截', async () => {
    const stockId = await runningStock(t, { stock_use_rule: { max_coupons_per_user: 1 } });
    // Ten sends in flight together: a latency fault holds each after it was received, before its handler,
    // so the cap is reached while the others are still in flight (without it, how many overlap depends on
    // how fast the machine answers).
    t.mock.faults.add({ operation_id: 'favor.sendCoupon', action: 'latency', latency: '200ms', times: 10 });
    const replies = await Promise.all(Array.from({ length: 10 }, () => send(t, stockId)));
    const answers = replies.map(err);
    expect(answers.filter(([status]) => status === 200)).toHaveLength(1);
    expect(answers).toContainEqual([403, 'RULE_LIMIT', '用户已达最大领券次数']);
    for (const a of answers) if (a[0] !== 200) expect([['RULE_LIMIT'], ['REQUEST_BLOCKED']]).toContainEqual([a[1]]);
    expect(err(await send(t, stockId))).toEqual([403, 'REQUEST_BLOCKED', '用户被限领拦截']);
  });

  it('send to a user the risk control flags, prevent_api_abuse on -> 403 USER_ACCOUNT_ABNORMAL 用户非法; off -> 200', async () => {
    const guarded = await runningStock(t, { stock_use_rule: { prevent_api_abuse: true } });
    expect(err(await send(t, guarded, { openid: RISKY_USER }))).toEqual([403, 'USER_ACCOUNT_ABNORMAL', '用户非法']);
    expect((await send(t, guarded)).status).toBe(200); // an ordinary user
    const open = await runningStock(t);
    expect((await send(t, open, { openid: RISKY_USER })).status).toBe(200);
  });

  it('a malformed Authorization header -> 401 SIGN_ERROR Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》', async () => {
    for (const authorization of ['WECHATPAY2-SHA256-RSA2048 mchid=1900000001', 'WECHATPAY2-SHA256-RSA2048', 'garbage']) {
      const res = await request(t.mock.listener)
        .get(`${FAVOR}/callbacks?mchid=${CREATOR}`)
        .set({ Accept: 'application/json', 'User-Agent': 'test', Authorization: authorization });
      expect([res.status, res.body.code, res.body.message]).toEqual([
        401,
        'SIGN_ERROR',
        'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》',
      ]);
    }
  });

  it("paygift detail: 403 NO_AUTH 商户无权限操作该活动 for a sending merchant of another merchant's activity, 404 RESOURCE_NOT_EXISTS 活动不存在 for anyone else", async () => {
    const id = await createActivity(t, await createBody(t)); // sending merchants 1900000001, 1900000002
    expect(failure(await t.call('GET', `${PAYGIFT}/activities/${id}`, { mchid: SAME_BRAND }))).toEqual([
      403,
      'NO_AUTH',
      '商户无权限操作该活动',
    ]);
    expect(failure(await t.call('GET', `${PAYGIFT}/activities/${id}`, { mchid: UNRELATED }))).toEqual([
      404,
      'RESOURCE_NOT_EXISTS',
      '活动不存在',
    ]);
  });

  it('an unknown mchid in the Authorization header: 委托营销 -> 400 MCH_NOT_EXISTS 商户号不存在 (seed 002 FAQ); other families -> 401 SIGN_ERROR 签名错误', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stranger = createSigner({
      mchid: '1999999999',
      serialNo: '1'.repeat(40),
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    });
    const call = (target: string) => request(t.mock.listener).get(target).set(stranger.headers('GET', target));
    const partnerships = await call(`/v3/marketing/partnerships?authorized_data=${encodeURIComponent('{"business_type":"FAVOR_STOCK"}')}`);
    expect([partnerships.status, partnerships.body.code, partnerships.body.message]).toEqual([400, 'MCH_NOT_EXISTS', '商户号不存在']);
    const favor = await call(`${FAVOR}/callbacks?mchid=${CREATOR}`);
    expect([favor.status, favor.body.code, favor.body.message]).toEqual([401, 'SIGN_ERROR', '签名错误']);
  });
});

describe('statuses a real flow reaches', () => {
  it("a reviewed merchant's new stock is audit; start -> 403 RULE_LIMIT 批次审核中，暂不允许激活，请稍后重试; approve -> unactivated, then start -> running", async () => {
    const stockId = await createStock(t, {}, REVIEWED);
    const detail = async () => json(await t.call('GET', `${stockPath(stockId)}?stock_creator_mchid=${REVIEWED}`, { mchid: REVIEWED }));
    expect((await detail()).status).toBe('audit');
    const listed = await t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&stock_creator_mchid=${REVIEWED}&status=audit`, {
      mchid: REVIEWED,
    });
    expect(json(listed).data.map((s: any) => s.stock_id)).toEqual([stockId]);
    const start = () => t.call('POST', stockPath(stockId, 'start'), { body: { stock_creator_mchid: REVIEWED }, mchid: REVIEWED });
    expect(err(await start())).toEqual([403, 'RULE_LIMIT', '批次审核中，暂不允许激活，请稍后重试']);
    expect(
      err(await send(t, stockId, { mchid: REVIEWED, creator: REVIEWED, appid: REVIEWED_APP, openid: 'od3htb2NrLTctdXNlci0xX19fX19' })),
    ).toEqual([400, 'INVALID_REQUEST', '活动已结束或未激活']);

    const approved = await request(t.mock.listener).post(`/_mock/favor/stocks/${stockId}/approve`);
    expect([approved.status, approved.body.status]).toEqual([200, 'unactivated']);
    const again = await request(t.mock.listener).post(`/_mock/favor/stocks/${stockId}/approve`);
    expect([again.status, again.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await start()).status).toBe(200);
    expect((await detail()).status).toBe('running');
  });

  it('reject -> stoped with stop_time; an unknown stock -> 404', async () => {
    const stockId = await createStock(t, {}, REVIEWED);
    const rejected = await request(t.mock.listener).post(`/_mock/favor/stocks/${stockId}/reject`);
    expect(rejected.body).toMatchObject({ stock_id: stockId, status: 'stoped', stop_time: expect.any(String) });
    expect((await request(t.mock.listener).post('/_mock/favor/stocks/99999999/approve')).status).toBe(404);
  });

  it('every documented stock status is accepted as a list filter (404 empty, never 400)', async () => {
    for (const status of ['unactivated', 'audit', 'running', 'stoped', 'paused']) {
      const res = await t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&stock_creator_mchid=${CREATOR}&status=${status}`);
      expect(err(res), status).toEqual([404, 'RESOURCE_NOT_EXISTS', '查询不到该券，请确认批次号与coupon_code是否匹配']);
    }
  });

  it("paygift: pause -> STOP_ACT_STATUS with pause_time, recover -> recovery_time and the clock's status, fail -> CREATE_ACT_FAILED; every activity_status is a filter", async () => {
    const id = await createActivity(t, await createBody(t));
    const act = (action: string, activityId = id) => request(t.mock.listener).post(`/_mock/paygift/activities/${activityId}/${action}`);
    const paused = await act('pause');
    expect(paused.body).toMatchObject({ activity_status: 'STOP_ACT_STATUS', pause_time: '2026-03-02T10:00:00+08:00' });
    let detail = json(await t.call('GET', `${PAYGIFT}/activities/${id}`));
    expect(detail).toMatchObject({ activity_status: 'STOP_ACT_STATUS', pause_time: '2026-03-02T10:00:00+08:00' });
    const stopped = json(await t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10&activity_status=STOP_ACT_STATUS`));
    expect(stopped.data.map((a: any) => a.activity_id)).toEqual([id]);
    expect(stopped.data[0]).not.toHaveProperty('pause_time'); // list: no pause/recovery times (§3.7)
    expect((await act('pause')).status).toBe(400);

    await t.mock.clock.advance(60_000);
    expect((await act('recover')).body).toMatchObject({ activity_status: 'CREATE_ACT_STATUS', recovery_time: '2026-03-02T10:01:00+08:00' });
    detail = json(await t.call('GET', `${PAYGIFT}/activities/${id}`));
    expect(Object.keys(detail).slice(-4)).toEqual(['pause_time', 'recovery_time', 'create_time', 'update_time']);

    const failed = await createActivity(t, await createBody(t, 'PG-FAIL-1'));
    expect((await act('fail', failed)).body.activity_status).toBe('CREATE_ACT_FAILED');
    expect(failure(await t.call('POST', `${PAYGIFT}/activities/${failed}/terminate`))).toEqual([
      400,
      'INVALID_REQUEST',
      '活动创建失败，无法操作',
    ]);
    for (const status of [
      'ACT_STATUS_UNKNOWN',
      'CREATE_ACT_STATUS',
      'ONGOING_ACT_STATUS',
      'TERMINATE_ACT_STATUS',
      'STOP_ACT_STATUS',
      'OVER_TIME_ACT_STATUS',
      'CREATE_ACT_FAILED',
    ]) {
      const res = await t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10&activity_status=${status}`);
      expect(res.status, status).toBe(200);
    }
    expect(json(await t.call('GET', `${PAYGIFT}/activities?offset=0&limit=10&activity_status=CREATE_ACT_FAILED`)).total_count).toBe(1);
  });
});

describe('a public-key-only merchant (opened after the switch to WeChat Pay public keys)', () => {
  it('/v3/certificates -> 404 RESOURCE_NOT_EXISTS 无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/doc/v3/merchant/4012153196', async () => {
    const res = await t.call('GET', '/v3/certificates', { mchid: PUBLIC_KEY_ONLY });
    expect(err(res)).toEqual([
      404,
      'RESOURCE_NOT_EXISTS',
      '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/doc/v3/merchant/4012153196',
    ]);
    expect((await t.call('GET', '/v3/certificates')).status).toBe(200); // a certificate merchant still downloads it
  });

  it('every reply is signed with the public key, even when Wechatpay-Serial names the platform certificate', async () => {
    const target = `${FAVOR}/callbacks`;
    const body = { mchid: PUBLIC_KEY_ONLY, notify_url: 'https://merchant.example.com/notify' };
    for (const serial of [undefined, t.mock.credentials.platform_serial_no]) {
      const res = await t.call('POST', target, { mchid: PUBLIC_KEY_ONLY, body, headers: { 'Wechatpay-Serial': serial } });
      expect(res.status).toBe(200);
      expect(t.verifyReply(res)).toBe(t.mock.credentials.public_key_id);
    }
  });
});

describe('a public-key-only merchant: callbacks', () => {
  it('its COUPON.USE is signed with the public key (PUB_KEY_ID_…)', async () => {
    const notify = await t.call('POST', `${FAVOR}/callbacks`, {
      mchid: PUBLIC_KEY_ONLY,
      body: { mchid: PUBLIC_KEY_ONLY, notify_url: 'http://127.0.0.1:9/notify' },
    });
    expect(notify.status).toBe(200);
    const stockId = await runningStock(t, {}, PUBLIC_KEY_ONLY);
    const couponId = await sendOk(t, stockId, {
      mchid: PUBLIC_KEY_ONLY,
      creator: PUBLIC_KEY_ONLY,
      appid: 'wx1a2b3c4d5e6f7006',
      openid: 'od3htb2NrLTYtdXNlci0xX19fX19',
    });
    await t.mock.useCoupon(couponId);
    const [delivery] = t.mock.deliveries({ coupon_id: couponId });
    expect(delivery.signing).toEqual({ mode: 'public_key', serial: t.mock.credentials.public_key_id });
  });
});

describe('a merchant without the 代金券 product', () => {
  it('each 代金券 call answers 403 REQUEST_BLOCKED 调用商户无权限; its image upload and certificates work, other merchants are untouched', async () => {
    const stock = await runningStock(t);
    const refused = [
      await t.call('POST', STOCKS, { mchid: NO_FAVOR, body: stockBody({}, NO_FAVOR) }),
      await t.call('GET', `${stockPath(stock)}?stock_creator_mchid=${NO_FAVOR}`, { mchid: NO_FAVOR }),
      await t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&stock_creator_mchid=${NO_FAVOR}`, { mchid: NO_FAVOR }),
      await send(t, stock, { mchid: NO_FAVOR }),
      await t.call('POST', `${FAVOR}/callbacks`, {
        mchid: NO_FAVOR,
        body: { mchid: NO_FAVOR, notify_url: 'https://merchant.example.com/notify' },
      }),
      await t.call('GET', `${FAVOR}/callbacks?mchid=${NO_FAVOR}`, { mchid: NO_FAVOR }),
    ];
    for (const res of refused) expect(err(res)).toEqual([403, 'REQUEST_BLOCKED', '调用商户无权限']);
    const upload = await uploadImage(t, PNG, 'logo.png', NO_FAVOR);
    expect(upload.status, upload.text).toBe(200);
    expect((await t.call('GET', '/v3/certificates', { mchid: NO_FAVOR })).status).toBe(200);
    expect((await send(t, stock)).status).toBe(200);
    const credentials = (await request(t.mock.listener).get('/_mock/credentials')).body.merchants;
    expect(credentials.find((m: { mchid: string }) => m.mchid === NO_FAVOR)).toMatchObject({ no_favor_product: true });
    expect(credentials.find((m: { mchid: string }) => m.mchid === CREATOR)).toMatchObject({ no_favor_product: false });
  });
});

describe('opt-in rate limits (rateLimits / --rate-limits)', () => {
  it('use-flow, one IP 5/min -> the 6th: 429 FREQUENCY_LIMIT_EXCEED 接口限频; the next virtual minute opens a new window; off by default', async () => {
    const limited = await newMock({ rateLimits: true });
    try {
      await limited.mock.clock.freeze(NOW_MS);
      const id = await createStock(limited);
      const flow = () => limited.call('GET', stockPath(id, 'use-flow'));
      for (let i = 0; i < 5; i++) expect((await flow()).status).toBe(404); // 账单文件不存在: counted all the same
      expect(err(await flow())).toEqual([429, 'FREQUENCY_LIMIT_EXCEED', '接口限频']);
      await limited.mock.clock.advance(60_000);
      expect(err(await flow())).toEqual([404, 'RESOURCE_NOT_EXISTS', '账单文件不存在']);
    } finally {
      await limited.mock.close();
    }
    const id = await createStock(t);
    for (let i = 0; i < 6; i++) expect((await t.call('GET', stockPath(id, 'use-flow'))).status).toBe(404);
  });

  it('create stock, 60/min per merchant -> the 61st: 429 FREQUENCY_LIMIT_EXCEED 接口限频; another merchant has its own quota', async () => {
    const limited = await newMock({ rateLimits: true });
    try {
      await limited.mock.clock.freeze(NOW_MS);
      for (let i = 0; i < 60; i++) expect((await limited.call('POST', STOCKS, { body: stockBody() })).status).toBe(200);
      expect(err(await limited.call('POST', STOCKS, { body: stockBody() }))).toEqual([429, 'FREQUENCY_LIMIT_EXCEED', '接口限频']);
      expect((await limited.call('POST', STOCKS, { body: stockBody({}, SAME_BRAND), mchid: SAME_BRAND })).status).toBe(200);
    } finally {
      await limited.mock.close();
    }
  });
});

describe('the control use honours the coupon (what a real checkout allows)', () => {
  const use = (couponId: string, body: unknown) =>
    request(t.mock.listener)
      .post(`/_mock/favor/coupons/${couponId}/use`)
      .send(body as object);

  it('an order below transaction_minimum -> 400 INVALID_REQUEST naming the threshold (the 7-fen order); at the threshold -> 200', async () => {
    const couponId = await sendOk(t, await runningStock(t)); // threshold 1000 fen
    const seven = await use(couponId, { goods_detail: [{ goods_id: 'g1', quantity: 1, price: 7, discount_amount: 7 }] });
    expect([seven.status, seven.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(seven.body.message).toMatch(/7 fen.*transaction_minimum 1000 fen/);
    const low = await use(couponId, { order_amount: 999 });
    expect([low.status, low.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await use(couponId, { order_amount: 1000 })).status).toBe(200);
  });

  it('single-item: no available item in the order, or eligible items below the threshold -> 400 INVALID_REQUEST; at a merchant that is not available -> 400', async () => {
    const stockId = await runningStock(t, { coupon_use_rule: { available_items: ['goods-0001'], goods_tag: ['tag1'] } });
    const couponId = await sendOk(t, stockId);
    const none = await use(couponId, { goods_detail: [{ goods_id: 'goods-0009', quantity: 1, price: 5000, discount_amount: 100 }] });
    expect([none.status, none.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(none.body.message).toMatch(/none of single-item stock .* available_items \(goods-0001\)/);
    const cheap = await use(couponId, {
      goods_detail: [
        { goods_id: 'goods-0001', quantity: 1, price: 500, discount_amount: 100 },
        { goods_id: 'goods-0009', quantity: 1, price: 5000, discount_amount: 0 },
      ],
    });
    expect([cheap.status, cheap.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(cheap.body.message).toMatch(/eligible items .* 500 fen/);
    const elsewhere = await use(couponId, { consume_mchid: UNRELATED });
    expect([elsewhere.status, elsewhere.body.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(
      (await use(couponId, { goods_detail: [{ goods_id: 'goods-0001', quantity: 2, price: 600, discount_amount: 100 }] })).status,
    ).toBe(200);
  });
});

describe('settled disagreements, hints, discoverability', () => {
  it('use-flow replies are signed (official SDKs verify every 2xx API reply; only the bill file download is exempt)', async () => {
    const stockId = await runningStock(t, { available_end_time: '2026-03-03T00:00:00+08:00' });
    const couponId = await sendOk(t, stockId);
    await t.mock.useCoupon(couponId);
    await t.mock.clock.set(new Date('2026-03-04T10:00:00+08:00'));
    const res = await t.call('GET', stockPath(stockId, 'use-flow'));
    expect(res.status).toBe(200);
    expect(t.verifyReply(res)).toBe(t.mock.credentials.platform_serial_no);
  });

  it('a raw + in a query time -> 400 PARAM_ERROR, and the journal hint names %2B08:00', async () => {
    t.mock.clearJournal();
    const res = await t.call(
      'GET',
      `${FAVOR}/stocks?offset=0&limit=10&stock_creator_mchid=${CREATOR}&create_start_time=2026-03-01T00:00:00+08:00`,
    );
    expect([res.status, json(res).code]).toEqual([400, 'PARAM_ERROR']);
    const [entry] = t.mock.journal({ operation_id: 'favor.listStocks' });
    const finding = entry.findings.find((f) => f.field === 'create_start_time');
    expect(finding?.hint).toContain('%2B08:00');
    const encoded = await t.call(
      'GET',
      `${FAVOR}/stocks?offset=0&limit=10&stock_creator_mchid=${CREATOR}&create_start_time=2026-03-01T00:00:00%2B08:00`,
    );
    expect(err(encoded)[0]).toBe(404); // well-formed: no stock yet
  });

  it("/_mock/credentials lists the 商家券 stocks with their validity windows, appids, brands, the risky user and the merchants' modes", async () => {
    const c = (await request(t.mock.listener).get('/_mock/credentials')).body;
    expect(c.busifavor_stocks).toContainEqual(
      expect.objectContaining({
        stock_id: '1212000000000001',
        owner_mchid: CREATOR,
        available_begin_time: '2025-01-01T00:00:00+08:00',
        available_end_time: '2030-12-31T23:59:59+08:00',
      }),
    );
    expect(c.appids).toContainEqual(expect.objectContaining({ appid: 'wx1a2b3c4d5e6f7005', mchids: [] }));
    expect(c.brands.map((b: any) => b.brand_id)).toContain('120344');
    expect(c.users).toContainEqual(expect.objectContaining({ openid: RISKY_USER, risky: true }));
    const merchant = (mchid: string) => c.merchants.find((m: any) => m.mchid === mchid);
    expect(merchant(PUBLIC_KEY_ONLY)).toMatchObject({ verification_mode: 'public_key', public_key_only: true, stock_review: false });
    expect(merchant(REVIEWED)).toMatchObject({ stock_review: true, appids: [REVIEWED_APP] });
  });
});
