/**
 * 委托营销 (partnerships, api-reference.md §4): build, list, terminate — every rule with the real
 * status, code and message — and what an established partnership lets others do with a 代金券 stock.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP,
  BRANCH_APP,
  BRANCH_USER,
  err,
  favorMock,
  runningStock,
  send,
  sendOk,
  stockDetail,
  stockPath,
  UNBOUND_APP,
} from './helpers/favor.js';
import { CREATOR, json, newMock, SAME_BRAND, stateOf, UNRELATED } from './helpers/mock.js';

const BASE = '/v3/marketing/partnerships';
const BUILD = `${BASE}/build`;
const TERMINATE = `${BASE}/terminate`;
const LIVE_USER = 'od3htb2NrLTUtdXNlci0xX19fX19'; // a user of UNBOUND_APP (the live-room mini program)
const BUSIFAVOR = '1212000000000001'; // 商家券 of CREATOR (fixtures)
const BUSIFAVOR_OF_BRANCH = '1212000000000021'; // 商家券 of SAME_BRAND
const NOW_TEXT = '2026-03-02T10:00:00.000+08:00';

const NOT_FOUND = [404, 'RESOURCE_NOT_EXISTS', '合作关系不存在'];
const NO_RIGHT = [403, 'REQUEST_BLOCKED', '商户无权发券'];
const CROSS = [403, 'REQUEST_BLOCKED', '批次不支持跨商户发券'];
const APPID_MISMATCH_SEND = [400, 'APPID_MCHID_NOT_MATCH', '商户号与appid不匹配'];

const t = favorMock();

let keys = 0;
const newKey = () => `K-${Date.now()}_${++keys}`;
const merchantPartner = (merchant_id = SAME_BRAND) => ({ type: 'MERCHANT', merchant_id });
const appidPartner = (appid = UNBOUND_APP) => ({ type: 'APPID', appid });
const favorData = (stock_id: string) => ({ business_type: 'FAVOR_STOCK', stock_id });
const body = (partner: object, authorized_data: object) => ({ partner, authorized_data });

function post(path: string, b: unknown, options: { key?: string | null; mchid?: string } = {}) {
  const key = options.key === undefined ? newKey() : options.key;
  return t.call('POST', path, { body: b, mchid: options.mchid, headers: key === null ? {} : { 'Idempotency-Key': key } });
}
const build = (b: unknown, options?: { key?: string | null; mchid?: string }) => post(BUILD, b, options);
const terminate = (b: unknown, options?: { key?: string | null; mchid?: string }) => post(TERMINATE, b, options);

async function buildOk(b: unknown, mchid?: string) {
  const res = await build(b, { mchid });
  expect(res.status, res.body.toString()).toBe(200);
  t.verifyReply(res);
  return json(res);
}

/** GET with the JSON filters URL-encoded the way the SDKs send them. */
function list(
  query: { authorized_data?: unknown; partner?: unknown; limit?: number; offset?: number; raw?: Record<string, string> },
  mchid?: string,
) {
  const params = new URLSearchParams();
  for (const k of ['partner', 'authorized_data'] as const) if (query[k] !== undefined) params.set(k, JSON.stringify(query[k]));
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.offset !== undefined) params.set('offset', String(query.offset));
  for (const [k, v] of Object.entries(query.raw ?? {})) params.set(k, v);
  const search = params.toString();
  return t.call('GET', search ? `${BASE}?${search}` : BASE, { mchid });
}

const partnershipsOf = async (mchid = CREATOR) => (await stateOf(t.mock)).merchants[mchid].partnerships;

describe('build (POST /v3/marketing/partnerships/build)', () => {
  it('builds a MERCHANT partnership on a FAVOR_STOCK: 200 ESTABLISHED with build/create/update times (+08:00, ms), signed', async () => {
    const stock = await runningStock(t);
    const reply = await buildOk(body(merchantPartner(), favorData(stock)));
    expect(reply).toEqual({
      partner: { type: 'MERCHANT', merchant_id: SAME_BRAND },
      authorized_data: { business_type: 'FAVOR_STOCK', stock_id: stock },
      state: 'ESTABLISHED',
      build_time: NOW_TEXT,
      create_time: NOW_TEXT,
      update_time: NOW_TEXT,
    });
  });

  it('builds an APPID partnership on a BUSIFAVOR_STOCK of the caller in the fixtures (seed 002: a stock for a live-room mini program)', async () => {
    const reply = await buildOk(body(appidPartner(), { business_type: 'BUSIFAVOR_STOCK', stock_id: BUSIFAVOR }));
    expect(reply).toMatchObject({ partner: { type: 'APPID', appid: UNBOUND_APP }, state: 'ESTABLISHED' });
  });

  it('Idempotency-Key missing or malformed (over 48 characters, other symbols) → 400 PARAM_ERROR naming the header; nothing is built', async () => {
    const stock = await runningStock(t);
    const b = body(merchantPartner(), favorData(stock));
    expect(err(await build(b, { key: null }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/header/idempotency-key”映射到字段“业务请求幂等值”必填性规则校验失败，此字段为必填项',
    ]);
    expect(err(await build(b, { key: 'x'.repeat(49) }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/header/idempotency-key”映射到值字段“业务请求幂等值”字符串规则校验失败，字节数 49，大于最大值 48',
    ]);
    const bad = await build(b, { key: 'abc#1' });
    expect(err(bad)).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/header/idempotency-key”映射到值字段“业务请求幂等值”字符串规则校验失败，字符串必须匹配正则表达式“^[0-9A-Za-z|_*\\-]+$”',
    ]);
    expect(json(bad).detail).toMatchObject({ field: 'idempotency-key', value: 'abc#1', location: 'header' });
    expect(await partnershipsOf()).toBeUndefined();
    // Letters, digits, | _ * - and 48 characters are fine.
    expect((await build(b, { key: `a|b_c*d-9${'x'.repeat(39)}` })).status).toBe(200);
  });

  it('the same Idempotency-Key with the same body answers the first reply, even after terminate; with another body → 400 RESOURCE_ALREADY_EXISTS', async () => {
    const stock = await runningStock(t);
    const b = body(merchantPartner(), favorData(stock));
    const first = await build(b, { key: 'BUILD-1' });
    await t.mock.clock.advance(60_000);
    expect((await terminate(b)).status).toBe(200);
    // Same content in another key order is the same body.
    const again = await build(
      { authorized_data: { stock_id: stock, business_type: 'FAVOR_STOCK' }, partner: b.partner },
      { key: 'BUILD-1' },
    );
    expect(again.status).toBe(200);
    expect(json(again)).toEqual(json(first));
    expect((await partnershipsOf())!.relations[`FAVOR_STOCK|${stock}|MERCHANT|${SAME_BRAND}`].state).toBe('TERMINATED');
    const other = await build(body(appidPartner(), favorData(stock)), { key: 'BUILD-1' });
    expect(err(other)).toEqual([400, 'RESOURCE_ALREADY_EXISTS', '创建请求重入，但本次请求与上次请求信息不一致']);
    expect(Object.keys((await partnershipsOf())!.relations)).toHaveLength(1);
  });

  it('partner.type APPID needs appid, MERCHANT needs merchant_id; stock_id is required → 400 PARAM_ERROR in the required-field wording', async () => {
    const stock = await runningStock(t);
    expect(err(await build(body({ type: 'APPID', merchant_id: SAME_BRAND }, favorData(stock))))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/partner/appid”映射到字段“合作方APPID”必填性规则校验失败，此字段为必填项',
    ]);
    expect(err(await build(body({ type: 'MERCHANT', appid: BRANCH_APP }, favorData(stock))))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/partner/merchant_id”映射到字段“合作方商户ID”必填性规则校验失败，此字段为必填项',
    ]);
    expect(err(await build(body(merchantPartner(), { business_type: 'FAVOR_STOCK' })))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/authorized_data/stock_id”映射到字段“授权批次ID”必填性规则校验失败，此字段为必填项',
    ]);
    expect(err(await build(body({ type: 'STORE', appid: BRANCH_APP }, favorData(stock))))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/body/partner/type”映射到值字段“合作方类别”枚举规则校验失败，取值不在允许范围内',
    ]);
    const undeclared = await build(body({ ...merchantPartner(), name: 'x' }, favorData(stock)));
    expect(json(undeclared)).toEqual({
      code: 'PARAM_ERROR',
      message: '请求中含有未在API文档中定义的参数',
      detail: { location: null, value: ['/body/partner/name'] },
    });
  });

  it('a partner merchant_id that does not exist → 400 MCH_NOT_EXISTS 商户号不存在', async () => {
    const stock = await runningStock(t);
    expect(err(await build(body(merchantPartner('1900009999'), favorData(stock))))).toEqual([400, 'MCH_NOT_EXISTS', '商户号不存在']);
    expect(err(await build(body({ type: 'APPID', appid: BRANCH_APP, merchant_id: '1900009999' }, favorData(stock))))).toEqual([
      400,
      'MCH_NOT_EXISTS',
      '商户号不存在',
    ]);
    expect(await partnershipsOf()).toBeUndefined();
  });

  it('an appid that cannot be paired (unknown, or not bound to the merchant_id sent with it) → 400 APPID_MCHID_NOT_MATCH AppID与mchid不匹配 (seed 002 FAQ)', async () => {
    const stock = await runningStock(t);
    expect(err(await build(body(appidPartner('wx0000000000000000'), favorData(stock))))).toEqual([
      400,
      'APPID_MCHID_NOT_MATCH',
      'AppID与mchid不匹配',
    ]);
    // The official example sends both: the appid must then belong to that merchant.
    expect(err(await build(body({ type: 'APPID', appid: BRANCH_APP, merchant_id: UNRELATED }, favorData(stock))))).toEqual([
      400,
      'APPID_MCHID_NOT_MATCH',
      'AppID与mchid不匹配',
    ]);
    expect(err(await build(body({ type: 'APPID', appid: UNBOUND_APP, merchant_id: SAME_BRAND }, favorData(stock))))).toEqual([
      400,
      'APPID_MCHID_NOT_MATCH',
      'AppID与mchid不匹配',
    ]);
    expect(err(await build(body({ type: 'MERCHANT', merchant_id: SAME_BRAND, appid: APP }, favorData(stock))))).toEqual([
      400,
      'APPID_MCHID_NOT_MATCH',
      'AppID与mchid不匹配',
    ]);
    const both = await buildOk(body({ type: 'APPID', appid: BRANCH_APP, merchant_id: SAME_BRAND }, favorData(stock)));
    expect(both.partner).toEqual({ type: 'APPID', appid: BRANCH_APP, merchant_id: SAME_BRAND });
  });

  it('a MERCHANT partnership with the caller itself → 400 INVALID_REQUEST 不能与自己建立合作关系', async () => {
    const stock = await runningStock(t);
    expect(err(await build(body(merchantPartner(CREATOR), favorData(stock))))).toEqual([400, 'INVALID_REQUEST', '不能与自己建立合作关系']);
  });

  it("a FAVOR_STOCK the caller did not create (unknown, or another merchant's) → 400 INVALID_REQUEST 查询代金券出错", async () => {
    const foreign = await runningStock(t, {}, SAME_BRAND);
    expect(err(await build(body(merchantPartner(UNRELATED), favorData('99999999'))))).toEqual([400, 'INVALID_REQUEST', '查询代金券出错']);
    expect(err(await build(body(merchantPartner(UNRELATED), favorData(foreign))))).toEqual([400, 'INVALID_REQUEST', '查询代金券出错']);
    // A 商家券 id is not a 代金券 stock.
    expect(err(await build(body(merchantPartner(), favorData(BUSIFAVOR))))).toEqual([400, 'INVALID_REQUEST', '查询代金券出错']);
  });

  it("a BUSIFAVOR_STOCK that is not the caller's in the fixtures → 400 INVALID_REQUEST 查询商家券出错", async () => {
    expect(err(await build(body(appidPartner(), { business_type: 'BUSIFAVOR_STOCK', stock_id: BUSIFAVOR_OF_BRANCH })))).toEqual([
      400,
      'INVALID_REQUEST',
      '查询商家券出错',
    ]);
    expect(err(await build(body(appidPartner(), { business_type: 'BUSIFAVOR_STOCK', stock_id: '1212999999999999' })))).toEqual([
      400,
      'INVALID_REQUEST',
      '查询商家券出错',
    ]);
    expect(
      (await build(body(appidPartner(), { business_type: 'BUSIFAVOR_STOCK', stock_id: BUSIFAVOR_OF_BRANCH }), { mchid: SAME_BRAND }))
        .status,
    ).toBe(200);
  });

  it('building an established partnership again (new key) → 400 INVALID_REQUEST 合作关系已存在; after terminate it is established again as the same record', async () => {
    const stock = await runningStock(t);
    const b = body(merchantPartner(), favorData(stock));
    await buildOk(b);
    expect(err(await build(b))).toEqual([400, 'INVALID_REQUEST', '合作关系已存在']);
    await t.mock.clock.advance(3_600_000);
    expect((await terminate(b)).status).toBe(200);
    await t.mock.clock.advance(3_600_000);
    const rebuilt = await buildOk(b);
    expect(rebuilt).toMatchObject({
      state: 'ESTABLISHED',
      create_time: NOW_TEXT,
      build_time: '2026-03-02T12:00:00.000+08:00',
      update_time: '2026-03-02T12:00:00.000+08:00',
    });
    const rows = json(await list({ authorized_data: favorData(stock) })).data;
    expect(rows).toHaveLength(1);
    expect(rows[0].terminate_time).toBeUndefined();
  });

  it('a rejected build records nothing: its Idempotency-Key stays free', async () => {
    const stock = await runningStock(t);
    expect((await build(body(merchantPartner('1900009999'), favorData(stock)), { key: 'FREE-1' })).status).toBe(400);
    expect((await build(body(merchantPartner(), favorData(stock)), { key: 'FREE-1' })).status).toBe(200);
  });

  it('an acknowledged build is durable: a new mock on the same data file lists it', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-partnerships-')), 'data.json');
    const first = await newMock({ dataFile });
    const res = await first.call('POST', BUILD, {
      body: body(appidPartner(), { business_type: 'BUSIFAVOR_STOCK', stock_id: BUSIFAVOR }),
      headers: { 'Idempotency-Key': 'DURABLE-1' },
    });
    expect(res.status).toBe(200);
    const second = await newMock({ dataFile });
    const query = encodeURIComponent(JSON.stringify({ business_type: 'BUSIFAVOR_STOCK' }));
    const listed = await second.call('GET', `${BASE}?authorized_data=${query}`);
    expect(listed.status).toBe(200);
    expect(json(listed).data[0].partner).toEqual({ type: 'APPID', appid: UNBOUND_APP });
    await first.mock.close();
    await second.mock.close();
  });
});

describe('list (GET /v3/marketing/partnerships)', () => {
  it("lists the caller's partnerships by authorized_data (and stock_id) and partner, as URL-encoded JSON; rows have no state, terminate_time once terminated", async () => {
    const s1 = await runningStock(t);
    const s2 = await runningStock(t);
    await buildOk(body(merchantPartner(), favorData(s1)));
    await buildOk(body(appidPartner(), favorData(s1)));
    await buildOk(body(merchantPartner(UNRELATED), favorData(s2)));
    await buildOk(body(appidPartner(), { business_type: 'BUSIFAVOR_STOCK', stock_id: BUSIFAVOR }));
    await t.mock.clock.advance(1000);
    await terminate(body(appidPartner(), favorData(s1)));

    const all = await list({ authorized_data: { business_type: 'FAVOR_STOCK' } });
    expect(all.status).toBe(200);
    t.verifyReply(all);
    expect(json(all)).toEqual({
      data: [
        { partner: merchantPartner(), authorized_data: favorData(s1), build_time: NOW_TEXT, create_time: NOW_TEXT, update_time: NOW_TEXT },
        {
          partner: appidPartner(),
          authorized_data: favorData(s1),
          build_time: NOW_TEXT,
          terminate_time: '2026-03-02T10:00:01.000+08:00',
          create_time: NOW_TEXT,
          update_time: '2026-03-02T10:00:01.000+08:00',
        },
        {
          partner: merchantPartner(UNRELATED),
          authorized_data: favorData(s2),
          build_time: NOW_TEXT,
          create_time: NOW_TEXT,
          update_time: NOW_TEXT,
        },
      ],
      offset: 0,
      total_count: 3,
      limit: 20,
    });
    const byStock = json(await list({ authorized_data: favorData(s1) })).data;
    expect(byStock.map((r: any) => r.partner.type)).toEqual(['MERCHANT', 'APPID']);
    const byType = json(await list({ authorized_data: { business_type: 'FAVOR_STOCK' }, partner: { type: 'MERCHANT' } })).data;
    expect(byType.map((r: any) => r.partner.merchant_id)).toEqual([SAME_BRAND, UNRELATED]);
    const byId = json(
      await list({ authorized_data: { business_type: 'FAVOR_STOCK' }, partner: { type: 'MERCHANT', merchant_id: UNRELATED } }),
    ).data;
    expect(byId).toHaveLength(1);
    const busifavor = json(await list({ authorized_data: { business_type: 'BUSIFAVOR_STOCK' }, partner: { type: 'APPID' } }));
    expect(busifavor.data).toEqual([
      {
        partner: appidPartner(),
        authorized_data: { business_type: 'BUSIFAVOR_STOCK', stock_id: BUSIFAVOR },
        build_time: NOW_TEXT,
        create_time: NOW_TEXT,
        update_time: NOW_TEXT,
      },
    ]);
  });

  it("the seed's own request line (lower-case percent-encoding, no stock_id) is signed and answered as sent", async () => {
    await buildOk(body(appidPartner(), { business_type: 'BUSIFAVOR_STOCK', stock_id: BUSIFAVOR }));
    const res = await t.call(
      'GET',
      `${BASE}?authorized_data=%7b%22business_type%22%3a%22BUSIFAVOR_STOCK%22%7d&partner=%7b%22type%22%3a%22APPID%22%7d&offset=0&limit=5`,
    );
    expect(res.status).toBe(200);
    expect(json(res)).toMatchObject({ offset: 0, limit: 5, total_count: 1 });
  });

  it('authorized_data missing → 400 PARAM_ERROR required; not JSON (or not an object) → 400 PARAM_ERROR naming the parameter, location query', async () => {
    expect(err(await list({}))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/authorized_data”映射到字段“被授权数据”必填性规则校验失败，此字段为必填项',
    ]);
    const broken = await list({ raw: { authorized_data: '{business_type=FAVOR_STOCK, stock_id=2433405}' } });
    expect(err(broken)).toEqual([400, 'PARAM_ERROR', '无法将传入参数“被授权数据”转换为object类型。']);
    expect(json(broken).detail).toEqual({
      field: 'authorized_data',
      value: '{business_type=FAVOR_STOCK, stock_id=2433405}',
      issue: 'must be object',
      location: 'query',
    });
    expect(err(await list({ raw: { authorized_data: '"FAVOR_STOCK"' } }))).toEqual([
      400,
      'PARAM_ERROR',
      '无法将传入参数“被授权数据”转换为object类型。',
    ]);
    const partner = await list({ authorized_data: { business_type: 'FAVOR_STOCK' }, raw: { partner: '{"type":"APPID"' } });
    expect(err(partner)).toEqual([400, 'PARAM_ERROR', '无法将传入参数“合作方信息”转换为object类型。']);
    expect(json(partner).detail).toMatchObject({ field: 'partner', location: 'query' });
  });

  it('a bad field inside the JSON → 400 PARAM_ERROR naming the path below the parameter', async () => {
    const res = await list({ authorized_data: { business_type: 'COUPON' } });
    expect(err(res)).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/authorized_data/business_type”映射到值字段“授权业务类别”枚举规则校验失败，取值不在允许范围内',
    ]);
    expect(json(res).detail).toEqual({
      field: 'authorized_data/business_type',
      value: 'COUPON',
      issue: 'must be equal to one of the allowed values',
      location: 'query',
    });
    expect(err(await list({ authorized_data: {} }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/authorized_data/business_type”映射到字段“授权业务类别”必填性规则校验失败，此字段为必填项',
    ]);
    expect(err(await list({ authorized_data: { business_type: 'FAVOR_STOCK' }, partner: { appid: APP } }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/partner/type”映射到字段“合作方类别”必填性规则校验失败，此字段为必填项',
    ]);
  });

  it('no partnership matches → 404 RESOURCE_NOT_EXISTS 合作关系不存在 (the doc: an empty result is an error)', async () => {
    expect(err(await list({ authorized_data: { business_type: 'FAVOR_STOCK' } }))).toEqual(NOT_FOUND);
    const stock = await runningStock(t);
    await buildOk(body(merchantPartner(), favorData(stock)));
    expect(err(await list({ authorized_data: { business_type: 'BUSIFAVOR_STOCK' } }))).toEqual(NOT_FOUND);
    expect(err(await list({ authorized_data: { business_type: 'FAVOR_STOCK' }, partner: { type: 'APPID' } }))).toEqual(NOT_FOUND);
  });

  it('paging: limit default 20, at most 50; offset a page index; total_count only on page 0 or an empty page', async () => {
    const stock = await runningStock(t);
    const appids = ['wx1a2b3c4d5e6f7003', 'wx1a2b3c4d5e6f7004', 'wx1a2b3c4d5e6f7005'];
    for (const appid of appids) await buildOk(body(appidPartner(appid), favorData(stock)));
    await buildOk(body(merchantPartner(SAME_BRAND), favorData(stock)));
    await buildOk(body(merchantPartner(UNRELATED), favorData(stock)));
    const filter = { authorized_data: favorData(stock) };

    const page0 = json(await list({ ...filter, limit: 2 }));
    expect(page0).toMatchObject({ offset: 0, limit: 2, total_count: 5 });
    expect(page0.data.map((r: any) => r.partner.appid)).toEqual(appids.slice(0, 2));
    const page2 = json(await list({ ...filter, limit: 2, offset: 2 }));
    expect(page2.total_count).toBeUndefined();
    expect(page2.data.map((r: any) => r.partner.merchant_id)).toEqual([UNRELATED]);
    expect(json(await list({ ...filter, limit: 2, offset: 3 }))).toEqual({ data: [], offset: 3, total_count: 5, limit: 2 });
    expect(json(await list({ ...filter, limit: 50 })).data).toHaveLength(5);
    expect(err(await list({ ...filter, limit: 51 }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/limit”映射到值字段“分页大小”数值规则校验失败，取值 51，大于最大值 50',
    ]);
    expect(err(await list({ ...filter, offset: -1 }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/query/offset”映射到值字段“分页页码”数值规则校验失败，取值 -1，小于最小值 0',
    ]);
  });

  it("a merchant never lists another merchant's partnerships (not even those naming it as partner)", async () => {
    const stock = await runningStock(t);
    await buildOk(body(merchantPartner(), favorData(stock)));
    expect(err(await list({ authorized_data: favorData(stock) }, SAME_BRAND))).toEqual(NOT_FOUND);
    expect(err(await list({ authorized_data: { business_type: 'FAVOR_STOCK' } }, UNRELATED))).toEqual(NOT_FOUND);
  });
});

describe('terminate (POST /v3/marketing/partnerships/terminate)', () => {
  it('terminates: 200 {terminate_time}, signed; the partnership is TERMINATED and the list shows terminate_time', async () => {
    const stock = await runningStock(t);
    const b = body(merchantPartner(), favorData(stock));
    await buildOk(b);
    await t.mock.clock.advance(90_000);
    const res = await terminate(b);
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(json(res)).toEqual({ terminate_time: '2026-03-02T10:01:30.000+08:00' });
    expect((await partnershipsOf())!.relations[`FAVOR_STOCK|${stock}|MERCHANT|${SAME_BRAND}`]).toMatchObject({
      state: 'TERMINATED',
      terminate_time: '2026-03-02T10:01:30.000+08:00',
    });
    expect(json(await list({ authorized_data: favorData(stock) })).data[0]).toMatchObject({
      terminate_time: '2026-03-02T10:01:30.000+08:00',
      update_time: '2026-03-02T10:01:30.000+08:00',
      build_time: NOW_TEXT,
    });
  });

  it('a partnership that was never built → 404 RESOURCE_NOT_EXISTS 合作关系不存在; one already terminated → 400 INVALID_REQUEST 合作关系已终止', async () => {
    const stock = await runningStock(t);
    const b = body(appidPartner(), favorData(stock));
    expect(err(await terminate(b))).toEqual(NOT_FOUND);
    await buildOk(b);
    expect((await terminate(b)).status).toBe(200);
    expect(err(await terminate(b))).toEqual([400, 'INVALID_REQUEST', '合作关系已终止']);
  });

  it('the same Idempotency-Key with the same body answers the first terminate_time, even later; with another body → 400 RESOURCE_ALREADY_EXISTS', async () => {
    const stock = await runningStock(t);
    const b = body(merchantPartner(), favorData(stock));
    await buildOk(b);
    const first = await terminate(b, { key: 'END-1' });
    await t.mock.clock.advance(3_600_000);
    const again = await terminate(b, { key: 'END-1' });
    expect(again.status).toBe(200);
    expect(json(again)).toEqual(json(first));
    expect(err(await terminate(body(appidPartner(), favorData(stock)), { key: 'END-1' }))).toEqual([
      400,
      'RESOURCE_ALREADY_EXISTS',
      '请求重入，但本次请求与上次请求信息不一致',
    ]);
    // Keys are per operation: a build key may be reused for terminate.
    const other = body(merchantPartner(UNRELATED), favorData(stock));
    expect((await build(other, { key: 'SHARED-1' })).status).toBe(200);
    expect((await terminate(other, { key: 'SHARED-1' })).status).toBe(200);
  });

  it('Idempotency-Key missing → 400 PARAM_ERROR; the partnership stays established', async () => {
    const stock = await runningStock(t);
    const b = body(merchantPartner(), favorData(stock));
    await buildOk(b);
    expect(err(await terminate(b, { key: null }))).toEqual([
      400,
      'PARAM_ERROR',
      '输入源“/header/idempotency-key”映射到字段“业务请求幂等值”必填性规则校验失败，此字段为必填项',
    ]);
    expect((await partnershipsOf())!.relations[`FAVOR_STOCK|${stock}|MERCHANT|${SAME_BRAND}`].state).toBe('ESTABLISHED');
  });

  it("a merchant never terminates another merchant's partnership: 404, and it stays established", async () => {
    const stock = await runningStock(t);
    const b = body(merchantPartner(), favorData(stock));
    await buildOk(b);
    expect(err(await terminate(b, { mchid: SAME_BRAND }))).toEqual(NOT_FOUND);
    expect(err(await terminate(b, { mchid: UNRELATED }))).toEqual(NOT_FOUND);
    expect((await partnershipsOf())!.relations[`FAVOR_STOCK|${stock}|MERCHANT|${SAME_BRAND}`].state).toBe('ESTABLISHED');
  });
});

describe('what a partnership authorizes (send coupon, favor §2.5)', () => {
  const asBranch = { mchid: SAME_BRAND, appid: BRANCH_APP, openid: BRANCH_USER, creator: CREATOR };

  it("an established MERCHANT partnership lets that merchant send the stock's coupons with its own appid/openid/out_request_no and read the stock; after terminate → 403 REQUEST_BLOCKED 商户无权发券", async () => {
    const stock = await runningStock(t);
    expect(err(await send(t, stock, asBranch))).toEqual(NO_RIGHT);
    const b = body(merchantPartner(), favorData(stock));
    await buildOk(b);

    const couponId = await sendOk(t, stock, { ...asBranch, outRequestNo: 'BRANCH-1' });
    const coupon = (await stateOf(t.mock)).merchants[CREATOR].favor!.coupons[couponId];
    expect(coupon).toMatchObject({
      creator_mchid: CREATOR,
      sender_mchid: SAME_BRAND,
      appid: BRANCH_APP,
      openid: BRANCH_USER,
      out_request_no: 'BRANCH-1',
    });
    const detail = await t.call('GET', `${stockPath(stock)}?stock_creator_mchid=${CREATOR}`, { mchid: SAME_BRAND });
    expect(detail.status).toBe(200);
    expect(json(detail).distributed_coupons).toBe(1);

    expect((await terminate(b)).status).toBe(200);
    expect(err(await send(t, stock, asBranch))).toEqual(NO_RIGHT);
    expect((await stockDetail(t, stock)).distributed_coupons).toBe(1);
    expect(err(await t.call('GET', `${stockPath(stock)}?stock_creator_mchid=${CREATOR}`, { mchid: SAME_BRAND }))).toEqual([
      404,
      'RESOURCE_NOT_EXISTS',
      '批次不存在',
    ]);
  });

  it('a MERCHANT partnership covers only its stock, its merchant, and 代金券 (not a BUSIFAVOR partnership) → 403 REQUEST_BLOCKED 商户无权发券', async () => {
    const s1 = await runningStock(t);
    const s2 = await runningStock(t);
    await buildOk(body(merchantPartner(), favorData(s1)));
    expect(err(await send(t, s2, asBranch))).toEqual(NO_RIGHT);
    expect(
      err(await send(t, s1, { mchid: UNRELATED, appid: 'wx1a2b3c4d5e6f7004', openid: 'od3htb2NrLTQtdXNlci0xX19fX19', creator: CREATOR })),
    ).toEqual(NO_RIGHT);
    await sendOk(t, s1, asBranch);
  });

  it("the partner merchant still needs its own appid: the creator's appid, or a partner appid of the creator → 400 APPID_MCHID_NOT_MATCH", async () => {
    const stock = await runningStock(t);
    await buildOk(body(merchantPartner(), favorData(stock)));
    await buildOk(body(appidPartner(), favorData(stock)));
    expect(err(await send(t, stock, { ...asBranch, appid: APP, openid: 'od3htb2NrLTEtdXNlci0xX19fX19' }))).toEqual(APPID_MISMATCH_SEND);
    expect(err(await send(t, stock, { ...asBranch, appid: UNBOUND_APP, openid: LIVE_USER }))).toEqual(APPID_MISMATCH_SEND);
  });

  it("an established APPID partnership lets that appid's users receive the stock's coupons from the creator; before and after it → 400 APPID_MCHID_NOT_MATCH", async () => {
    const stock = await runningStock(t);
    const live = { appid: UNBOUND_APP, openid: LIVE_USER };
    expect(err(await send(t, stock, live))).toEqual(APPID_MISMATCH_SEND);
    const b = body(appidPartner(), favorData(stock));
    await buildOk(b);
    const couponId = await sendOk(t, stock, live);
    const detail = await t.call('GET', `/v3/marketing/favor/users/${LIVE_USER}/coupons/${couponId}?appid=${UNBOUND_APP}`);
    expect(detail.status).toBe(200);
    expect(json(detail)).toMatchObject({ coupon_id: couponId, stock_id: stock, status: 'SENDED' });
    expect((await terminate(b)).status).toBe(200);
    expect(err(await send(t, stock, live))).toEqual(APPID_MISMATCH_SEND);
  });

  it('an appid partnered on another stock → 403 REQUEST_BLOCKED 批次不支持跨商户发券', async () => {
    const s1 = await runningStock(t);
    const s2 = await runningStock(t);
    await buildOk(body(appidPartner(), favorData(s1)));
    expect(err(await send(t, s2, { appid: UNBOUND_APP, openid: LIVE_USER }))).toEqual(CROSS);
    expect((await stockDetail(t, s2)).distributed_coupons).toBe(0);
    await sendOk(t, s1, { appid: UNBOUND_APP, openid: LIVE_USER });
  });

  it("the send idempotency and the stock's own rules still apply to a partner merchant (out_request_no is the sender's)", async () => {
    const stock = await runningStock(t, { stock_use_rule: { max_coupons_per_user: 1 } });
    await buildOk(body(merchantPartner(), favorData(stock)));
    const first = await sendOk(t, stock, { ...asBranch, outRequestNo: 'SAME-NO' });
    // The creator may use the same out_request_no: it is unique per sending merchant.
    await sendOk(t, stock, { outRequestNo: 'SAME-NO', appid: APP });
    expect(await sendOk(t, stock, { ...asBranch, outRequestNo: 'SAME-NO' })).toBe(first);
    expect(err(await send(t, stock, asBranch))).toEqual([403, 'REQUEST_BLOCKED', '用户被限领拦截']);
  });
});
