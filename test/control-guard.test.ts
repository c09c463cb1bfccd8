/**
 * The control API is as careful as the real API (control/guard.ts, clock-input.ts): who may call it
 * (loopback, Host and Origin against DNS rebinding, JSON bodies only, no CORS), how much it reads,
 * which values it takes, what a 500 says, and where handed-out URLs point.
 */
import { request as httpRequest } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClockInputError, createSigner, startMock, type RunningMock } from '../mock-server/index.js';
import { controlRoutes } from '../mock-server/control/routes.js';
import { Clock } from '../mock-server/clock.js';
import { Journal } from '../mock-server/journal.js';
import { resolveOptions } from '../mock-server/options.js';
import { APP, favorMock, runningStock, sendOk, USER } from './helpers/favor.js';
import { uploadBody } from './helpers/image-upload.js';
import { json } from './helpers/mock.js';
import { PNG } from './helpers/images.js';

/** A raw HTTP request: any Host, any headers (fetch would not send a Host of our choosing). */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
let mock: RunningMock;
let hosted: RunningMock;
beforeAll(async () => {
  [mock, hosted] = await Promise.all([startMock(), startMock({ baseUrl: 'https://mock.example.test:8443', allowHosts: ['wxpay-mock'] })]);
});
afterAll(async () => {
  await mock.close();
  await hosted.close();
});
beforeEach(() => mock.reset());

describe('DNS-rebinding guard: Host, Origin, content type, no CORS', () => {
  it('answers Host localhost, 127.0.0.1 and [::1] (any port); refuses another name with 403 NO_AUTH', async () => {
    for (const host of ['localhost:8750', '127.0.0.1', `127.0.0.1:${mock.port}`, '[::1]:8750'])
      expect((await raw(mock.url, 'GET', '/_mock/health', { Host: host })).status, host).toBe(200);
    const rebound = await raw(mock.url, 'GET', '/_mock/health', { Host: 'attacker.example:8750' });
    expect(rebound.status).toBe(403);
    expect(rebound.json).toMatchObject({ code: 'NO_AUTH', message: expect.stringContaining('--allow-host') });
    // Nothing changes through a refused Host.
    expect((await raw(mock.url, 'POST', '/_mock/clock/advance', { Host: 'attacker.example', ...JSON_TYPE }, '{"by":"1d"}')).status).toBe(
      403,
    );
    expect(Math.abs(mock.clock.nowMs() - Date.now())).toBeLessThan(60_000);
  });

  it("also answers --base-url's host and --allow-host names", async () => {
    expect((await raw(hosted.url, 'GET', '/_mock/health', { Host: 'mock.example.test:8443' })).status).toBe(200);
    expect((await raw(hosted.url, 'GET', '/_mock/health', { Host: 'wxpay-mock:8750' })).status).toBe(200);
    expect((await raw(hosted.url, 'GET', '/_mock/health', { Host: 'other.example' })).status).toBe(403);
  });

  it("refuses a page of another origin (Origin header), accepts the mock's own", async () => {
    const cross = await raw(mock.url, 'POST', '/_mock/reset', { Origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.json.code).toBe('NO_AUTH');
    expect((await raw(mock.url, 'POST', '/_mock/reset', { Origin: mock.url })).status).toBe(200);
  });

  it('a body must be JSON: a form or text/plain POST (what a cross-site form can send) → 415, nothing done', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await raw(mock.url, 'POST', '/_mock/clock/advance', { 'Content-Type': type }, '{"by":"1d"}');
      expect([res.status, res.json.code], type).toEqual([415, 'INVALID_REQUEST']);
    }
    expect(Math.abs(mock.clock.nowMs() - Date.now())).toBeLessThan(60_000);
    // No body, no type needed (curl -X POST …/reset).
    expect((await raw(mock.url, 'POST', '/_mock/reset')).status).toBe(200);
  });

  it('sends no CORS headers, not even to a preflight', async () => {
    const preflight = await raw(mock.url, 'OPTIONS', '/_mock/reset', {
      Origin: 'http://127.0.0.1:3000',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    });
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const get = await raw(mock.url, 'GET', '/_mock/health', { Origin: 'http://127.0.0.1:3000' });
    expect(Object.keys(get.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });
});

describe('the control API reads and takes only what it can handle', () => {
  it('a body over the API limit (1 MiB) → 400 INVALID_REQUEST 请求体超过大小限制, declared or streamed', async () => {
    const big = JSON.stringify({ by: '1h', pad: 'x'.repeat(1024 * 1024) });
    const declared = await raw(mock.url, 'POST', '/_mock/clock/advance', JSON_TYPE, big);
    expect(declared.status).toBe(400);
    expect(declared.json).toEqual({ code: 'INVALID_REQUEST', message: '请求体超过大小限制（1048576字节）' });
    const streamed = await raw(mock.url, 'POST', '/_mock/clock/advance', { ...JSON_TYPE, 'Transfer-Encoding': 'chunked' }, big);
    expect(streamed.status).toBe(400);
  });

  it('clock values that cannot be represented → 400 PARAM_ERROR naming the field, the clock untouched and still working', async () => {
    await mock.clock.freeze(Date.parse('2027-01-04T10:00:00+08:00'));
    const before = mock.clock.nowMs();
    const cases: [string, object, string][] = [
      ['/_mock/clock/set', { time: 1e20 }, 'time must be between'],
      ['/_mock/clock/set', { time: -1 }, 'time must be between'],
      ['/_mock/clock/set', { time: '+275760-09-13T00:00:00Z' }, 'time must be an RFC 3339'],
      ['/_mock/clock/freeze', { time: 8.64e15 + 1 }, 'time must be'],
      ['/_mock/clock/set', {}, 'time is required'],
      ['/_mock/clock/advance', { by: 1e308 }, 'by would move the clock outside'],
      ['/_mock/clock/advance', { by: '99999999d' }, 'by would move the clock outside'],
      ['/_mock/clock/advance', { by: 'soon' }, 'by must be milliseconds or a duration'],
    ];
    for (const [path, body, message] of cases) {
      const res = await raw(mock.url, 'POST', path, JSON_TYPE, JSON.stringify(body));
      expect([res.status, res.json.code], JSON.stringify(body)).toEqual([400, 'PARAM_ERROR']);
      expect(res.json.message).toContain(message);
    }
    expect(mock.clock.nowMs()).toBe(before);
    expect((await raw(mock.url, 'GET', '/_mock/health')).status).toBe(200);
    expect((await raw(mock.url, 'POST', '/_mock/clock/advance', JSON_TYPE, '{"by":"30d"}')).json.now_ms).toBe(before + 30 * 86_400_000);
  });

  it('the programmatic clock takes the same inputs by the same rule: "30d" advances, an Invalid Date is refused', async () => {
    await mock.clock.freeze('2027-01-04T10:00:00+08:00');
    await mock.clock.advance('30d');
    expect(mock.clock.now().toISOString()).toBe('2027-02-03T02:00:00.000Z');
    await expect(mock.clock.freeze(new Date('nope'))).rejects.toThrow(ClockInputError);
    await expect(mock.clock.set(1e20)).rejects.toThrow(/time must be between/);
    await expect(mock.clock.advance('30 days' as string)).rejects.toThrow(/by must be milliseconds or a duration/);
    expect(mock.clock.now().toISOString()).toBe('2027-02-03T02:00:00.000Z');
    expect((await fetch(mock.url + '/v3/certificates')).status).toBe(401); // answered, not 500
  });

  it('journal filters are numbers or booleans: anything else → 400 PARAM_ERROR naming the parameter', async () => {
    for (const [query, field] of [
      ['limit=abc', 'limit'],
      ['since_seq=-1', 'since_seq'],
      ['status=2e2', 'status'],
      ['findings=yes', 'findings'],
    ]) {
      const res = await raw(mock.url, 'GET', `/_mock/journal?${query}`);
      expect([res.status, res.json.code], query).toEqual([400, 'PARAM_ERROR']);
      expect(res.json.message).toMatch(new RegExp(`^${field} must be`));
    }
    expect((await raw(mock.url, 'GET', '/_mock/journal?limit=5&since_seq=0&findings=false')).status).toBe(200);
  });

  it('a 500 says 系统错误 and nothing internal; the details go to the log', async () => {
    const errors: string[] = [];
    const app = new Hono().route(
      '/_mock',
      controlRoutes({
        clock: new Clock(),
        journal: new Journal(),
        credentials: {} as never,
        options: resolveOptions({}),
        reset: async () => {},
        version: 'test',
        startedAt: Date.now(),
        report: () => {
          throw new Error('boom at /home/someone/wxpay-mock/mock-server/report/model.ts:1');
        },
        logger: { request() {}, control() {}, callback() {}, error: (context, err) => errors.push(`${context}: ${String(err)}`) },
      }),
    );
    const res = await app.request('/_mock/report');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: 'SYSTEM_ERROR', message: '系统错误' });
    expect(errors).toEqual([expect.stringContaining('boom at /home/someone')]);
  });
});

describe('handed-out URLs come from --base-url or the listening address, never the Host header', () => {
  const UPLOAD = '/v3/marketing/favor/media/image-upload';

  async function upload(target: RunningMock, host: string) {
    const m = target.credentials.merchants[0];
    const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    const { createHash } = await import('node:crypto');
    const meta = JSON.stringify({ filename: 'logo.png', sha256: createHash('sha256').update(PNG).digest('hex') });
    const { body, contentType } = uploadBody(meta, PNG, 'logo.png');
    return raw(target.url, 'POST', UPLOAD, { ...signer.headers('POST', UPLOAD, meta), 'Content-Type': contentType, Host: host }, body);
  }

  it('media_url: the address the request arrived on, whatever Host says', async () => {
    const res = await upload(mock, 'evil.example.com:666');
    expect(res.status).toBe(200);
    expect(res.json.media_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${mock.port}/_mock/media/`));
  });

  it('media_url: --base-url when given', async () => {
    const res = await upload(hosted, 'evil.example.com:666');
    expect(res.json.media_url).toMatch(/^https:\/\/mock\.example\.test:8443\/_mock\/media\//);
  });
});

describe('amounts of a use are finite integers in range', () => {
  const t = favorMock();

  it('goods_detail price 1e308, a fraction or a negative quantity → 400 PARAM_ERROR naming the field; the coupon stays SENDED', async () => {
    const stock = await runningStock(t);
    const couponId = await sendOk(t, stock);
    const use = (goods: object) =>
      t.mock.app.request(`/_mock/favor/coupons/${couponId}/use`, {
        method: 'POST',
        headers: JSON_TYPE,
        body: JSON.stringify({ goods_detail: [{ goods_id: 'G1', quantity: 1, price: 1000, discount_amount: 100, ...goods }] }),
      });
    const cases: [object, string][] = [
      [{ price: 1e308 }, 'goods_detail[0].price must be an integer from 0 to 2147483647'],
      [{ price: 10.5 }, 'goods_detail[0].price must be an integer'],
      [{ discount_amount: -1 }, 'goods_detail[0].discount_amount must be an integer from 0'],
      [{ quantity: 0 }, 'goods_detail[0].quantity must be an integer from 1'],
      [{ quantity: 2_000_000, price: 2_000 }, 'the order amount'],
    ];
    for (const [goods, message] of cases) {
      const res = await use(goods);
      expect(res.status, JSON.stringify(goods)).toBe(400);
      // The contract's refusals name the field in `detail` too (control/operations.ts); the order amount is the domain's.
      expect(await res.json()).toMatchObject({ code: 'PARAM_ERROR', message: expect.stringContaining(message) });
    }
    const coupon = await t.call('GET', `/v3/marketing/favor/users/${USER}/coupons/${couponId}?appid=${APP}`);
    expect(json(coupon).status).toBe('SENDED');
    expect((await use({})).status).toBe(200);
  });
});
