/**
 * What a newcomer trips over, answered plainly: option typos and bad values (OptionsError with
 * "did you mean"), a port in use (the port and --port 0), receivers that outlive a reset, empty ids.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, OptionsError, startMock, type RunningMock } from '../mock-server/index.js';
import { couponUsePlaintext } from './helpers/coupon-use.js';
import { favorMock, runningStock, sendOk } from './helpers/favor.js';
import { CREATOR } from './helpers/mock.js';

const open: RunningMock[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

describe('programmatic options are checked at run time', () => {
  it('an unknown option is refused with the nearest known one: startMock({ prot: 0 }) → did you mean port?', async () => {
    await expect(startMock({ prot: 0 } as object)).rejects.toThrow(
      new OptionsError('wxpay-mock: unknown option "prot" (did you mean port?)'),
    );
    await expect(createApp({ jornalSize: 10 } as object)).rejects.toThrow(/unknown option "jornalSize" \(did you mean journalSize\?\)/);
    await expect(createApp({ zzz: 1 } as object)).rejects.toThrow(/^wxpay-mock: unknown option "zzz"$/);
  });

  it('a value out of range is refused naming the option and the value', async () => {
    await expect(createApp({ journalSize: -1 })).rejects.toThrow('wxpay-mock: option journalSize must be an integer ≥ 1, got -1');
    await expect(createApp({ callbackTimeScale: Infinity })).rejects.toThrow(/callbackTimeScale must be a finite number > 0/);
    await expect(createApp({ baseUrl: 'localhost:8750' })).rejects.toThrow(/baseUrl must be an absolute http\(s\) URL/);
    await expect(createApp({ log: 'loud' as 'json' })).rejects.toThrow(/log must be pretty, json, silent, got "loud"/);
    await expect(startMock({ port: 70000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
  });

  it('a port in use: the port and what to do (--port 0), not a bare EADDRINUSE', async () => {
    const first = await startMock();
    open.push(first);
    await expect(startMock({ port: first.port })).rejects.toThrow(
      `port ${first.port} on 127.0.0.1 is already in use (another wxpay-mock?): stop that process, or use --port 0 (startMock({ port: 0 })) for a free port`,
    );
  });
});

describe('receivers from mock.createCallbackReceiver follow the mock', () => {
  it('reset() empties them: waitFor(n) counts from the reset; close() closes them', async () => {
    const mock = await startMock();
    open.push(mock);
    const receiver = await mock.createCallbackReceiver({ mchid: '1900000001' });
    const setUrl = async () => {
      const m = mock.credentials.merchants[0];
      const { createSigner } = await import('../mock-server/index.js');
      const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
      const body = JSON.stringify({ mchid: m.mchid, notify_url: receiver.url });
      const path = '/v3/marketing/favor/callbacks';
      await fetch(mock.url + path, {
        method: 'POST',
        body,
        headers: { ...signer.headers('POST', path, body), 'Content-Type': 'application/json' },
      });
    };
    await setUrl();
    receiver.respond([{ status: 500 }]);
    const first = await mock.deliveries.send('1900000001', couponUsePlaintext('1900000001'));
    await mock.deliveries.waitFor(first!.record.id, { attempts: 1 });
    expect(receiver.received).toHaveLength(1);

    await mock.reset();
    expect(receiver.received).toHaveLength(0);
    await setUrl(); // the reset forgot the notify URL too
    const second = await mock.deliveries.send('1900000001', couponUsePlaintext('1900000001'));
    const [cb] = await receiver.waitFor(1);
    expect(cb.id).toBe(second!.record.id);
    expect(cb.answeredStatus).toBe(204); // the queued 500 went with the reset

    await mock.close();
    await expect(fetch(receiver.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});

describe("a use's delivery has one shape", () => {
  const t = favorMock();

  it('mock.useCoupon(...).delivery is the record the control API answers, plus settled (and record, for older code)', async () => {
    const receiver = await t.mock.createCallbackReceiver({ mchid: CREATOR });
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: receiver.url } });
    const stock = await runningStock(t);
    const [viaCode, viaControl] = [await sendOk(t, stock), await sendOk(t, stock)];
    const { delivery } = await t.mock.useCoupon(viaCode);
    const answered = await (
      await t.mock.request(`/_mock/favor/coupons/${viaControl}/use`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      })
    ).json();
    expect(Object.keys(JSON.parse(JSON.stringify(delivery)))).toEqual(Object.keys(answered.delivery));
    expect(delivery).toMatchObject({ coupon_id: viaCode, stock_id: stock, mchid: CREATOR, state: 'pending', url: receiver.url });
    expect(delivery!.record.id).toBe(delivery!.id);
    expect(await delivery!.settled).toMatchObject({ id: delivery!.id, state: 'delivered' });
    // deliveries.replay and deliveries.send answer the same shape.
    const replayed = await t.mock.deliveries.replay(delivery!.id);
    const sent = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    for (const d of [replayed, sent!]) {
      expect(Object.keys(JSON.parse(JSON.stringify(d)))).toEqual(Object.keys(answered.delivery));
      expect([d.record.id, (await d.settled).state]).toEqual([d.id, 'delivered']);
    }
    expect(replayed.id).toBe(delivery!.id);
    await receiver.close();
  });
});

describe('empty ids are named, not printed as double spaces', () => {
  it('POST /_mock/callbacks/coupon-use {"coupon":{}} → 400 PARAM_ERROR naming creator_mchid', async () => {
    const app = await createApp();
    const res = await app.request('/_mock/callbacks/coupon-use', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ coupon: {} }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toEqual({
      code: 'PARAM_ERROR',
      message: 'creator_mchid (or coupon.stock_creator_mchid) is required: the merchant to notify',
    });
    await app.close();
  });

  it('an empty or blank id is quoted in the message: no merchant "" / no coupon " " / no notification " "', async () => {
    const app = await createApp();
    await expect(app.deliveries.send('', couponUsePlaintext('1900000001'))).rejects.toThrow('no merchant "" in the fixture world');
    await expect(app.deliveries.replay(' ')).rejects.toThrow('no notification " " in the delivery log');
    const post = async (path: string, body = '{}') =>
      (await app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).json();
    expect(await post('/_mock/favor/coupons/%20/use')).toEqual({ code: 'RESOURCE_NOT_EXISTS', message: 'no coupon " "' });
    expect((await post('/_mock/callbacks/handler-check', '{"mchid":""}')).message).toBe('no merchant "" in the fixture world');
    await app.close();
  });
});
