/**
 * 代金券 coupons after sending: detail (§2.8), the user's list with every filter and its precedence
 * (§2.11), expiry by the virtual clock, the use / refund control operations and their domain event,
 * and the use-flow / refund-flow files with the bill download (§2.12, protocol.md §6.1).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readDataFile } from '../mock-server/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { balanceOf, CREATOR, json, newMock, SAME_BRAND, stateOf, UNRELATED } from './helpers/mock.js';
import {
  APP,
  APP2,
  bodyText,
  BRANCH_APP,
  END,
  err,
  FAVOR,
  favorMock,
  NOW_MS,
  runningStock,
  SAME_PERSON,
  sendOk,
  stockPath,
  USER,
  USER2,
} from './helpers/favor.js';

const t = favorMock();

const coupon = (couponId: string, openid = USER, appid = APP, mchid = CREATOR) =>
  t.call('GET', `${FAVOR}/users/${openid}/coupons/${couponId}?appid=${appid}`, { mchid });
const list = (query: string, openid = USER, mchid = CREATOR) => t.call('GET', `${FAVOR}/users/${openid}/coupons?${query}`, { mchid });
const control = (couponId: string, action: 'use' | 'refund', body: Record<string, unknown> = {}) =>
  request(t.mock.listener).post(`/_mock/favor/coupons/${couponId}/${action}`).send(body);
const ids = (res: any) => json(res).data.map((c: any) => c.coupon_id);

describe('coupon detail (GET /v3/marketing/favor/users/{openid}/coupons/{coupon_id})', () => {
  it('answers the coupon, signed', async () => {
    const stock = await runningStock(t);
    const id = await sendOk(t, stock, { outRequestNo: 'SEND0001' });
    const res = await coupon(id);
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(json(res)).toEqual({
      stock_creator_mchid: CREATOR,
      stock_id: stock,
      coupon_id: id,
      coupon_name: '测试代金券',
      status: 'SENDED',
      description: '满10元减1元',
      create_time: '2026-03-02T10:00:00.000+08:00',
      coupon_type: 'NORMAL',
      no_cash: true,
      available_begin_time: '2026-03-02T10:00:00.000+08:00',
      available_end_time: '2026-03-31T23:59:59.000+08:00',
      singleitem: false,
      normal_coupon_information: { coupon_amount: 100, transaction_minimum: 1000 },
      out_request_no: 'SEND0001',
    });
  });

  it('SENDED → USED with consume_information → SENDED again after a refund; EXPIRED past its end by the virtual clock', async () => {
    const stock = await runningStock(t);
    const id = await sendOk(t, stock);
    await t.mock.useCoupon(id, { transaction_id: '4200000000202603020000000001' });
    expect(json(await coupon(id))).toMatchObject({
      status: 'USED',
      consume_information: {
        consume_time: '2026-03-02T10:00:00.000+08:00',
        consume_mchid: CREATOR,
        transaction_id: '4200000000202603020000000001',
      },
    });
    await t.mock.refundCoupon(id);
    const refunded = json(await coupon(id));
    expect(refunded.status).toBe('SENDED');
    expect(refunded.consume_information).toBeUndefined();
    await t.mock.clock.set(Date.parse(END) + 1);
    expect(json(await coupon(id)).status).toBe('EXPIRED');
  });

  it('binding and ownership: appid of another merchant → APPID_MCHID_NOT_MATCH; openid not under the appid → INVALID_REQUEST; another user or unknown id → 404; no appid → appid必填', async () => {
    const stock = await runningStock(t);
    const id = await sendOk(t, stock);
    expect(err(await coupon(id, USER, BRANCH_APP))).toEqual([400, 'APPID_MCHID_NOT_MATCH', '商户号与appid不匹配']);
    expect(err(await coupon(id, USER, APP2))).toEqual([400, 'INVALID_REQUEST', 'openid与appid不匹配']);
    expect(err(await coupon(id, USER2))).toEqual([404, 'RESOURCE_NOT_EXISTS', '查询不到该券，请确认批次号与coupon_code是否匹配']);
    expect(err(await coupon('30000009999'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '查询不到该券，请确认批次号与coupon_code是否匹配']);
    expect(err(await t.call('GET', `${FAVOR}/users/${USER}/coupons/${id}`))).toEqual([400, 'PARAM_ERROR', 'appid必填']);
  });

  it("the coupon's window: available_time_after_receive minutes from receipt; second_day_available from the next midnight", async () => {
    const relative = await runningStock(t, { coupon_use_rule: { coupon_available_time: { available_time_after_receive: 90 } } });
    const a = json(await coupon(await sendOk(t, relative)));
    expect([a.available_begin_time, a.available_end_time]).toEqual(['2026-03-02T10:00:00.000+08:00', '2026-03-02T11:30:00.000+08:00']);
    const nextDay = await runningStock(t, {
      coupon_use_rule: { coupon_available_time: { second_day_available: true, available_time_after_receive: 60 } },
    });
    const b = json(await coupon(await sendOk(t, nextDay)));
    expect([b.available_begin_time, b.available_end_time]).toEqual(['2026-03-03T00:00:00.000+08:00', '2026-03-03T01:00:00.000+08:00']);
  });
});

describe("the user's coupons (GET /v3/marketing/favor/users/{openid}/coupons)", () => {
  it('one of creator_mchid / sender_mchid / available_mchid is required → 400 PARAM_ERROR 商户号必填; appid required', async () => {
    expect(err(await list(`appid=${APP}`))).toEqual([400, 'PARAM_ERROR', '商户号必填']);
    expect(err(await list(`creator_mchid=${CREATOR}`))).toEqual([400, 'PARAM_ERROR', 'appid必填']);
    expect(json(await list(`appid=${APP}&creator_mchid=${CREATOR}&status=EXPIRED`)).code).toBe('PARAM_ERROR');
  });

  it('creator_mchid: every status but EXPIRED, newest first; status=SENDED usable only; status=USED usable and redeemed; stock_id filters; pages by page index', async () => {
    const s1 = await runningStock(t);
    const s2 = await runningStock(t, { coupon_use_rule: { coupon_available_time: { available_time_after_receive: 60 } } });
    const a = await sendOk(t, s1);
    await t.mock.clock.advance(1000);
    const b = await sendOk(t, s1);
    await t.mock.clock.advance(1000);
    const expiring = await sendOk(t, s2);
    await t.mock.clock.advance(1000);
    await t.mock.useCoupon(b);
    await t.mock.clock.advance(3_600_000); // `expiring` is past its hour

    const all = await list(`appid=${APP}&creator_mchid=${CREATOR}`);
    expect(all.status).toBe(200);
    t.verifyReply(all);
    expect(json(all)).toMatchObject({ total_count: 2, limit: 20, offset: 0 });
    expect(ids(all)).toEqual([b, a]);
    expect(ids(await list(`appid=${APP}&creator_mchid=${CREATOR}&status=SENDED`))).toEqual([a]);
    expect(ids(await list(`appid=${APP}&creator_mchid=${CREATOR}&status=USED`))).toEqual([b, a]);
    expect(json(await list(`appid=${APP}&creator_mchid=${CREATOR}&stock_id=${s2}`))).toMatchObject({ total_count: 0, data: [] });
    // The coupon left out of every list above is there, and EXPIRED (not merely unlisted).
    expect(json(await coupon(expiring)).status).toBe('EXPIRED');
    const page1 = json(await list(`appid=${APP}&creator_mchid=${CREATOR}&offset=1&limit=1`));
    expect(page1).toMatchObject({ total_count: 2, limit: 1, offset: 1 });
    expect(page1.data.map((c: any) => c.coupon_id)).toEqual([a]);
    expect(json(await list(`appid=${APP}&creator_mchid=${CREATOR}`)).data[0].consume_information.consume_mchid).toBe(CREATOR);
  });

  it('available_mchid: usable coupons of stocks usable there; stock_id, status, offset and limit are ignored', async () => {
    const here = await runningStock(t, { coupon_use_rule: { available_merchants: [CREATOR, SAME_BRAND] } });
    const elsewhere = await runningStock(t);
    const a = await sendOk(t, here);
    const b = await sendOk(t, here);
    await sendOk(t, elsewhere);
    await t.mock.useCoupon(b);
    const res = json(await list(`appid=${APP}&available_mchid=${SAME_BRAND}&stock_id=${elsewhere}&status=USED&offset=3&limit=1`));
    expect(res).toMatchObject({ total_count: 1, offset: 0, limit: 1 });
    expect(res.data.map((c: any) => c.coupon_id)).toEqual([a]);
  });

  it('creator_mchid wins over available_mchid (redeemed coupons come back)', async () => {
    const s = await runningStock(t);
    const a = await sendOk(t, s);
    await t.mock.useCoupon(a);
    expect(json(await list(`appid=${APP}&available_mchid=${CREATOR}`)).total_count).toBe(0);
    expect(ids(await list(`appid=${APP}&available_mchid=${CREATOR}&creator_mchid=${CREATOR}`))).toEqual([a]);
  });

  it('sender_mchid: the coupons the merchant sent; another creator → nothing', async () => {
    const s = await runningStock(t);
    const a = await sendOk(t, s);
    expect(ids(await list(`appid=${APP}&sender_mchid=${CREATOR}`))).toEqual([a]);
    expect(json(await list(`appid=${APP}&creator_mchid=${SAME_BRAND}`)).total_count).toBe(0);
  });

  it("only the appid's coupons: another openid of the same person is another list", async () => {
    const s = await runningStock(t);
    await sendOk(t, s, { openid: USER });
    const other = await sendOk(t, s, { openid: SAME_PERSON, appid: APP2 });
    expect(ids(await list(`appid=${APP2}&creator_mchid=${CREATOR}`, SAME_PERSON))).toEqual([other]);
  });
});

describe('use and refund (control API and programmatic API)', () => {
  it('POST /_mock/favor/coupons/{id}/use with the defaults: USED, consume_mchid = first available merchant, a 4200… transaction_id, now', async () => {
    const s = await runningStock(t);
    const id = await sendOk(t, s);
    const res = await control(id, 'use');
    expect(res.status).toBe(200);
    const c = res.body.coupon;
    expect(c.status).toBe('USED');
    expect(c.consume_information).toEqual({
      consume_time: '2026-03-02T10:00:00.000+08:00',
      consume_mchid: CREATOR,
      transaction_id: expect.stringMatching(/^4200\d{24}$/),
    });
  });

  it('explicit transaction_id, consume_mchid, consume_time and goods_detail are kept; a single-item stock gets a default goods_detail', async () => {
    const s = await runningStock(t, { coupon_use_rule: { available_merchants: [CREATOR, SAME_BRAND] } });
    const single = await runningStock(t, { coupon_use_rule: { available_items: ['sku1'], goods_tag: ['tag'] } });
    const id = await sendOk(t, s);
    await t.mock.clock.advance(3_600_000);
    const goods = [{ goods_id: 'g1', quantity: 2, price: 800, discount_amount: 100 }];
    const res = await control(id, 'use', {
      transaction_id: 'T1',
      consume_mchid: SAME_BRAND,
      consume_time: '2026-03-02T10:30:00+08:00',
      goods_detail: goods,
    });
    expect(res.body.coupon.consume_information).toEqual({
      consume_time: '2026-03-02T10:30:00.000+08:00',
      consume_mchid: SAME_BRAND,
      transaction_id: 'T1',
      goods_detail: goods,
    });

    const used = await t.mock.useCoupon(await sendOk(t, single, { openid: USER2 }));
    expect(used.coupon.consume_information).toMatchObject({
      goods_detail: [{ goods_id: 'sku1', quantity: 1, price: 1000, discount_amount: 100 }],
    });
  });

  it('refused with a clear error: not SENDED, outside the window, not an available merchant, unknown coupon, malformed input', async () => {
    const s = await runningStock(t, { coupon_use_rule: { coupon_available_time: { second_day_available: true } } });
    const id = await sendOk(t, s);
    const other = await sendOk(t, await runningStock(t), { openid: USER2 });
    const early = await control(id, 'use');
    expect(early.status).toBe(400);
    expect(early.body).toEqual({ code: 'INVALID_REQUEST', message: expect.stringContaining("outside the coupon's window") });
    await t.mock.clock.set(Date.parse('2026-03-03T09:00:00+08:00'));
    expect((await control(id, 'use', { consume_mchid: UNRELATED })).body.message).toContain('not an available merchant');
    expect((await control(id, 'use', { consume_time: '2026-03-03T10:00:00+08:00' })).body.message).toContain(
      "after the virtual clock's now",
    );
    expect((await control(id, 'use', { consume_time: 'yesterday' })).body).toMatchObject({ code: 'PARAM_ERROR' });
    expect((await control(id, 'use', { goods_detail: [{ goods_id: 'g' }] })).body).toMatchObject({ code: 'PARAM_ERROR' });
    expect((await control(id, 'use')).status).toBe(200);
    const again = await control(id, 'use');
    expect([again.status, again.body.code, again.body.message]).toEqual([
      400,
      'INVALID_REQUEST',
      `coupon ${id} is USED: only a SENDED coupon can be used`,
    ]);
    const missing = await control('30000009999', 'use');
    expect([missing.status, missing.body.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    await expect(t.mock.useCoupon(id)).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });

    await t.mock.clock.set(Date.parse(END) + 1000);
    expect((await control(other, 'use')).body.message).toBe(`coupon ${other} is EXPIRED: only a SENDED coupon can be used`);
  });

  it('weekly fix_available_time: used only on its weekdays and hours', async () => {
    // 2026-03-02 is a Monday (1); window 09:00–12:00.
    const s = await runningStock(t, {
      coupon_use_rule: { coupon_available_time: { fix_available_time: { available_week_day: [2], begin_time: 32_400, end_time: 43_200 } } },
    });
    const id = await sendOk(t, s);
    expect((await control(id, 'use')).body.message).toContain('fix_available_time');
    await t.mock.clock.set(Date.parse('2026-03-03T13:00:00+08:00'));
    expect((await control(id, 'use')).status).toBe(400);
    await t.mock.clock.set(Date.parse('2026-03-03T11:59:00+08:00'));
    expect((await control(id, 'use')).status).toBe(200);
  });

  it('refund: only a USED coupon; back to SENDED with the refund recorded', async () => {
    const s = await runningStock(t);
    const id = await sendOk(t, s);
    const notUsed = await control(id, 'refund');
    expect([notUsed.status, notUsed.body.message]).toEqual([400, `coupon ${id} is SENDED: only a USED coupon can be refunded`]);
    await control(id, 'use');
    const res = await control(id, 'refund', { refund_id: 'R1' });
    expect(res.status).toBe(200);
    expect(res.body.coupon.status).toBe('SENDED');
    expect(res.body.refund).toEqual({
      refund_id: 'R1',
      refund_time: '2026-03-02T10:00:00.000+08:00',
      refund_amount: 100,
      transaction_id: expect.stringMatching(/^4200/),
    });
    // Without a refund_id: a 32-digit `50…` number, as the real refund ids are.
    await control(id, 'use');
    const byDefault = await control(id, 'refund');
    expect([byDefault.status, byDefault.body.refund.refund_id]).toEqual([200, expect.stringMatching(/^50\d{30}$/)]);
  });

  it('onCouponUsed: the stock creator and the coupon as COUPON.USE carries it (valid for the delivery); listeners results returned; unsubscribe', async () => {
    const s = await runningStock(t);
    const id = await sendOk(t, s);
    const events: any[] = [];
    const off = t.mock.onCouponUsed((event) => {
      events.push(event);
      return 'handled';
    });
    const result = await t.mock.useCoupon(id);
    off();
    expect(result.listeners).toEqual(['handled']);
    expect(result.stock_creator_mchid).toBe(CREATOR);
    expect(events).toHaveLength(1);
    expect(events[0].creatorMchid).toBe(CREATOR);
    expect(events[0].coupon).toMatchObject({ coupon_id: id, stock_id: s, status: 'USED', consume_information: { consume_mchid: CREATOR } });
    expect(events[0].coupon.out_request_no).toBeUndefined();
    // The callbacks module validates the plaintext against contracts/callbacks/coupon-use.plaintext.json (null: no notify URL set).
    await expect(t.mock.deliveries.send(events[0].creatorMchid, events[0].coupon)).resolves.toBeNull();
    await t.mock.refundCoupon(id);
    await t.mock.useCoupon(id);
    expect(events).toHaveLength(1);
  });
});

describe('durability', () => {
  it('create, start (prepaid lock), send, use and refund are on disk before each reply and survive a restart', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-favor-')), 'data.json');
    const first = await newMock({ dataFile });
    await first.mock.clock.freeze(NOW_MS);
    // What a restart would read (snapshot + change log), right after each reply.
    const onDisk = async () => ((await readDataFile(dataFile)) as any).merchants[CREATOR];
    const balance = (await onDisk()).balance;
    const s = await runningStock(first, { no_cash: false });
    expect((await onDisk()).favor.stocks[s]).toMatchObject({ status: 'running', locked_amount: 1000 });
    expect((await onDisk()).balance).toBe(balance - 1000);
    const id = await sendOk(first, s);
    expect((await onDisk()).favor.coupons[id].status).toBe('SENDED');
    const used = await request(first.mock.listener)
      .post(`/_mock/favor/coupons/${id}/use`)
      .send({ transaction_id: '4200000000000000000000000001' });
    expect(used.status).toBe(200);
    expect((await onDisk()).favor.coupons[id].consume_information.transaction_id).toBe('4200000000000000000000000001');
    await first.mock.refundCoupon(id, { refund_id: 'R-DURABLE' });
    expect((await onDisk()).favor.stocks[s].refund_flow[0].refund_id).toBe('R-DURABLE');

    const second = await newMock({ dataFile });
    await second.mock.clock.freeze(NOW_MS);
    expect(json(await second.call('GET', `${stockPath(s)}?stock_creator_mchid=${CREATOR}`))).toMatchObject({
      status: 'running',
      distributed_coupons: 1,
      no_cash: false,
    });
    expect(json(await second.call('GET', `${FAVOR}/users/${USER}/coupons/${id}?appid=${APP}`))).toMatchObject({
      coupon_id: id,
      status: 'SENDED',
    });
    expect(await balanceOf(second.mock, CREATOR)).toBe(balance - 1000);
    await first.mock.close();
    await second.mock.close();
  });
});

describe('cross-merchant isolation: another merchant never sees nor changes a stock or coupon it has no part in', () => {
  it("every favor endpoint, as a same-brand and an unrelated merchant, on the creator's stock and coupon → the documented errors, nothing changed", async () => {
    const OWN_APP: Record<string, [string, string]> = {
      [SAME_BRAND]: [BRANCH_APP, 'od3htb2NrLTMtdXNlci0xX19fX19'],
      [UNRELATED]: ['wx1a2b3c4d5e6f7004', 'od3htb2NrLTQtdXNlci0xX19fX19'],
    };
    const s = await runningStock(t, {
      coupon_use_rule: { available_merchants: [CREATOR, SAME_BRAND], available_items: ['sku1'], goods_tag: ['tag'] },
    });
    const idle = await runningStock(t);
    const id = await sendOk(t, s);
    await t.mock.useCoupon(id, { consume_mchid: SAME_BRAND });
    await t.mock.clock.set(Date.parse('2026-04-01T10:00:00+08:00'));
    const before = JSON.stringify((await stateOf(t.mock)).merchants);
    const NOT_FOUND = [404, 'RESOURCE_NOT_EXISTS', '批次不存在'];
    const MISMATCH = [400, 'PARAM_ERROR', 'http header中的mchid与post payload中的mchid不匹配'];

    for (const other of [SAME_BRAND, UNRELATED]) {
      const [appid, openid] = OWN_APP[other];
      const q = `stock_creator_mchid=${CREATOR}`;
      const checks: [string, Promise<request.Response>, unknown[]][] = [
        ['detail', t.call('GET', `${stockPath(s)}?${q}`, { mchid: other }), NOT_FOUND],
        ['merchants', t.call('GET', `${stockPath(s, 'merchants')}?${q}&offset=0&limit=10`, { mchid: other }), NOT_FOUND],
        ['items', t.call('GET', `${stockPath(s, 'items')}?${q}&offset=0&limit=10`, { mchid: other }), NOT_FOUND],
        ['list', t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&${q}`, { mchid: other }), [400, 'INVALID_REQUEST', '非法的商户号']],
        [
          'own list',
          t.call('GET', `${FAVOR}/stocks?offset=0&limit=10&stock_creator_mchid=${other}`, { mchid: other }),
          [404, 'RESOURCE_NOT_EXISTS', '查询不到该券，请确认批次号与coupon_code是否匹配'],
        ],
        ['use-flow', t.call('GET', stockPath(s, 'use-flow'), { mchid: other }), NOT_FOUND],
        ['refund-flow', t.call('GET', stockPath(s, 'refund-flow'), { mchid: other }), NOT_FOUND],
        [
          'pause naming the creator',
          t.call('POST', stockPath(s, 'pause'), { body: { stock_creator_mchid: CREATOR }, mchid: other }),
          MISMATCH,
        ],
        ['pause naming itself', t.call('POST', stockPath(s, 'pause'), { body: { stock_creator_mchid: other }, mchid: other }), NOT_FOUND],
        ['stop naming itself', t.call('POST', stockPath(idle, 'stop'), { body: { stock_creator_mchid: other }, mchid: other }), NOT_FOUND],
        [
          'send',
          t.call('POST', `${FAVOR}/users/${openid}/coupons`, {
            body: { stock_id: s, out_request_no: `X${other}`, appid, stock_creator_mchid: CREATOR },
            mchid: other,
          }),
          [403, 'REQUEST_BLOCKED', '商户无权发券'],
        ],
        [
          "coupon with the creator's appid",
          t.call('GET', `${FAVOR}/users/${USER}/coupons/${id}?appid=${APP}`, { mchid: other }),
          [400, 'APPID_MCHID_NOT_MATCH', '商户号与appid不匹配'],
        ],
        [
          'coupon with its own appid',
          t.call('GET', `${FAVOR}/users/${USER}/coupons/${id}?appid=${appid}`, { mchid: other }),
          [400, 'INVALID_REQUEST', 'openid与appid不匹配'],
        ],
        [
          'user coupons',
          t.call('GET', `${FAVOR}/users/${USER}/coupons?appid=${APP}&creator_mchid=${CREATOR}`, { mchid: other }),
          [400, 'APPID_MCHID_NOT_MATCH', '商户号与appid不匹配'],
        ],
        [
          "its own user's coupons",
          t.call('GET', `${FAVOR}/users/${openid}/coupons?appid=${appid}&available_mchid=${other}`, { mchid: other }),
          [200, undefined, undefined],
        ],
      ];
      for (const [what, res, expected] of checks) expect([other, what, ...err(await res)]).toEqual([other, what, ...expected]);
      // Even as one of the stock's available merchants (SAME_BRAND), its users' lists hold none of the creator's coupons.
      expect(
        json(await t.call('GET', `${FAVOR}/users/${openid}/coupons?appid=${appid}&available_mchid=${other}`, { mchid: other })).total_count,
      ).toBe(0);
    }
    expect(JSON.stringify((await stateOf(t.mock)).merchants)).toBe(before);
    // The creator still sees everything.
    expect(json(await coupon(id))).toMatchObject({ status: 'USED', consume_information: { consume_mchid: SAME_BRAND } });
    expect((await t.call('GET', stockPath(s, 'use-flow'))).status).toBe(200);
  });
});

describe('use-flow / refund-flow and the bill download', () => {
  const AFTER = Date.parse('2026-04-01T10:00:00+08:00'); // 10:00 the day after END
  const flow = (stockId: string, kind: 'use-flow' | 'refund-flow', mchid = CREATOR) => t.call('GET', stockPath(stockId, kind), { mchid });
  const download = (url: string, mchid = CREATOR) => t.call('GET', url.replace(/^https?:\/\/[^/]+/, ''), { mchid });

  async function usedStock() {
    const s = await runningStock(t);
    const a = await sendOk(t, s);
    const b = await sendOk(t, s);
    await t.mock.useCoupon(a, { transaction_id: '4200000001' });
    await t.mock.useCoupon(b, {
      transaction_id: '4200000002',
      goods_detail: [{ goods_id: 'g1', quantity: 1, price: 1200, discount_amount: 100 }],
    });
    await t.mock.refundCoupon(b, { refund_id: '5000000002' });
    return { s, a, b };
  }

  it('no file before 10:00 the day after the stock ends, nor without redemptions → 404 RESOURCE_NOT_EXISTS 账单文件不存在', async () => {
    const { s } = await usedStock();
    const unused = await runningStock(t);
    expect(err(await flow(s, 'use-flow'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '账单文件不存在']);
    await t.mock.clock.set(AFTER - 1000);
    expect(err(await flow(s, 'use-flow'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '账单文件不存在']);
    await t.mock.clock.set(AFTER);
    expect(err(await flow(unused, 'use-flow'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '账单文件不存在']);
    expect(err(await flow(unused, 'refund-flow'))).toEqual([404, 'RESOURCE_NOT_EXISTS', '账单文件不存在']);
    expect(err(await flow(s, 'use-flow', SAME_BRAND))).toEqual([404, 'RESOURCE_NOT_EXISTS', '批次不存在']);
  });

  it('use-flow: {url, hash_value, hash_type: SHA1}, signed; the download is the CSV whose SHA1 is hash_value, unsigned', async () => {
    const { s, a, b } = await usedStock();
    await t.mock.clock.set(AFTER);
    const res = await flow(s, 'use-flow');
    expect(res.status).toBe(200);
    t.verifyReply(res);
    const bill = json(res);
    expect(bill).toEqual({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v3\/billdownload\/file\?token=[\w-]+$/),
      hash_value: expect.stringMatching(/^[0-9a-f]{40}$/),
      hash_type: 'SHA1',
    });
    const file = await download(bill.url);
    expect(file.status).toBe(200);
    expect(file.headers['wechatpay-signature']).toBeUndefined();
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(createHash('sha1').update(file.body).digest('hex')).toBe(bill.hash_value);
    expect(bodyText(file).split('\n')).toEqual([
      '批次ID,代金券ID,优惠类型,优惠金额(元),订单总金额(元),支付单号,核销时间,核销商户号,单品信息',
      `\`${s},\`${a},\`免充值,\`1.00,\`10.00,\`4200000001,\`2026-03-02T10:00:00.000+08:00,\`${CREATOR},\``,
      `\`${s},\`${b},\`免充值,\`1.00,\`12.00,\`4200000002,\`2026-03-02T10:00:00.000+08:00,\`${CREATOR},\`g1:1:12.00:1.00`,
      '总核销笔数,总优惠金额(元)',
      '`2,`2.00',
      '',
    ]);
  });

  it('refund-flow lists the refunds', async () => {
    const { s, b } = await usedStock();
    await t.mock.clock.set(AFTER);
    const bill = json(await flow(s, 'refund-flow'));
    const file = await download(bill.url);
    expect(createHash('sha1').update(file.body).digest('hex')).toBe(bill.hash_value);
    expect(bodyText(file).split('\n')).toEqual([
      '批次ID,代金券ID,优惠类型,退款金额(元),支付单号,退款单号,退款时间',
      `\`${s},\`${b},\`免充值,\`1.00,\`4200000002,\`5000000002,\`2026-03-02T10:00:00.000+08:00`,
      '总退款笔数,总退款金额(元)',
      '`1,`1.00',
      '',
    ]);
  });

  it('the link: 30 s of virtual time (then 400 INVALID_REQUEST), only for the merchant that asked (403 NO_AUTH), unknown token 400, unsigned request 401', async () => {
    const { s } = await usedStock();
    await t.mock.clock.set(AFTER);
    const { url } = json(await flow(s, 'use-flow'));
    expect(err(await download(url, SAME_BRAND))).toEqual([403, 'NO_AUTH', '无权下载该账单文件']);
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    const unsigned = await request(t.mock.listener).get(path).set('Accept', 'application/json').set('User-Agent', 'test');
    expect([unsigned.status, unsigned.body.code, unsigned.body.message]).toEqual([
      401,
      'SIGN_ERROR',
      'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》',
    ]);
    await t.mock.clock.advance(30_000);
    expect((await download(url)).status).toBe(200);
    await t.mock.clock.advance(1);
    expect(err(await download(url))).toEqual([400, 'INVALID_REQUEST', '下载链接已过期或无效，请重新获取']);
    expect(err(await download('/v3/billdownload/file?token=nope'))).toEqual([400, 'INVALID_REQUEST', '下载链接已过期或无效，请重新获取']);
  });

  it('realBillUrls: the url is on https://api.mch.weixin.qq.com for clients that rewrite the host', async () => {
    const real = await newMock({ realBillUrls: true });
    await real.mock.clock.freeze(NOW_MS);
    const s = await runningStock(real);
    await real.mock.useCoupon(await sendOk(real, s));
    await real.mock.clock.set(AFTER);
    const { url, hash_value } = json(await real.call('GET', stockPath(s, 'use-flow')));
    expect(url).toMatch(/^https:\/\/api\.mch\.weixin\.qq\.com\/v3\/billdownload\/file\?token=/);
    const file = await real.call('GET', url.replace('https://api.mch.weixin.qq.com', ''));
    expect(createHash('sha1').update(file.body).digest('hex')).toBe(hash_value);
  });
});
