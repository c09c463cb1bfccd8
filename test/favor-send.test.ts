/**
 * 代金券 send (POST /v3/marketing/favor/users/{openid}/coupons, api-reference.md §2.5): every rule with
 * the real status, code and message, idempotency, and exact counting under concurrency.
 */
import { describe, expect, it } from 'vitest';
import { CREATOR, json, SAME_BRAND, stateOf } from './helpers/mock.js';
import {
  APP,
  APP2,
  BRANCH_APP,
  BRANCH_USER,
  createStock,
  err,
  FAVOR,
  favorMock,
  NOW_MS,
  requestNo,
  runningStock,
  SAME_PERSON,
  send,
  sendOk,
  stockAction,
  stockDetail,
  stockPath,
  UNBOUND_APP,
  USER,
  USER2,
} from './helpers/favor.js';

const NOT_RUNNING = [400, 'INVALID_REQUEST', '活动已结束或未激活'];
const BUDGET = [403, 'NOT_ENOUGH', '批次预算不足'];
const USER_LIMIT = [403, 'REQUEST_BLOCKED', '用户被限领拦截'];

const t = favorMock();

const stockOf = async (id: string) => (await stateOf(t.mock)).merchants[CREATOR].favor!.stocks[id];
const couponCount = async () => Object.keys((await stateOf(t.mock)).merchants[CREATOR].favor?.coupons ?? {}).length;

describe('send coupon', () => {
  it('sends one coupon of a running stock: 200 {coupon_id}, signed; distributed_coupons counts it', async () => {
    const id = await runningStock(t);
    const res = await send(t, id);
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(Object.keys(json(res))).toEqual(['coupon_id']);
    const stock = json(await t.call('GET', `${stockPath(id)}?stock_creator_mchid=${CREATOR}`));
    expect(stock.distributed_coupons).toBe(1);
  });

  it('idempotent on out_request_no: the same request answers the same coupon (even once the stock is paused); other content → 400 RESOURCE_ALREADY_EXISTS', async () => {
    const id = await runningStock(t);
    const no = requestNo();
    const first = await sendOk(t, id, { outRequestNo: no });
    expect(await sendOk(t, id, { outRequestNo: no })).toBe(first);
    await stockAction(t, id, 'pause');
    expect(await sendOk(t, id, { outRequestNo: no })).toBe(first);
    expect(await couponCount()).toBe(1);
    expect(err(await send(t, id, { outRequestNo: no, openid: USER2 }))).toEqual([
      400,
      'RESOURCE_ALREADY_EXISTS',
      '创建请求重入，但本次请求与上次请求信息不一致',
    ]);
  });

  it('out_request_no is per sending merchant: another merchant sending its own stock may use the same number', async () => {
    const mine = await runningStock(t);
    const theirs = await runningStock(t, {}, SAME_BRAND);
    const no = requestNo();
    const a = await sendOk(t, mine, { outRequestNo: no });
    const b = await sendOk(t, theirs, { outRequestNo: no, mchid: SAME_BRAND, creator: SAME_BRAND, appid: BRANCH_APP, openid: BRANCH_USER });
    expect(b).not.toBe(a);
    // The same number reused by the first merchant for another user is still a conflict.
    expect(err(await send(t, mine, { outRequestNo: no, openid: USER2 }))).toEqual([
      400,
      'RESOURCE_ALREADY_EXISTS',
      '创建请求重入，但本次请求与上次请求信息不一致',
    ]);
  });

  it('an unknown stock → 404 RESOURCE_NOT_EXISTS 批次不存在', async () => {
    expect(err(await send(t, '99999999'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
  });

  it('a stock that is not running or outside its window → 400 INVALID_REQUEST 活动已结束或未激活', async () => {
    const idle = await createStock(t);
    expect(err(await send(t, idle))).toEqual(NOT_RUNNING);
    const paused = await runningStock(t);
    await stockAction(t, paused, 'pause');
    expect(err(await send(t, paused))).toEqual(NOT_RUNNING);
    const later = await runningStock(t, { available_begin_time: '2026-03-10T00:00:00+08:00' });
    expect(err(await send(t, later))).toEqual(NOT_RUNNING);
    const id = await runningStock(t);
    await t.mock.clock.set(Date.parse('2026-04-01T00:00:00+08:00'));
    expect(err(await send(t, id))).toEqual(NOT_RUNNING);
  });

  it('budget spent (max_coupons) → 403 NOT_ENOUGH 批次预算不足', async () => {
    const id = await runningStock(t, { stock_use_rule: { max_coupons: 5, max_amount: 500, max_coupons_per_user: 5 } });
    for (let i = 0; i < 5; i++) await sendOk(t, id);
    expect(err(await send(t, id))).toEqual(BUDGET);
    expect((await stockDetail(t, id)).distributed_coupons).toBe(5);
  });

  it('max_amount_by_day per virtual clock day (CST): the day spent → 403 NOT_ENOUGH 批次预算不足; the next day sends again', async () => {
    const id = await runningStock(t, { stock_use_rule: { max_amount_by_day: 200, max_coupons_per_user: 10 } });
    await t.mock.clock.set(Date.parse('2026-03-02T23:59:00+08:00'));
    await sendOk(t, id);
    await sendOk(t, id);
    expect(err(await send(t, id))).toEqual(BUDGET);
    await t.mock.clock.set(Date.parse('2026-03-03T00:00:00+08:00'));
    await sendOk(t, id);
  });

  it('per-user cap → 403 REQUEST_BLOCKED 用户被限领拦截; another user still receives', async () => {
    const id = await runningStock(t);
    for (let i = 0; i < 3; i++) await sendOk(t, id);
    expect(err(await send(t, id))).toEqual(USER_LIMIT);
    await sendOk(t, id, { openid: USER2 });
  });

  it('natural_person_limit: two openids of one person count as one → 403 USER_AL_GET_COUPON 超过自然人最大限领数', async () => {
    const limited = await runningStock(t, { stock_use_rule: { max_coupons_per_user: 1, natural_person_limit: true } });
    await sendOk(t, limited, { openid: USER, appid: APP });
    expect(err(await send(t, limited, { openid: SAME_PERSON, appid: APP2 }))).toEqual([403, 'USER_AL_GET_COUPON', '超过自然人最大限领数']);
    expect(err(await send(t, limited, { openid: USER, appid: APP }))).toEqual(USER_LIMIT);
    const free = await runningStock(t, { stock_use_rule: { max_coupons_per_user: 1 } });
    await sendOk(t, free, { openid: USER, appid: APP });
    await sendOk(t, free, { openid: SAME_PERSON, appid: APP2 });
  });

  it('an appid not bound to the caller → 400 APPID_MCHID_NOT_MATCH 商户号与appid不匹配', async () => {
    const id = await runningStock(t);
    expect(err(await send(t, id, { appid: BRANCH_APP, openid: BRANCH_USER }))).toEqual([
      400,
      'APPID_MCHID_NOT_MATCH',
      '商户号与appid不匹配',
    ]);
    expect(err(await send(t, id, { appid: UNBOUND_APP }))).toEqual([400, 'APPID_MCHID_NOT_MATCH', '商户号与appid不匹配']);
  });

  it('an openid not issued under the appid → 400 INVALID_REQUEST openid与appid不匹配', async () => {
    const id = await runningStock(t);
    expect(err(await send(t, id, { appid: APP2, openid: USER }))).toEqual([400, 'INVALID_REQUEST', 'openid与appid不匹配']);
    expect(err(await send(t, id, { openid: 'o_unknown_user' }))).toEqual([400, 'INVALID_REQUEST', 'openid与appid不匹配']);
  });

  it('a merchant that neither created nor is authorized for the stock → 403 REQUEST_BLOCKED 商户无权发券', async () => {
    const id = await runningStock(t);
    const res = await send(t, id, { mchid: SAME_BRAND, appid: BRANCH_APP, openid: BRANCH_USER, creator: CREATOR });
    expect(err(res)).toEqual([403, 'REQUEST_BLOCKED', '商户无权发券']);
    expect((await stockDetail(t, id)).distributed_coupons).toBe(0);
  });

  it('a wrong stock_creator_mchid, or coupon_value / coupon_minimum (not open) → 400 PARAM_ERROR 参数错误，请核对文档要求 (observed)', async () => {
    const id = await runningStock(t);
    expect(err(await send(t, id, { creator: SAME_BRAND }))).toEqual([400, 'PARAM_ERROR', '参数错误，请核对文档要求']);
    expect(err(await send(t, id, { extra: { coupon_value: 100 } }))).toEqual([400, 'PARAM_ERROR', '参数错误，请核对文档要求']);
    expect(err(await send(t, id, { extra: { coupon_minimum: 1000 } }))).toEqual([400, 'PARAM_ERROR', '参数错误，请核对文档要求']);
  });

  it('required fields: stock_id → 参数“批次id”是必填项 (observed), appid → appid必填, stock_creator_mchid → 商户号必填', async () => {
    const path = `${FAVOR}/users/${USER}/coupons`;
    const full = { stock_id: '1', out_request_no: requestNo(), appid: APP, stock_creator_mchid: CREATOR };
    const without = (key: string) => Object.fromEntries(Object.entries(full).filter(([k]) => k !== key));
    expect(err(await t.call('POST', path, { body: without('stock_id') }))).toEqual([400, 'PARAM_ERROR', '参数“批次id”是必填项']);
    expect(err(await t.call('POST', path, { body: without('appid') }))).toEqual([400, 'PARAM_ERROR', 'appid必填']);
    expect(err(await t.call('POST', path, { body: without('stock_creator_mchid') }))).toEqual([400, 'PARAM_ERROR', '商户号必填']);
  });

  it('platform risk cap: one creator gives one user at most 5000 CNY a month → 400 INVALID_REQUEST 暂时无法领取，请联系商家处理。', async () => {
    const id = await runningStock(t, {
      available_end_time: '2026-04-30T23:59:59+08:00',
      stock_use_rule: { max_coupons: 10, max_amount: 1_000_000, max_coupons_per_user: 10 },
      coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100_000, transaction_minimum: 200_000 } },
    });
    for (let i = 0; i < 5; i++) await sendOk(t, id);
    expect(err(await send(t, id))).toEqual([400, 'INVALID_REQUEST', '暂时无法领取，请联系商家处理。']);
    await sendOk(t, id, { openid: USER2 });
    await t.mock.clock.set(Date.parse('2026-04-01T00:00:00+08:00'));
    await sendOk(t, id);
  });

  it('exact under concurrency: 100 parallel sends against 10 remaining coupons issue exactly 10', async () => {
    const id = await runningStock(t, { stock_use_rule: { max_coupons: 20, max_amount: 2000, max_coupons_per_user: 20 } });
    for (let i = 0; i < 10; i++) await sendOk(t, id);
    const results = await Promise.all(Array.from({ length: 100 }, () => send(t, id)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(10);
    expect(results.filter((r) => r.status !== 200).every((r) => json(r).code === 'NOT_ENOUGH')).toBe(true);
    expect(new Set(ok.map((r) => json(r).coupon_id)).size).toBe(10);
    expect((await stockDetail(t, id)).distributed_coupons).toBe(20);
    expect(await couponCount()).toBe(20);
  });

  it('exact under concurrency for one user: 20 parallel sends against a cap of 3 issue exactly 3', async () => {
    const id = await runningStock(t);
    const results = await Promise.all(Array.from({ length: 20 }, () => send(t, id)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect((await stockOf(id)).per_user[USER]).toBe(3);
  });

  it('a refused send changes nothing', async () => {
    const id = await runningStock(t);
    const before = JSON.stringify(await stateOf(t.mock));
    await send(t, id, { appid: APP2, openid: USER });
    await send(t, id, { mchid: SAME_BRAND, appid: BRANCH_APP, openid: BRANCH_USER });
    expect(JSON.stringify(await stateOf(t.mock))).toBe(before);
    expect(NOW_MS).toBe(t.mock.clock.nowMs());
  });
});
