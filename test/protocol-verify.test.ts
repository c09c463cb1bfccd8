/**
 * Request verification (protocol.md §1): every failure mode answers 401 SIGN_ERROR with the real
 * message (mock-server/errors.ts SIGN_MESSAGES), unsigned; what real SDKs send verifies, because the
 * signature is checked over the raw target and the raw body bytes.
 */
import { createSign } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSigner, startMock } from '../mock-server/index.js';
import { SIGN_MESSAGES } from '../mock-server/errors.js';
import { verifyRequest } from '../mock-server/protocol/verify-request.js';
import { notifyUrlOf } from './helpers/favor.js';
import { CREATOR, json, newMock, SAME_BRAND, UNRELATED, type TestMock } from './helpers/mock.js';

const CALLBACKS = '/v3/marketing/favor/callbacks';
const GET_CALLBACK = `${CALLBACKS}?mchid=${CREATOR}`;
const FORMAT = SIGN_MESSAGES.format;

type Res = Awaited<ReturnType<TestMock['call']>>;

/** 401 SIGN_ERROR with `message`, and none of the Wechatpay-* headers of a signed reply. */
function expectSignError(res: Res, message: string) {
  expect(res.status).toBe(401);
  expect(json(res).code).toBe('SIGN_ERROR');
  expect(json(res).message).toBe(message);
  expectUnsigned(res);
}

function expectUnsigned(res: Res) {
  const names = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders.filter((_, i) => i % 2 === 0);
  expect(names.filter((n) => /^wechatpay-/i.test(n))).toEqual([]);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
}

/** The five `key="value"` pairs of an Authorization header, by name. */
function fieldsOf(authorization: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of authorization.matchAll(/([a-z_]+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

function withOrder(authorization: string, order: string[]): string {
  const f = fieldsOf(authorization);
  return `WECHATPAY2-SHA256-RSA2048 ${order.map((k) => `${k}="${f[k]}"`).join(',')}`;
}

const now = () => Math.floor(Date.now() / 1000);

// One app for the file (compiling every contract is the slow part); state back to the fixtures per test.
let t: TestMock;
beforeAll(async () => {
  t = await newMock();
});
beforeEach(() => t.mock.reset());

describe('request verification: failures answer 401 SIGN_ERROR, unsigned', () => {
  const auth = (method: string, target: string, body?: string, o?: { timestamp?: number; nonce?: string }) =>
    t.signer().authorization(method, target, body, o);

  it('no Authorization header -> the format message', async () => {
    expectSignError(await t.call('GET', GET_CALLBACK, { headers: { Authorization: undefined } }), FORMAT);
  });

  it('malformed Authorization: missing field, unquoted value, spaces after commas, duplicate field, empty signature, bad timestamp', async () => {
    const good = auth('GET', GET_CALLBACK);
    const f = fieldsOf(good);
    const cases: Record<string, string> = {
      'missing nonce_str': withOrder(good, ['mchid', 'timestamp', 'serial_no', 'signature']),
      'missing signature': withOrder(good, ['mchid', 'nonce_str', 'timestamp', 'serial_no']),
      'unquoted mchid': good.replace(`mchid="${f.mchid}"`, `mchid=${f.mchid}`),
      'single quotes': good.replace(`mchid="${f.mchid}"`, `mchid='${f.mchid}'`),
      'spaces after commas': good.replace(/",/g, '", '),
      'space around =': good.replace('mchid="', 'mchid = "'),
      'duplicate field': `${good},mchid="${f.mchid}"`,
      'empty signature': good.replace(/signature="[^"]*"/, 'signature=""'),
      'timestamp not a number': good.replace(/timestamp="\d+"/, 'timestamp="1.7e9"'),
      'scheme only': 'WECHATPAY2-SHA256-RSA2048',
      'two spaces after the scheme': good.replace('RSA2048 ', 'RSA2048  '),
      'trailing comma': `${good},`,
    };
    for (const [name, header] of Object.entries(cases)) {
      const res = await t.call('GET', GET_CALLBACK, { headers: { Authorization: header } });
      expect([name, res.status, json(res)]).toEqual([name, 401, { code: 'SIGN_ERROR', message: FORMAT }]);
      expectUnsigned(res);
    }
  });

  it('line breaks in Authorization: Node refuses them before the app (400 envelope); the verifier itself says the format message', async () => {
    // A raw line break cannot travel inside an HTTP header value: an obs-fold continuation line is
    // a malformed request for Node's parser, answered by server.ts with the JSON envelope.
    const running = await startMock();
    try {
      const m = running.credentials.merchants[0];
      const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
      const folded = signer.authorization('GET', GET_CALLBACK).replace(',nonce_str', ',\r\n nonce_str');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = createConnection(running.port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.on('error', reject);
        socket.write(`GET ${GET_CALLBACK} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nUser-Agent: t\r\nAuthorization: ${folded}\r\n\r\n`);
      });
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 /);
      expect(head).not.toMatch(/wechatpay-/i);
      expect(JSON.parse(body)).toEqual({ code: 'INVALID_REQUEST', message: 'HTTP请求格式错误' });
    } finally {
      await running.close();
    }
    // The same text reaching the verifier (e.g. a signature base64-wrapped at 76 columns): format error.
    const wrapped = auth('GET', GET_CALLBACK).replace(/signature="(.{40})/, 'signature="$1\n');
    expect(() =>
      verifyRequest(t.mock.world, { method: 'GET', target: GET_CALLBACK, authorization: wrapped, signedBody: Buffer.alloc(0) }, now()),
    ).toThrow(
      expect.objectContaining({
        status: 401,
        code: 'SIGN_ERROR',
        message: FORMAT,
      }),
    );
  });

  it('another scheme -> Http头Authorization认证类型不正确', async () => {
    const good = auth('GET', GET_CALLBACK);
    expectSignError(
      await t.call('GET', GET_CALLBACK, { headers: { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc' } }),
      SIGN_MESSAGES.scheme,
    );
    expectSignError(
      await t.call('GET', GET_CALLBACK, {
        headers: { Authorization: good.replace('WECHATPAY2-SHA256-RSA2048', 'WECHATPAY-BRAND-SHA256-RSA2048') },
      }),
      SIGN_MESSAGES.scheme,
    );
    expectSignError(
      await t.call('GET', GET_CALLBACK, { headers: { Authorization: good.replace('WECHATPAY2-SHA256-RSA2048', 'Basic') } }),
      SIGN_MESSAGES.scheme,
    );
  });

  it('timestamp more than 300 s in the past or the future -> the timestamp message; inside the window it verifies', async () => {
    for (const offset of [-305, 305, -3600, 86_400]) {
      expectSignError(
        await t.call('GET', GET_CALLBACK, {
          headers: { Authorization: auth('GET', GET_CALLBACK, undefined, { timestamp: now() + offset }) },
        }),
        SIGN_MESSAGES.timestamp,
      );
    }
    for (const offset of [-295, 295]) {
      const ok = await t.call('GET', GET_CALLBACK, {
        headers: { Authorization: auth('GET', GET_CALLBACK, undefined, { timestamp: now() + offset }) },
      });
      expect([offset, ok.status, json(ok).code]).toEqual([offset, 404, 'RESOURCE_NOT_EXISTS']);
    }
  });

  it('the timestamp is checked before the merchant, the serial and the signature', async () => {
    const stale = auth('GET', GET_CALLBACK, undefined, { timestamp: now() - 600 });
    const badSignature = stale.replace(/signature="[^"]*"/, 'signature="AAAA"');
    expectSignError(await t.call('GET', GET_CALLBACK, { headers: { Authorization: badSignature } }), SIGN_MESSAGES.timestamp);
    const unknownMerchant = stale.replace(`mchid="${CREATOR}"`, 'mchid="1999999999"');
    expectSignError(await t.call('GET', GET_CALLBACK, { headers: { Authorization: unknownMerchant } }), SIGN_MESSAGES.timestamp);
    const wrongSerial = stale.replace(/serial_no="[^"]*"/, 'serial_no="0123456789ABCDEF0123456789ABCDEF01234567"');
    expectSignError(await t.call('GET', GET_CALLBACK, { headers: { Authorization: wrongSerial } }), SIGN_MESSAGES.timestamp);
  });

  it('unknown mchid -> 签名错误 with the mchid detail', async () => {
    const m = t.mock.credentials.merchants[0];
    const stranger = createSigner({ mchid: '1999999999', serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    const res = await t.call('GET', GET_CALLBACK, { headers: { Authorization: stranger.authorization('GET', GET_CALLBACK) } });
    expectSignError(res, SIGN_MESSAGES.unknownMerchant);
    expect(json(res).detail).toEqual({ field: 'mchid', location: 'authorization', issue: 'merchant not found' });
  });

  it("a serial that is not the merchant certificate (another merchant's, the platform's) -> the serial message", async () => {
    const m = t.mock.credentials.merchants[0];
    for (const serialNo of [
      t.mock.credentials.merchants[1].merchant_serial_no,
      t.mock.credentials.platform_serial_no,
      t.mock.credentials.public_key_id,
      m.merchant_serial_no.slice(0, -1),
    ]) {
      const s = createSigner({ mchid: CREATOR, serialNo, privateKey: m.merchant_private_key });
      const res = await t.call('GET', GET_CALLBACK, { headers: { Authorization: s.authorization('GET', GET_CALLBACK) } });
      expectSignError(res, SIGN_MESSAGES.serial);
      expect(json(res).detail).toBeUndefined();
    }
  });

  it('bad signature on a POST with a Chinese body -> 错误的签名，验签失败 with sign_information exactly as §1.6', async () => {
    const body = '{"通知地址":"https://商户.example.com/回调","mchid":"1900000001"}';
    const timestamp = now();
    const nonce = '7KJggpwXMyRlrBSLoeVATwas0ZdwDfFP';
    // Signed over another body: the signature is well-formed but does not match what was sent.
    const authorization = auth('POST', CALLBACKS, body.replace('回调', '通知'), { timestamp, nonce });
    const res = await t.call('POST', CALLBACKS, { rawBody: body, headers: { Authorization: authorization } });
    expectSignError(res, SIGN_MESSAGES.mismatch);
    const full = `POST\n${CALLBACKS}\n${timestamp}\n${nonce}\n${body}\n`;
    expect(json(res).detail).toEqual({
      detail: { issue: 'sign not match' },
      field: 'signature',
      location: 'authorization',
      sign_information: {
        method: 'POST',
        sign_message_length: Buffer.byteLength(full, 'utf8'),
        truncated_sign_message: `POST\n${CALLBACKS}\n${timestamp}\n${nonce}\n{"通知地址":\n`,
        url: CALLBACKS,
      },
    });
    // Bytes, not characters: each of the 8 Chinese characters counts 3.
    expect(json(res).detail.sign_information.sign_message_length).toBe(full.length + 2 * 8);
  });

  it('bad signature on a GET: the body line is empty, the url is the raw target with its query', async () => {
    const timestamp = now();
    const nonce = 'abc123';
    const authorization = auth('GET', `${CALLBACKS}?mchid=${UNRELATED}`, undefined, { timestamp, nonce });
    const res = await t.call('GET', GET_CALLBACK, { headers: { Authorization: authorization } });
    expectSignError(res, SIGN_MESSAGES.mismatch);
    const full = `GET\n${GET_CALLBACK}\n${timestamp}\n${nonce}\n\n`;
    expect(json(res).detail.sign_information).toEqual({
      method: 'GET',
      sign_message_length: Buffer.byteLength(full),
      truncated_sign_message: full,
      url: GET_CALLBACK,
    });
  });

  it("signed with another merchant's private key, or not base64, or a probe signature -> the mismatch message", async () => {
    const other = t.mock.credentials.merchants[2];
    const m = t.mock.credentials.merchants[0];
    const impostor = createSigner({ mchid: CREATOR, serialNo: m.merchant_serial_no, privateKey: other.merchant_private_key });
    expectSignError(
      await t.call('GET', GET_CALLBACK, { headers: { Authorization: impostor.authorization('GET', GET_CALLBACK) } }),
      SIGN_MESSAGES.mismatch,
    );
    const good = auth('GET', GET_CALLBACK);
    for (const signature of ['!!!not-base64!!!', 'WECHATPAY/SIGNTEST/' + 'A'.repeat(340), fieldsOf(good).signature.slice(4)]) {
      const res = await t.call('GET', GET_CALLBACK, {
        headers: { Authorization: good.replace(/signature="[^"]*"/, `signature="${signature}"`) },
      });
      expectSignError(res, SIGN_MESSAGES.mismatch);
    }
  });

  it('method and target are part of the message: a GET signature replayed as POST, or on another path, fails', async () => {
    const body = JSON.stringify({ mchid: CREATOR, notify_url: 'https://m.example.com/n' });
    const signedAsPut = auth('PUT', CALLBACKS, body);
    expectSignError(await t.call('POST', CALLBACKS, { rawBody: body, headers: { Authorization: signedAsPut } }), SIGN_MESSAGES.mismatch);
    const signedForCertificates = auth('GET', '/v3/certificates');
    expectSignError(await t.call('GET', GET_CALLBACK, { headers: { Authorization: signedForCertificates } }), SIGN_MESSAGES.mismatch);
    expect(await notifyUrlOf(t)).toBeUndefined();
  });
});

describe('request verification: what real clients send verifies', () => {
  it('any field order: Go/Java (default), axios/PHP, better-wechatpay', async () => {
    const orders = [
      ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'],
      ['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature'],
      ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'],
      ['signature', 'serial_no', 'timestamp', 'nonce_str', 'mchid'],
    ];
    for (const order of orders) {
      const res = await t.call('GET', '/v3/certificates', {
        headers: { Authorization: withOrder(t.signer().authorization('GET', '/v3/certificates'), order) },
      });
      expect([order.join(','), res.status]).toEqual([order.join(','), 200]);
      t.verifyReply(res);
    }
  });

  it('merchant serial matched case-insensitively and with a leading 00 (wechatpay-node-v3 derives it from the DER integer)', async () => {
    const m = t.mock.credentials.merchants[0];
    for (const serialNo of [m.merchant_serial_no.toLowerCase(), `00${m.merchant_serial_no.toLowerCase()}`, `00${m.merchant_serial_no}`]) {
      const s = createSigner({ mchid: CREATOR, serialNo, privateKey: m.merchant_private_key });
      const res = await t.call('GET', '/v3/certificates', { headers: { Authorization: s.authorization('GET', '/v3/certificates') } });
      expect([serialNo, res.status]).toEqual([serialNo, 200]);
    }
  });

  it('a pair beyond the five is ignored, whatever its name (names of Object.prototype members too)', async () => {
    for (const name of ['extra', 'constructor', 'to_string', '__proto__', 'hasownproperty']) {
      const header = `${t.signer().authorization('GET', '/v3/certificates')},${name}="x"`;
      const res = await t.call('GET', '/v3/certificates', { headers: { Authorization: header } });
      expect([name, res.status]).toEqual([name, 200]);
    }
    // A duplicate is still refused, one of the five or another.
    for (const extra of ['mchid="1"', 'constructor="x",constructor="y"']) {
      const res = await t.call('GET', '/v3/certificates', {
        headers: { Authorization: `${t.signer().authorization('GET', '/v3/certificates')},${extra}` },
      });
      expect([extra, res.status, json(res).message]).toEqual([extra, 401, FORMAT]);
    }
  });

  it('a short base36 nonce (wechatpay-node-v3) verifies', async () => {
    const res = await t.call('GET', '/v3/certificates', {
      headers: { Authorization: t.signer().authorization('GET', '/v3/certificates', undefined, { nonce: 'k3j9x0q1zb' }) },
    });
    expect(res.status).toBe(200);
  });

  it('a JSON body with a trailing newline (Go json.Encoder) verifies over the raw bytes', async () => {
    const body = JSON.stringify({ mchid: CREATOR, notify_url: 'https://merchant.example.com/notify' }) + '\n';
    const res = await t.call('POST', CALLBACKS, { rawBody: body });
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(await notifyUrlOf(t)).toBe('https://merchant.example.com/notify');
  });

  it('a JSON body with escaped slashes and \\u escapes (PHP json_encode) verifies over the raw bytes', async () => {
    const body = '{"mchid":"1900000001","notify_url":"https:\\/\\/merchant.example.com\\/wx\\/\\u56de\\u8c03"}';
    const res = await t.call('POST', CALLBACKS, { rawBody: body });
    expect(res.status).toBe(200);
    t.verifyReply(res);
    expect(json(res).notify_url).toBe('https://merchant.example.com/wx/回调');
    // The same body re-serialized (what a verifier that re-encodes would check) is not what was signed.
    const reencoded = JSON.stringify(JSON.parse(body));
    expect(reencoded).not.toBe(body);
    const mismatch = await t.call('POST', CALLBACKS, {
      rawBody: body,
      headers: { Authorization: t.signer().authorization('POST', CALLBACKS, reencoded) },
    });
    expectSignError(mismatch, SIGN_MESSAGES.mismatch);
  });

  it('a Chinese body signed as UTF-8 verifies', async () => {
    const body = JSON.stringify({ mchid: CREATOR, notify_url: 'https://商户.example.com/回调' });
    const res = await t.call('POST', CALLBACKS, { rawBody: body });
    expect(res.status).toBe(200);
    expect(json(res).notify_url).toBe('https://商户.example.com/回调');
  });

  it('a query string signed in its exact percent-encoding verifies; one that differs only in encoding fails', async () => {
    const encoded = `${CALLBACKS}?mchid=%31900000001`;
    const ok = await t.call('GET', encoded);
    expect([ok.status, json(ok).code]).toEqual([404, 'RESOURCE_NOT_EXISTS']); // verified, decoded to 1900000001, no URL set yet
    const plainSigned = t.signer().authorization('GET', GET_CALLBACK);
    const res = await t.call('GET', encoded, { headers: { Authorization: plainSigned } });
    expectSignError(res, SIGN_MESSAGES.mismatch);
    expect(json(res).detail.sign_information.url).toBe(encoded);
    // Upper- vs lower-case hex digits are a different encoding too.
    const lower = `${GET_CALLBACK}&memo=%e4%b8%ad`;
    const upperSigned = t.signer().authorization('GET', `${GET_CALLBACK}&memo=%E4%B8%AD`);
    expectSignError(await t.call('GET', lower, { headers: { Authorization: upperSigned } }), SIGN_MESSAGES.mismatch);
    const lowerOk = await t.call('GET', lower);
    expect([lowerOk.status, json(lowerOk).code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
  });

  it('the signature covers the target exactly as on the wire (checked with a raw Node request)', async () => {
    const running = await startMock();
    try {
      const m = running.credentials.merchants[1];
      const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
      const target = `/v3/marketing/favor/callbacks?mchid=${m.mchid}&x=a%20b+c%2Bd`;
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port: running.port, method: 'GET', path: target, headers: signer.headers('GET', target) },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(404); // verified; no notify URL set
      expect(running.journal().at(-1)).toMatchObject({ target, mchid: m.mchid, code: 'RESOURCE_NOT_EXISTS' });
    } finally {
      await running.close();
    }
  });

  it('each merchant verifies with its own certificate: 1900000002 and 1900000003 too', async () => {
    for (const mchid of [SAME_BRAND, UNRELATED]) {
      const res = await t.call('GET', '/v3/certificates', { mchid });
      expect([mchid, res.status]).toEqual([mchid, 200]);
    }
  });

  it('the signature is computed with SHA256withRSA over the five lines (independent signer)', async () => {
    const m = t.mock.credentials.merchants[0];
    const ts = String(now());
    const nonce = 'N'.repeat(32);
    const signature = createSign('RSA-SHA256').update(`GET\n/v3/certificates\n${ts}\n${nonce}\n\n`).sign(m.merchant_private_key, 'base64');
    const header = `WECHATPAY2-SHA256-RSA2048 mchid="${CREATOR}",nonce_str="${nonce}",timestamp="${ts}",serial_no="${m.merchant_serial_no}",signature="${signature}"`;
    expect((await t.call('GET', '/v3/certificates', { headers: { Authorization: header } })).status).toBe(200);
  });
});

describe('HTTP edge before the signature', () => {
  it('missing Accept or User-Agent -> 400 INVALID_REQUEST Http头缺少Accept或User-Agent, checked before the signature', async () => {
    for (const headers of [
      { Accept: undefined },
      { 'User-Agent': undefined },
      { Accept: undefined, 'User-Agent': undefined },
      { Accept: undefined, Authorization: undefined },
    ]) {
      const res = await t.call('GET', '/v3/certificates', { headers });
      expect(res.status).toBe(400);
      expect(json(res)).toEqual({ code: 'INVALID_REQUEST', message: 'Http头缺少Accept或User-Agent' });
      expectUnsigned(res);
    }
    // Accept: */* (Go, Java downloads) passes.
    expect((await t.call('GET', '/v3/certificates', { headers: { Accept: '*/*' } })).status).toBe(200);
  });

  it('relaxHeaders lifts the Accept / User-Agent check (the signature is still required)', async () => {
    const relaxed = await newMock({ relaxHeaders: true });
    const res = await relaxed.call('GET', '/v3/certificates', { headers: { Accept: undefined, 'User-Agent': undefined } });
    expect(res.status).toBe(200);
    relaxed.verifyReply(res);
    const unsigned = await relaxed.call('GET', '/v3/certificates', {
      headers: { Accept: undefined, 'User-Agent': undefined, Authorization: undefined },
    });
    expectSignError(unsigned, FORMAT);
  });

  it('unknown path -> 404 with an empty body; wrong method on a known path -> 405 with an empty body', async () => {
    for (const [method, target, status] of [
      ['GET', '/v3/marketing/favor/nothing-here', 404],
      ['POST', '/v3/marketing/unknown', 404],
      ['GET', '/v3/certificates/extra', 404],
      ['GET', '/', 404],
      ['DELETE', CALLBACKS, 405],
      ['PUT', CALLBACKS, 405],
      ['PATCH', CALLBACKS, 405],
      ['POST', '/v3/certificates', 405],
    ] as const) {
      const res = await t.call(method, target, method === 'GET' || method === 'DELETE' ? {} : { body: { mchid: CREATOR } });
      expect([method, target, res.status, (res.body as Buffer).length]).toEqual([method, target, status, 0]);
      expectNoSignature(res);
    }
  });

  it('the route matcher: 404/405 journaled with their reason, HEAD on a GET operation is that operation (signed as HEAD, no body)', async () => {
    const before = t.mock.journal().length;
    await t.call('PUT', CALLBACKS, { body: { mchid: CREATOR } });
    await t.call('GET', '/v3/marketing/favor/nothing-here');
    const head = await t.call('HEAD', '/v3/certificates');
    expect([head.status, (head.body as Buffer | undefined)?.length ?? 0]).toEqual([200, 0]);
    const entries = t.mock.journal().slice(before);
    expect(entries.map((e) => [e.method, e.status, e.operation_id, e.findings.map((f) => f.issue)])).toEqual([
      ['PUT', 405, null, ['method not allowed on this path']],
      ['GET', 404, null, ['no such operation']],
      ['HEAD', 200, 'certificates.list', []],
    ]);
  });
});

function expectNoSignature(res: Res) {
  const names = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders.filter((_, i) => i % 2 === 0);
  expect(names.filter((n) => /^wechatpay-/i.test(n))).toEqual([]);
}
