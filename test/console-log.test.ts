/**
 * The console log (mock-server/log.ts): one line per API request, per control change and per
 * COUPON.USE attempt, through the programmatic `log` / `logWrite` options; silent by default.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackReceiver, createSigner, startMock, type CallbackReceiver, type RunningMock } from '../mock-server/index.js';
import { couponUsePlaintext } from './helpers/coupon-use.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function mockWithLog(log: 'pretty' | 'json', color = false): Promise<{ mock: RunningMock; lines: string[] }> {
  const lines: string[] = [];
  const mock = await startMock({ log, logColor: color, logWrite: (text) => lines.push(...text.split('\n').filter(Boolean)) });
  open.push(mock);
  return { mock, lines };
}

function signedGet(mock: RunningMock, path: string) {
  const m = mock.credentials.merchants[0];
  const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
  return fetch(mock.url + path, { headers: signer.headers('GET', path) });
}

describe('console log', () => {
  it('json: one object per request with time, method, path, operation, mchid, status, code, ms', async () => {
    const { mock, lines } = await mockWithLog('json');
    await signedGet(mock, '/v3/marketing/favor/callbacks?mchid=1900000001');
    await fetch(mock.url + '/v3/certificates'); // unsigned: 401 SIGN_ERROR
    const [read, refused] = lines.map((l) => JSON.parse(l));
    expect(read).toMatchObject({
      type: 'request',
      method: 'GET',
      path: '/v3/marketing/favor/callbacks?mchid=1900000001',
      operation: 'favor.getCallback',
      mchid: '1900000001',
      status: 404, // no notify URL set yet
      code: 'RESOURCE_NOT_EXISTS',
    });
    expect(read.ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(read.time)).not.toBeNaN();
    expect(refused).toMatchObject({ operation: 'certificates.list', mchid: null, status: 401, code: 'SIGN_ERROR' });
    expect(lines).toHaveLength(2);
  });

  it('pretty: a readable line, ANSI colors only when asked; control changes logged, control reads not', async () => {
    const { mock, lines } = await mockWithLog('pretty');
    await fetch(mock.url + '/v3/certificates');
    await fetch(mock.url + '/_mock/health');
    await fetch(mock.url + '/_mock/clock/advance', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"by":"1h"}',
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} GET \/v3\/certificates certificates\.list - → 401 SIGN_ERROR [\d.]+ ms$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} POST \/_mock\/clock\/advance control → 200 [\d.]+ ms$/);

    const colored = await mockWithLog('pretty', true);
    await fetch(colored.mock.url + '/v3/certificates');
    expect(colored.lines[0]).toContain('\x1b[33m401\x1b[0m'); // 4xx in yellow
  });

  it('one line per COUPON.USE attempt: the notification, the URL, attempt n/9 and the answer', async () => {
    const { mock, lines } = await mockWithLog('json');
    const receiver: CallbackReceiver = await createCallbackReceiver({ credentials: mock.credentials, mchid: '1900000001' });
    open.push(receiver);
    receiver.respond([{ status: 500 }]);
    const m = mock.credentials.merchants[0];
    const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    const body = JSON.stringify({ mchid: m.mchid, notify_url: receiver.url });
    await fetch(mock.url + '/v3/marketing/favor/callbacks', {
      method: 'POST',
      body,
      headers: { ...signer.headers('POST', '/v3/marketing/favor/callbacks', body), 'Content-Type': 'application/json' },
    });
    await mock.clock.freeze();
    const handle = await mock.deliveries.send('1900000001', couponUsePlaintext('1900000001'));
    await mock.deliveries.waitFor(handle!.record.id, { attempts: 1 });
    await mock.clock.advance('1m');
    await handle!.settled;
    const attempts = lines.map((l) => JSON.parse(l)).filter((l) => l.type === 'callback');
    expect(attempts).toEqual([
      expect.objectContaining({
        event: 'COUPON.USE',
        id: handle!.record.id,
        url: receiver.url,
        attempt: 1,
        status: 500,
        outcome: 'failed',
      }),
      expect.objectContaining({ event: 'COUPON.USE', id: handle!.record.id, attempt: 2, status: 204, outcome: 'delivered' }),
    ]);
    expect(attempts[0].next_attempt_at).toMatch(/\+08:00$/);
  });
});
