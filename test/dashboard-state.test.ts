/**
 * What the dashboard reads, over HTTP without a browser: the read-only views under /_mock/state/
 * (statuses from the virtual clock, filters, refusals of bad queries, COUPON.USE decrypted), the
 * journal as server-sent events (resuming after Last-Event-ID), and the page's files behind the
 * control API's guard.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallbackReceiver, type CallbackReceiver } from '../mock-server/index.js';
import { APP, END, favorMock, runningStock, sendOk, stockAction, USER, USER2 } from './helpers/favor.js';
import { CREATOR, SAME_BRAND } from './helpers/mock.js';
import { CREATE, createBody } from './helpers/paygift.js';

const t = favorMock();
const get = (path: string) => request(t.mock.listener).get(path);

let receiver: CallbackReceiver;
beforeAll(async () => {
  receiver = await createCallbackReceiver({ credentials: t.mock.credentials, mchid: CREATOR });
});
afterAll(() => receiver.close());

describe('GET /_mock/state/…', () => {
  it('stocks: status from the clock, coupons sent and budget used; the window past → stoped without a write', async () => {
    const running = await runningStock(t);
    await sendOk(t, running);
    await sendOk(t, running, { openid: USER2 });
    const paused = await runningStock(t, { stock_name: '暂停的券' });
    expect((await stockAction(t, paused, 'pause')).status).toBe(200);

    const { stocks } = (await get('/_mock/state/stocks').expect(200)).body;
    expect(stocks.map((s: any) => [s.stock_id, s.status])).toEqual([
      [paused, 'paused'],
      [running, 'running'],
    ]);
    expect(stocks[1]).toMatchObject({
      creator_mchid: CREATOR,
      coupon_amount: 100,
      max_coupons: 10,
      max_amount: 1000,
      distributed_coupons: 2,
      distributed_amount: 200,
      used_coupons: 0,
      available_end_time: '2026-03-31T23:59:59.000+08:00',
    });

    await t.mock.clock.set(Date.parse(END) + 1000);
    expect((await get('/_mock/state/stocks').expect(200)).body.stocks.map((s: any) => s.status)).toEqual(['stoped', 'stoped']);
  });

  it('coupons: filtered by openid, status and stock, newest first, with total; a bad status or limit → 400 PARAM_ERROR', async () => {
    const stock = await runningStock(t);
    const first = await sendOk(t, stock);
    const second = await sendOk(t, stock);
    const other = await sendOk(t, stock, { openid: USER2 });
    await t.mock.useCoupon(first);

    const all = (await get('/_mock/state/coupons').expect(200)).body;
    expect(all.total).toBe(3);
    expect(all.coupons.map((c: any) => c.coupon_id)).toEqual([other, second, first]);
    const mine = (await get(`/_mock/state/coupons?openid=${USER}&status=SENDED`).expect(200)).body;
    expect(mine).toEqual({ total: 1, coupons: [expect.objectContaining({ coupon_id: second, appid: APP, status: 'SENDED' })] });
    const used = (await get(`/_mock/state/coupons?status=USED&stock_id=${stock}`).expect(200)).body.coupons;
    expect(used).toEqual([
      expect.objectContaining({ coupon_id: first, consume_information: expect.objectContaining({ consume_mchid: CREATOR }) }),
    ]);
    expect((await get('/_mock/state/coupons?limit=1').expect(200)).body).toMatchObject({ total: 3, coupons: [{ coupon_id: other }] });

    for (const [query, message] of [
      ['status=USE', 'status must be one of SENDED, USED, EXPIRED'],
      ['limit=0', 'limit must be an integer from 1 to 1000'],
      ['limit=1001', 'limit must be an integer from 1 to 1000'],
      ['limit=ten', 'limit must be an integer from 1 to 1000'],
    ])
      expect((await get(`/_mock/state/coupons?${query}`).expect(400)).body, query).toEqual({
        code: 'PARAM_ERROR',
        message,
        detail: expect.objectContaining({ field: query.split('=')[0], location: 'query' }),
      });
  });

  it('deliveries: newest first, each with its resource decrypted; merchants show the notify URL', async () => {
    receiver.clear();
    const set = await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: receiver.url } });
    expect(set.status).toBe(200);
    const stock = await runningStock(t);
    const coupon = await sendOk(t, stock);
    const { delivery } = await t.mock.useCoupon(coupon);
    await delivery!.settled;

    const { deliveries } = (await get('/_mock/state/deliveries').expect(200)).body;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ id: delivery!.record.id, state: 'delivered', mchid: CREATOR, coupon_id: coupon });
    expect(deliveries[0].plaintext).toMatchObject({ coupon_id: coupon, stock_id: stock, status: 'USED' });

    const { merchants } = (await get('/_mock/state/merchants').expect(200)).body;
    expect(merchants.find((m: any) => m.mchid === CREATOR)).toMatchObject({ notify_url: receiver.url, verification_mode: 'certificate' });
    expect(merchants.find((m: any) => m.mchid === SAME_BRAND)).toMatchObject({ notify_url: null, verification_mode: 'public_key' });
  });

  it('activities and partnerships: what was created, status from the clock', async () => {
    const created = await t.call('POST', CREATE, { body: await createBody(t, 'PG-STATE-1') });
    expect(created.status).toBe(200);
    const stock = await runningStock(t);
    const relation = {
      partner: { type: 'MERCHANT', merchant_id: SAME_BRAND },
      authorized_data: { business_type: 'FAVOR_STOCK', stock_id: stock },
    };
    const built = await t.call('POST', '/v3/marketing/partnerships/build', { body: relation, headers: { 'Idempotency-Key': 'STATE-1' } });
    expect(built.status).toBe(200);

    // The activity starts 2026-04-01: not yet at the suite's frozen 2026-03-02.
    expect((await get('/_mock/state/activities').expect(200)).body.activities).toEqual([
      expect.objectContaining({
        creator_mchid: CREATOR,
        activity_name: '春季满额送',
        status: 'CREATE_ACT_STATUS',
        merchants: [CREATOR, SAME_BRAND],
      }),
    ]);
    expect((await get('/_mock/state/partnerships').expect(200)).body.partnerships).toEqual([
      expect.objectContaining({ owner_mchid: CREATOR, state: 'ESTABLISHED', ...relation }),
    ]);
  });
});

describe('GET /_mock/journal/stream', () => {
  /** Opens the stream with these headers; `next()` reads up to the end of the next event. */
  async function stream(path: string, headers: Record<string, string> = {}) {
    const res = await t.mock.request(path, { headers });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    return {
      async next(): Promise<{ id: string; entry: any }> {
        while (!buffer.includes('\n\n')) buffer += (await reader.read()).value ?? '';
        const end = buffer.indexOf('\n\n');
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        expect(event).toMatch(/^event: entry\ndata: .*\nid: [0-9a-f]+:\d+$/);
        return { id: /\nid: (.*)$/.exec(event)![1], entry: JSON.parse(/\ndata: (.*)\n/.exec(event)![1]) };
      },
      close: () => reader.cancel(),
    };
  }

  it('sends the backlog after Last-Event-ID as `entry` events with `<run>:<seq>` ids, then new entries as they come', async () => {
    await t.call('GET', '/v3/certificates');
    await t.call('GET', '/v3/certificates');
    const [first, second] = t.mock.journal();
    const all = await stream('/_mock/journal/stream');
    const one = await all.next();
    expect(one.entry).toEqual(first);
    const run = one.id.split(':')[0];
    expect(one.id).toBe(`${run}:${first.seq}`);
    await all.close();

    // A browser reconnecting after the first entry gets the second, then what comes next.
    const resumed = await stream('/_mock/journal/stream', { 'Last-Event-ID': `${run}:${first.seq}` });
    expect(await resumed.next()).toEqual({ id: `${run}:${second.seq}`, entry: second });
    await t.call('GET', '/v3/marketing/favor/callbacks?mchid=1900000001');
    expect(await resumed.next()).toMatchObject({ id: `${run}:${second.seq + 1}`, entry: { operation_id: 'favor.getCallback' } });
    await resumed.close();

    // An id of another run (a restarted mock): the backlog from the start.
    const other = await stream('/_mock/journal/stream', { 'Last-Event-ID': `0000:${second.seq}` });
    expect((await other.next()).entry).toEqual(first);
    await other.close();
  });
});

describe('GET /_mock/ui', () => {
  it('serves the page with a same-origin script policy, its script and Preact from the package; unknown files → 404', async () => {
    for (const path of ['/_mock/ui', '/_mock/ui/', '/_mock/ui/index.html']) {
      const page = await get(path).expect(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]+=*'/);
      expect(page.text).toContain('<script type="module" src="/_mock/ui/dashboard.js"></script>');
    }
    for (const path of ['/_mock/ui/dashboard.js', '/_mock/ui/vendor/preact.mjs', '/_mock/ui/vendor/hooks.mjs', '/_mock/ui/vendor/htm.mjs'])
      expect((await get(path).expect(200)).headers['content-type'], path).toBe('text/javascript; charset=utf-8');
    expect((await get('/_mock/ui/__proto__').expect(404)).body.code).toBe('NOT_FOUND');
    expect((await get('/_mock/ui/nothing.js').expect(404)).body.code).toBe('NOT_FOUND');
  });

  it("is where a browser opening the mock's address lands; other clients get the API's empty 404 there", async () => {
    const browser = await get('/').set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8').expect(302);
    expect(browser.headers.location).toBe('/_mock/ui');
    for (const accept of ['application/json', '*/*']) {
      const res = await get('/').set('Accept', accept).expect(404);
      expect(res.text).toBe('');
    }
    await get('/').set('Accept', 'text/html').set('Host', 'attacker.example').expect(302); // the page itself is guarded
  });

  it('answers only what the control API answers: another Host → 403 NO_AUTH', async () => {
    const res = await get('/_mock/ui').set('Host', 'attacker.example:8750').expect(403);
    expect(res.body.code).toBe('NO_AUTH');
    await get('/_mock/state/coupons').set('Host', 'attacker.example').expect(403);
  });
});
