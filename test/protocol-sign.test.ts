/**
 * Response signing (protocol.md §2): every 2xx carries the Wechatpay-* headers in their canonical
 * spelling, signed with the real clock by the platform certificate or the WeChat Pay public key (chosen
 * by the request's Wechatpay-Serial, else by the merchant's mode); /v3/certificates decrypts with the
 * merchant's APIv3 key to the certificate that signed it. Verified here with node:crypto only.
 */
import { createDecipheriv, createPublicKey, createVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handlers } from '../mock-server/operations/index.js';
import { CREATOR, json, newMock, SAME_BRAND, UNRELATED, type TestMock } from './helpers/mock.js';

type Res = Awaited<ReturnType<TestMock['call']>>;
/** A reply as supertest gives it, or as a plain node:http exchange gives it in the same shape. */
type Reply = Pick<Res, 'status' | 'body'>;

const SIGNED_HEADERS = [
  'Wechatpay-Nonce',
  'Wechatpay-Signature',
  'Wechatpay-Timestamp',
  'Wechatpay-Serial',
  'Wechatpay-Signature-Type',
  'Request-ID',
];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+08:00$/;

let t: TestMock;
let platformKey: KeyObject;
let publicKey: KeyObject;
beforeAll(async () => {
  t = await newMock();
  platformKey = new X509Certificate(t.mock.credentials.platform_certificate).publicKey;
  publicKey = createPublicKey(t.mock.credentials.public_key);
});
beforeEach(() => t.mock.reset());

/** Header names exactly as they went over the wire (the Java SDK looks them up case-sensitively). */
function rawHeaders(res: Reply): Map<string, string> {
  const raw = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
  const out = new Map<string, string>();
  for (let i = 0; i < raw.length; i += 2) out.set(raw[i], raw[i + 1]);
  return out;
}

/** Verifies `<ts>\n<nonce>\n<body>\n` with `key`; checks the header set, the body form and the clock. */
function expectSignedBy(res: Reply, key: KeyObject, serial: string) {
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(300);
  const h = rawHeaders(res);
  for (const name of SIGNED_HEADERS) expect([name, h.has(name)]).toEqual([name, true]);
  expect(h.get('Content-Type')).toBe('application/json; charset=utf-8');
  expect(h.get('Wechatpay-Serial')).toBe(serial);
  expect(h.get('Wechatpay-Signature-Type')).toBe('WECHATPAY2-SHA256-RSA2048');
  expect(h.get('Wechatpay-Nonce')).toMatch(/^[0-9A-Za-z]{16,32}$/);
  expect(h.get('Wechatpay-Timestamp')).toMatch(/^\d{10}$/);
  expect(Math.abs(Number(h.get('Wechatpay-Timestamp')) - Date.now() / 1000)).toBeLessThan(5);
  expect(h.get('Request-ID')).toMatch(/^[0-9A-F]{44}-0$/);
  const body = (res.body as Buffer).toString('utf8');
  // Compact, unescaped `/` and UTF-8: the bytes a Node SDK re-creates with JSON.stringify(JSON.parse(body)).
  expect(body).toBe(JSON.stringify(JSON.parse(body)));
  const message = `${h.get('Wechatpay-Timestamp')}\n${h.get('Wechatpay-Nonce')}\n${body}\n`;
  expect(createVerify('RSA-SHA256').update(message).verify(key, h.get('Wechatpay-Signature')!, 'base64')).toBe(true);
  // A signature over anything else (e.g. a re-serialisation with spaces) does not verify.
  expect(createVerify('RSA-SHA256').update(message.replace(/":/, '": ')).verify(key, h.get('Wechatpay-Signature')!, 'base64')).toBe(false);
}

/** AES-256-GCM as the SDKs decrypt: key = APIv3 key, IV = the 12-char nonce, AAD, tag = last 16 bytes. */
function decrypt(resource: { nonce: string; associated_data: string; ciphertext: string }, apiv3Key: string): string {
  const data = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiv3Key), Buffer.from(resource.nonce));
  decipher.setAAD(Buffer.from(resource.associated_data));
  decipher.setAuthTag(data.subarray(-16));
  return Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]).toString('utf8');
}

const merchant = (mchid: string) => t.mock.credentials.merchants.find((m) => m.mchid === mchid)!;

describe('every 2xx is signed', () => {
  it('POST and GET favor callbacks (certificate-mode merchant): canonical header names, platform certificate serial', async () => {
    const set = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body: { mchid: CREATOR, notify_url: 'https://商户.example.com/wx/回调' },
    });
    expect(set.status).toBe(200);
    expectSignedBy(set, platformKey, t.mock.credentials.platform_serial_no);
    // `/` and Chinese are written as they are, like JSON.stringify does.
    expect((set.body as Buffer).toString('utf8')).toContain('"notify_url":"https://商户.example.com/wx/回调"');
    const got = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);
    expectSignedBy(got, platformKey, t.mock.credentials.platform_serial_no);
    // Every header name is sent in its canonical spelling, none lower-cased.
    const names = [...rawHeaders(got).keys()];
    expect(names.filter((n) => /^(wechatpay-|request-id$|content-type$)/i.test(n)).sort()).toEqual(
      [...SIGNED_HEADERS, 'Content-Type'].sort(),
    );
  });

  it('public-key-mode merchant 1900000002 is signed with the public key and answered PUB_KEY_ID_…', async () => {
    const set = await t.call('POST', '/v3/marketing/favor/callbacks', {
      mchid: SAME_BRAND,
      body: { mchid: SAME_BRAND, notify_url: 'https://m.example.com/n' },
    });
    expectSignedBy(set, publicKey, t.mock.credentials.public_key_id);
    expect(t.mock.credentials.public_key_id).toMatch(/^PUB_KEY_ID_\d{34}$/);
    const got = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${SAME_BRAND}`, { mchid: SAME_BRAND });
    expectSignedBy(got, publicKey, t.mock.credentials.public_key_id);
  });

  it('Wechatpay-Serial on the request picks the key: public key id from 1900000001, platform serial from 1900000002', async () => {
    const body = { mchid: CREATOR, notify_url: 'https://m.example.com/n' };
    const byPublicKey = await t.call('POST', '/v3/marketing/favor/callbacks', {
      body,
      headers: { 'Wechatpay-Serial': t.mock.credentials.public_key_id },
    });
    expectSignedBy(byPublicKey, publicKey, t.mock.credentials.public_key_id);
    const byCertificate = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${SAME_BRAND}`, {
      mchid: SAME_BRAND,
      headers: { 'Wechatpay-Serial': t.mock.credentials.platform_serial_no },
    });
    expect(byCertificate.status).toBe(404); // no URL set for 1900000002: unsigned error …
    await t.call('POST', '/v3/marketing/favor/callbacks', {
      mchid: SAME_BRAND,
      body: { mchid: SAME_BRAND, notify_url: 'https://m.example.com/n' },
    });
    const again = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${SAME_BRAND}`, {
      mchid: SAME_BRAND,
      headers: { 'Wechatpay-Serial': t.mock.credentials.platform_serial_no },
    });
    expectSignedBy(again, platformKey, t.mock.credentials.platform_serial_no); // … and a 2xx signed by the certificate
    // The platform serial is matched like the merchant serial: case and a leading 00 do not matter.
    const lower = await t.call('GET', '/v3/certificates', {
      mchid: SAME_BRAND,
      headers: { 'Wechatpay-Serial': `00${t.mock.credentials.platform_serial_no.toLowerCase()}` },
    });
    expectSignedBy(lower, platformKey, t.mock.credentials.platform_serial_no);
  });

  it("an unknown Wechatpay-Serial falls back to the merchant's own mode (favor bodies carry no encrypted fields)", async () => {
    const res = await t.call('GET', '/v3/certificates', {
      mchid: CREATOR,
      headers: { 'Wechatpay-Serial': 'PUB_KEY_ID_0000000000000000000000000000000000' },
    });
    expectSignedBy(res, platformKey, t.mock.credentials.platform_serial_no);
  });

  it('the signature timestamp stays on real time when the virtual clock is moved a year (or frozen)', async () => {
    const yearAhead = Date.now() + 365 * 86_400_000;
    await t.mock.clock.set(yearAhead);
    const set = await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    expectSignedBy(set, platformKey, t.mock.credentials.platform_serial_no);
    // Business time follows the virtual clock, the signature does not.
    expect(Math.abs(Date.parse(json(set).update_time) - yearAhead)).toBeLessThan(5000);
    await t.mock.clock.freeze(Date.parse('2020-01-01T00:00:00Z'));
    const frozen = await t.call('GET', '/v3/certificates');
    expectSignedBy(frozen, platformKey, t.mock.credentials.platform_serial_no);
  });

  it('a lone reader (one connection) answered while writes are being signed is signed too, by the right key', async () => {
    // Reads on one keep-alive connection, as a test polling a coupon during a load of writes on eight
    // others: after a few in a row, the mock takes them for a lone reader's and signs them ahead of
    // the writes' signatures. Every reply, read or write, must verify.
    const server = createServer(t.mock.listener).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const readerAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    const writerAgent = new Agent({ keepAlive: true, maxSockets: 8 });
    // The reply in supertest's shape (status, body bytes, res.rawHeaders), so expectSignedBy checks it whole.
    const exchange = (agent: Agent, method: string, path: string, mchid: string, body?: string) =>
      new Promise<Reply & { res: { rawHeaders: string[] }; socket: unknown }>((resolve, reject) => {
        const headers = { ...t.signer(mchid).headers(method, path, body), Accept: 'application/json', 'User-Agent': 'test/1.0' };
        const req = httpRequest(
          `${base}${path}`,
          { method, agent, headers: body ? { ...headers, 'Content-Type': 'application/json' } : headers },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode!, body: Buffer.concat(chunks), res: { rawHeaders: res.rawHeaders }, socket: req.socket }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const read = () => exchange(readerAgent, 'GET', '/v3/certificates', CREATOR);
      const reads = [];
      for (let i = 0; i < 10; i++) reads.push(await read());
      let writing = true;
      const writer = async (w: number) => {
        const mchid = w % 2 ? SAME_BRAND : CREATOR;
        for (let i = 0; writing; i++) {
          const reply = await exchange(
            writerAgent,
            'POST',
            '/v3/marketing/favor/callbacks',
            mchid,
            JSON.stringify({ mchid, notify_url: `https://m.example.com/${w}/${i}` }),
          );
          if (mchid === SAME_BRAND) expectSignedBy(reply, publicKey, t.mock.credentials.public_key_id);
          else expectSignedBy(reply, platformKey, t.mock.credentials.platform_serial_no);
        }
      };
      const writers = Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      for (let i = 0; i < 40; i++) reads.push(await read());
      writing = false;
      await writers;
      expect(new Set(reads.map((r) => r.socket)).size).toBe(1);
      // /v3/certificates is signed by the certificate it returns, whatever the merchant's mode.
      for (const reply of reads) expectSignedBy(reply, platformKey, t.mock.credentials.platform_serial_no);
    } finally {
      readerAgent.destroy();
      writerAgent.destroy();
      server.close();
    }
  });

  it('each reply has its own nonce and Request-ID', async () => {
    const a = rawHeaders(await t.call('GET', '/v3/certificates'));
    const b = rawHeaders(await t.call('GET', '/v3/certificates'));
    expect(a.get('Wechatpay-Nonce')).not.toBe(b.get('Wechatpay-Nonce'));
    expect(a.get('Request-ID')).not.toBe(b.get('Request-ID'));
  });

  it('errors are not signed: 400, 401 and 404 envelopes carry Request-ID but no Wechatpay-* header', async () => {
    const responses = [
      await t.call('GET', '/v3/certificates?algorithm_type=SM2'),
      await t.call('GET', '/v3/certificates', { headers: { Authorization: undefined } }),
      await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`),
    ];
    expect(responses.map((r) => r.status)).toEqual([400, 401, 404]);
    for (const res of responses) {
      const h = rawHeaders(res);
      expect([...h.keys()].filter((n) => /^wechatpay-/i.test(n))).toEqual([]);
      expect(h.get('Request-ID')).toMatch(/^[0-9A-F]{44}-0$/);
      expect(h.get('Content-Type')).toBe('application/json; charset=utf-8');
    }
  });
});

describe('replies no shipped operation gives (a handler registry of our own)', () => {
  const CALLBACK = `/v3/marketing/favor/callbacks?mchid=${CREATOR}`;

  it('a 204 is signed too: the Wechatpay-* headers over an empty body line, no body', async () => {
    const app = await newMock({ validateResponses: false, handlers: { ...handlers, 'favor.getCallback': () => ({ status: 204 }) } });
    const res = await app.call('GET', CALLBACK);
    expect(res.status).toBe(204);
    expect((res.body as Buffer).length).toBe(0);
    const h = rawHeaders(res);
    for (const name of SIGNED_HEADERS) expect([name, h.has(name)]).toEqual([name, true]);
    expect(h.get('Wechatpay-Serial')).toBe(app.mock.credentials.platform_serial_no);
    const message = `${h.get('Wechatpay-Timestamp')}\n${h.get('Wechatpay-Nonce')}\n\n`;
    expect(createVerify('RSA-SHA256').update(message).verify(platformKey, h.get('Wechatpay-Signature')!, 'base64')).toBe(true);
  });

  it('validateResponses (on in every test): a 2xx body off its contract becomes 500 SYSTEM_ERROR naming the operation, unsigned', async () => {
    const drifting = { ...handlers, 'favor.getCallback': () => ({ body: { notify_url: 42, mchid: CREATOR } }) };
    const checked = await newMock({ handlers: drifting });
    const res = await checked.call('GET', CALLBACK);
    expect([res.status, json(res).code, json(res).message]).toEqual([
      500,
      'SYSTEM_ERROR',
      'wxpay-mock: the favor.getCallback reply breaks its contract',
    ]);
    expect([...rawHeaders(res).keys()].filter((n) => /^wechatpay-/i.test(n))).toEqual([]);
    // The same handler without the self-check answers the drift as it is: the check is what catches it.
    const unchecked = await newMock({ validateResponses: false, handlers: drifting });
    const raw = await unchecked.call('GET', CALLBACK);
    expect([raw.status, json(raw)]).toEqual([200, { notify_url: 42, mchid: CREATOR }]);
  });
});

describe('GET /v3/certificates', () => {
  it('decrypts with the APIv3 key to the platform certificate, whose serial is Wechatpay-Serial and whose key signed the reply', async () => {
    for (const mchid of [CREATOR, SAME_BRAND, UNRELATED]) {
      const res = await t.call('GET', '/v3/certificates', { mchid });
      expect(res.status).toBe(200);
      const { data } = json(res);
      expect(data).toHaveLength(1);
      const item = data[0];
      expect(Object.keys(item)).toEqual(['serial_no', 'effective_time', 'expire_time', 'encrypt_certificate']);
      expect(item.encrypt_certificate).toMatchObject({
        algorithm: 'AEAD_AES_256_GCM',
        associated_data: 'certificate',
        nonce: expect.stringMatching(/^[0-9A-Za-z]{12}$/),
      });
      const pem = decrypt(item.encrypt_certificate, merchant(mchid).apiv3_key);
      expect(pem).toBe(t.mock.credentials.platform_certificate);
      const cert = new X509Certificate(pem);
      expect(cert.serialNumber.toUpperCase()).toBe(item.serial_no);
      // Signed by this very certificate, also for the public-key-mode merchant (axios / PHP downloaders).
      expectSignedBy(res, cert.publicKey, item.serial_no);
      expect(item.effective_time).toMatch(RFC3339);
      expect(item.expire_time).toMatch(RFC3339);
      expect(Date.parse(item.effective_time)).toBe(Date.parse(cert.validFrom));
      expect(Date.parse(item.expire_time)).toBe(Date.parse(cert.validTo));
    }
  });

  it("another merchant's APIv3 key, or another AAD, does not decrypt it", async () => {
    const item = json(await t.call('GET', '/v3/certificates')).data[0];
    expect(() => decrypt(item.encrypt_certificate, merchant(SAME_BRAND).apiv3_key)).toThrow();
    expect(() => decrypt({ ...item.encrypt_certificate, associated_data: 'transaction' }, merchant(CREATOR).apiv3_key)).toThrow();
  });

  it('?algorithm_type=RSA (wechatpay-java) is accepted; SM2 -> 400 PARAM_ERROR', async () => {
    const rsa = await t.call('GET', '/v3/certificates?algorithm_type=RSA');
    expectSignedBy(rsa, platformKey, t.mock.credentials.platform_serial_no);
    const sm2 = await t.call('GET', '/v3/certificates?algorithm_type=SM2');
    expect(sm2.status).toBe(400);
    expect(json(sm2)).toEqual({
      code: 'PARAM_ERROR',
      message: '输入源“/query/algorithm_type”映射到值字段“证书算法类型”枚举规则校验失败，取值不在允许范围内',
      detail: { field: 'algorithm_type', value: 'SM2', issue: 'must be equal to one of the allowed values', location: 'query' },
    });
  });
});
