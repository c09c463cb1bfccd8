/**
 * COUPON.USE callbacks: built to the contract, signed and encrypted so the real SDK helpers accept
 * them, delivered to a receiver on loopback with retries on the virtual clock, persisted across a
 * restart, replayed with the same id, never slowing the API. Until the favor domain's "use a coupon"
 * exists, deliveries are triggered through `mock.deliveries.send` with a plaintext that validates.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import WxPay from 'wechatpay-node-v3';
import { buildCouponUseNotification, loadCallbackSchemas } from '../mock-server/callbacks/index.js';
import {
  createCallbackReceiver,
  createSigner,
  MAX_ATTEMPTS,
  startMock,
  verifyCallback,
  type CallbackReceiver,
  type MockOptions,
} from '../mock-server/index.js';
import { rfc3339 } from '../mock-server/time.js';
import { createApp, fileBackend, memoryBackend, readDataFile } from '../mock-server/index.js';
import { instrumented } from './helpers/store.js';
import { couponUsePlaintext } from './helpers/coupon-use.js';
import { freezeAtNow, runningStock, sendOk } from './helpers/favor.js';
import { CREATOR, json, newMock, SAME_BRAND, type TestMock } from './helpers/mock.js';
import { listeningUrl } from './helpers/cli.js';

const T0 = Date.parse('2027-03-01T10:00:00+08:00');
const ROOT = join(import.meta.dirname, '..');
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'wxpay-mock-callbacks-')), 'data.json');
/** What a restart would read from the data file (snapshot + change log). */
const durable = async (dataFile: string) => (await readDataFile(dataFile)) as any;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

/** A mock (frozen clock) whose merchant `mchid` has the receiver as notify URL, set through the real API. */
async function setup(
  options: MockOptions = {},
  mchid = CREATOR,
  receiver?: CallbackReceiver,
): Promise<{ t: TestMock; receiver: CallbackReceiver }> {
  const t = await newMock(options);
  cleanups.push(() => t.mock.close());
  await t.mock.clock.freeze(T0);
  if (!receiver) {
    receiver = await createCallbackReceiver({ credentials: t.mock.credentials, mchid });
    cleanups.push(() => receiver!.close());
  }
  const res = await t.call('POST', '/v3/marketing/favor/callbacks', { mchid, body: { mchid, notify_url: receiver.url } });
  expect(res.status).toBe(200);
  return { t, receiver };
}

const merchantOf = (t: TestMock, mchid: string) => t.mock.credentials.merchants.find((m) => m.mchid === mchid)!;

/** The built CLI (npm test builds first): a tsx start-up costs a second or more per spawn. */
const CLI = join(ROOT, 'dist', 'mock-server', 'cli.js');

/** `wxpay-mock start`, as a user runs it; resolves once it listens. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const url = await listeningUrl(child);
  return { child, url, exited };
}

/** Unsigned control call, JSON in and out. */
async function control(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe('COUPON.USE notification', () => {
  it('is compact JSON in the real key order, validates against both contracts, associated_data "coupon", 12-byte nonce', () => {
    const schemas = loadCallbackSchemas();
    const plain = couponUsePlaintext(CREATOR);
    expect(schemas.couponUsePlaintext(plain)).toBe(true);
    const built = buildCouponUseNotification({ plaintext: plain, apiv3Key: 'a'.repeat(32), createTimeMs: T0 });
    expect(schemas.couponUseNotification(built.envelope), JSON.stringify(schemas.couponUseNotification.errors)).toBe(true);
    expect(built.body).toBe(JSON.stringify(JSON.parse(built.body)));
    expect(Object.keys(built.envelope)).toEqual(['id', 'create_time', 'resource_type', 'event_type', 'summary', 'resource']);
    expect(Object.keys(built.envelope.resource)).toEqual(['original_type', 'algorithm', 'ciphertext', 'associated_data', 'nonce']);
    expect(built.envelope).toMatchObject({
      create_time: '2027-03-01T10:00:00+08:00',
      event_type: 'COUPON.USE',
      resource_type: 'encrypt-resource',
      resource: { original_type: 'coupon', associated_data: 'coupon' },
    });
    expect(built.envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.byteLength(built.envelope.resource.nonce, 'utf8')).toBe(12);
    // The plaintext contract refuses what is not a used coupon.
    const { consume_information: _gone, ...unused } = plain;
    expect(schemas.couponUsePlaintext(unused)).toBe(false);
    expect(schemas.couponUsePlaintext({ ...plain, extra: 1 })).toBe(false);
  });

  it("the docs' decrypted sample (samples/favor/coupon-use.resource.decrypted.json) validates against the plaintext contract", () => {
    const sample = {
      stock_creator_mchid: '9800064',
      stock_id: '9865888',
      coupon_id: '98674556',
      singleitem_discount_off: { single_price_max: 100 },
      discount_to: { cut_to_price: 100, max_price: 10 },
      coupon_name: '微信支付代金券',
      status: 'EXPIRED',
      description: '微信支付营销',
      create_time: '2015-05-20T13:29:35.120+08:00',
      coupon_type: 'CUT_TO',
      no_cash: true,
      available_begin_time: '2015-05-20T13:29:35.120+08:00',
      available_end_time: '2015-05-20T13:29:35.120+08:00',
      singleitem: true,
      normal_coupon_information: { coupon_amount: 100, transaction_minimum: 100 },
      consume_information: {
        consume_time: '2015-05-20T13:29:35.120+08:00',
        consume_mchid: '9856081',
        transaction_id: '2345234523',
        goods_detail: [{ goods_id: 'a_goods1', quantity: 7, price: 1, discount_amount: 4 }],
      },
    };
    const { couponUsePlaintext } = loadCallbackSchemas();
    expect(couponUsePlaintext(sample), JSON.stringify(couponUsePlaintext.errors)).toBe(true);
    expect(couponUsePlaintext({ ...sample, consume_information: { ...sample.consume_information, transaction_id: undefined } })).toBe(
      false,
    );
  });

  it('contracts/callbacks/ holds schemas, not operations; a broken one stops the start', async () => {
    const t = await newMock();
    cleanups.push(() => t.mock.close());
    expect(t.mock.operations.some((o) => o.file.includes(`${join('contracts', 'callbacks')}`))).toBe(false);
    const contractsDir = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-contracts-')), 'contracts');
    cpSync(join(import.meta.dirname, '..', 'contracts'), contractsDir, { recursive: true });
    writeFileSync(join(contractsDir, 'callbacks', 'coupon-use.plaintext.json'), '{ "type": "nonsense" }');
    await expect(createApp({ contractsDir })).rejects.toThrow(/callback contract .*coupon-use\.plaintext\.json cannot be used/);
  });

  it('a plaintext that breaks its contract, or names another creator, is refused; no notify URL → nothing sent', async () => {
    const t = await newMock();
    cleanups.push(() => t.mock.close());
    await expect(t.mock.deliveries.send(CREATOR, { ...couponUsePlaintext(CREATOR), status: 'GONE' })).rejects.toThrow(
      /coupon-use\.plaintext\.json: \/status must be equal to one of the allowed values/,
    );
    await expect(t.mock.deliveries.send(SAME_BRAND, couponUsePlaintext(CREATOR))).rejects.toThrow(/is not the notified creator/);
    expect(await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR))).toBeNull();
    const res = await t.mock.request('/_mock/callbacks/coupon-use', {
      method: 'POST',
      body: JSON.stringify({ coupon: couponUsePlaintext(CREATOR) }),
    });
    expect(res.status).toBe(409);
    expect(t.mock.deliveries()).toEqual([]);
  });
});

describe('signed and encrypted as the real service does', () => {
  it('certificate mode: headers, signature by the platform certificate, decrypts with wechatpay-axios-plugin and wechatpay-node-v3', async () => {
    const { t, receiver } = await setup({}, CREATOR);
    const plain = couponUsePlaintext(CREATOR);
    const handle = await t.mock.deliveries.send(CREATOR, plain);
    expect(handle!.record).toMatchObject({
      state: 'pending',
      mchid: CREATOR,
      coupon_id: plain.coupon_id,
      signing: { mode: 'certificate' },
    });
    const [cb] = await receiver.waitFor(1);
    const done = await handle!.settled;
    expect(done.state).toBe('delivered');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({
      status: 204,
      outcome: 'delivered',
      error: null,
      round: 1,
      n: 1,
      probe: false,
      url: receiver.url,
    });

    const h = cb.headers;
    expect(h['content-type']).toBe('application/json');
    expect(h['user-agent']).toBe('Mozilla/4.0');
    expect(h['request-id']).toMatch(/^[0-9A-F]+-0$/);
    expect(h['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(h['wechatpay-serial']).toBe(t.mock.credentials.platform_serial_no);
    expect(Math.abs(Number(h['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(5); // real time, not the frozen virtual one
    expect(h['wechatpay-nonce']).toMatch(/^[0-9A-F]{32}$/);
    expect(cb.rawBody).toBe(done.body);
    expect(cb.envelope.create_time).toBe(rfc3339(T0));
    // The GCM nonce: 12 bytes (Go's cipher.NewGCM panics on any other length), ASCII, used verbatim.
    expect(cb.envelope.resource.nonce).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(Buffer.byteLength(cb.envelope.resource.nonce, 'utf8')).toBe(12);
    // The log keeps what was sent: the headers of the attempt and the body, byte for byte; real and virtual time.
    const sent = done.attempts[0];
    for (const name of ['Wechatpay-Signature', 'Wechatpay-Nonce', 'Wechatpay-Timestamp', 'Wechatpay-Serial', 'Request-ID', 'Content-Type'])
      expect(sent.headers[name]).toBe(h[name.toLowerCase()]);
    expect(Math.abs(Date.parse(sent.time) - cb.receivedAt)).toBeLessThan(2_000);
    expect(sent.virtual_time).toBe(rfc3339(T0, { millis: true }));
    expect(sent.latency_ms).toBeGreaterThan(0);
    expect(cb).toMatchObject({ verified: true, mode: 'certificate', id: handle!.record.id, plaintext: plain, answeredStatus: 204 });

    // wechatpay-axios-plugin's helpers, as its README tells merchants to handle callbacks.
    const m = merchantOf(t, CREATOR);
    const message = Formatter.response(h['wechatpay-timestamp'], h['wechatpay-nonce'], cb.rawBody);
    expect(Rsa.verify(message, h['wechatpay-signature'], t.mock.credentials.platform_certificate)).toBe(true);
    const { ciphertext, nonce, associated_data } = cb.envelope.resource;
    expect(JSON.parse(Aes.AesGcm.decrypt(ciphertext, m.apiv3_key, nonce, associated_data))).toEqual(plain);

    // wechatpay-node-v3: verifySign looks the serial up in its static certificate map, and
    // re-stringifies a parsed body — so the bytes must be JSON.stringify's.
    (WxPay as unknown as { certificates: Record<string, string> }).certificates[h['wechatpay-serial']] =
      t.mock.credentials.platform_certificate;
    const pay = new WxPay({
      appid: m.appids[0],
      mchid: m.mchid,
      publicKey: Buffer.from(m.merchant_certificate),
      privateKey: Buffer.from(m.merchant_private_key),
      key: m.apiv3_key,
    });
    const params = {
      timestamp: h['wechatpay-timestamp'],
      nonce: h['wechatpay-nonce'],
      serial: h['wechatpay-serial'],
      signature: h['wechatpay-signature'],
    };
    expect(await pay.verifySign({ ...params, body: JSON.parse(cb.rawBody) })).toBe(true);
    expect(await pay.verifySign({ ...params, body: cb.rawBody })).toBe(true);
    expect(pay.decipher_gcm(ciphertext, associated_data, nonce, m.apiv3_key)).toEqual(plain);

    // The receiver's own check refuses a tampered body and a stale timestamp.
    const keys = { apiv3Key: m.apiv3_key, platformCertificate: t.mock.credentials.platform_certificate };
    expect(verifyCallback({ headers: h, body: cb.rawBody.replace('"COUPON.USE"', '"COUPON.USED"') }, keys).verified).toBe(false);
    expect(
      verifyCallback({ headers: { ...h, 'wechatpay-timestamp': String(Number(h['wechatpay-timestamp']) - 301) }, body: cb.rawBody }, keys)
        .problem,
    ).toMatch(/more than 300 s/);
  });

  it('public-key mode: signed by the WeChat Pay public key, serial PUB_KEY_ID_…', async () => {
    const { t, receiver } = await setup({}, SAME_BRAND);
    const plain = couponUsePlaintext(SAME_BRAND);
    const handle = await t.mock.deliveries.send(SAME_BRAND, plain);
    const [cb] = await receiver.waitFor(1);
    expect((await handle!.settled).state).toBe('delivered');
    const h = cb.headers;
    expect(h['wechatpay-serial']).toBe(t.mock.credentials.public_key_id);
    expect(
      Rsa.verify(
        Formatter.response(h['wechatpay-timestamp'], h['wechatpay-nonce'], cb.rawBody),
        h['wechatpay-signature'],
        t.mock.credentials.public_key,
      ),
    ).toBe(true);
    expect(
      Rsa.verify(
        Formatter.response(h['wechatpay-timestamp'], h['wechatpay-nonce'], cb.rawBody),
        h['wechatpay-signature'],
        t.mock.credentials.platform_certificate,
      ),
    ).toBe(false);
    const { ciphertext, nonce, associated_data } = cb.envelope.resource;
    expect(JSON.parse(Aes.AesGcm.decrypt(ciphertext, merchantOf(t, SAME_BRAND).apiv3_key, nonce, associated_data))).toEqual(plain);
    expect(cb).toMatchObject({ verified: true, mode: 'public_key', plaintext: plain });
  });

  it('probe mode sends a WECHATPAY/SIGNTEST/ signature first, then the valid one', async () => {
    const { t, receiver } = await setup({ callbackProbe: true });
    const handle = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    const record = await handle!.settled;
    const [probe, valid] = await receiver.waitFor(2);
    expect(probe.headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
    expect(probe.headers['wechatpay-nonce']).toHaveLength(12);
    expect(probe).toMatchObject({ verified: false, answeredStatus: 401, id: record.id });
    expect(valid).toMatchObject({ verified: true, answeredStatus: 204, id: record.id });
    expect(record.attempts.map((a) => [a.probe, a.outcome, a.status])).toEqual([
      [true, 'probe', 401],
      [false, 'delivered', 204],
    ]);
    expect(record.attempts_in_round).toBe(1);
  });
});

describe('delivery and retries on the virtual clock', () => {
  it('a receiver answering 500 gets the same notification once a minute, 9 attempts in all, then nothing', async () => {
    const { t, receiver } = await setup();
    receiver.respond({ status: 500, body: { code: 'FAIL', message: '失败' } });
    const handle = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    const id = handle!.record.id;
    await t.mock.deliveries.waitFor(id, { attempts: 1 });
    for (let n = 2; n <= MAX_ATTEMPTS; n++) {
      await t.mock.clock.advance(59_999);
      await t.mock.deliveries.idle();
      expect(t.mock.deliveries.get(id)!.attempts).toHaveLength(n - 1);
      await t.mock.clock.advance(1);
      await t.mock.deliveries.idle();
      expect(t.mock.deliveries.get(id)!.attempts).toHaveLength(n);
    }
    const record = await handle!.settled;
    expect(record.state).toBe('failed');
    expect(record.next_attempt_at).toBeNull();
    expect(record.attempts.map((a) => a.status)).toEqual(Array(9).fill(500));
    expect(record.attempts.map((a) => Date.parse(a.virtual_time) - T0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => k * 60_000));
    expect(record.attempts[0]).toMatchObject({
      outcome: 'failed',
      error: 'HTTP 500: only 200 and 204 count as received',
      response_body: '{"code":"FAIL","message":"失败"}',
    });
    // Every attempt re-sent the same notification, freshly signed.
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set([id]));
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers['wechatpay-nonce'])).size).toBe(9);
    expect(new Set(receiver.received.map((r) => r.headers['request-id'])).size).toBe(9);
    await t.mock.clock.advance(3_600_000);
    await t.mock.deliveries.idle();
    expect(receiver.received).toHaveLength(9);
    // The log is filterable, programmatically and through the control API.
    expect(t.mock.deliveries({ state: 'failed', status: 500 }).map((r) => r.id)).toEqual([id]);
    expect(t.mock.deliveries({ state: 'delivered' })).toEqual([]);
    const listed = await (await t.mock.request(`/_mock/callbacks?state=failed&coupon_id=${handle!.record.coupon_id}`)).json();
    expect(listed.deliveries.map((r: { id: string }) => r.id)).toEqual([id]);
    expect(listed.deliveries[0].attempts[8].headers['Wechatpay-Serial']).toBe(t.mock.credentials.platform_serial_no);
  });

  it('stops at the first 200 or 204; another 2xx is a failure (a 200 with a FAIL body counts: the status decides)', async () => {
    const { t, receiver } = await setup();
    receiver.respond([{ status: 500 }, { status: 202 }]);
    const first = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    await t.mock.deliveries.waitFor(first!.record.id, { attempts: 1 });
    await t.mock.clock.advance(60_000);
    await t.mock.deliveries.idle();
    await t.mock.clock.advance(60_000);
    const firstDone = await first!.settled;
    expect(firstDone.attempts.map((a) => a.status)).toEqual([500, 202, 204]);
    expect(firstDone.attempts[1]).toMatchObject({ outcome: 'failed', error: 'HTTP 202: only 200 and 204 count as received' });
    receiver.respond([{ status: 200, body: { code: 'FAIL', message: '失败' } }]);
    const second = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    expect((await second!.settled).attempts.map((a) => [a.status, a.outcome])).toEqual([[200, 'delivered']]);
    await t.mock.clock.advance(600_000);
    await t.mock.deliveries.idle();
    expect(receiver.received).toHaveLength(4);
  });

  it('the delivery log filters by id, mchid, coupon_id, stock_id, state, status and limit, programmatically and through the control API', async () => {
    const { t, receiver } = await setup();
    const other = await createCallbackReceiver({ credentials: t.mock.credentials, mchid: SAME_BRAND });
    cleanups.push(() => other.close());
    expect(
      (await t.call('POST', '/v3/marketing/favor/callbacks', { mchid: SAME_BRAND, body: { mchid: SAME_BRAND, notify_url: other.url } }))
        .status,
    ).toBe(200);
    receiver.respond([{ status: 500 }]);
    const a = (await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR)))!.record;
    await t.mock.deliveries.waitFor(a.id, { attempts: 1 });
    const b = (await t.mock.deliveries.send(CREATOR, { ...couponUsePlaintext(CREATOR), stock_id: '16000002' }))!;
    const c = (await t.mock.deliveries.send(SAME_BRAND, couponUsePlaintext(SAME_BRAND)))!;
    await Promise.all([b.settled, c.settled]);
    const ids = (rs: { id: string }[]) => rs.map((r) => r.id);
    const [A, B, C] = [a.id, b.record.id, c.record.id];
    expect(ids(t.mock.deliveries())).toEqual([A, B, C]);
    expect(ids(t.mock.deliveries({ id: B }))).toEqual([B]);
    expect(ids(t.mock.deliveries({ mchid: SAME_BRAND }))).toEqual([C]);
    expect(ids(t.mock.deliveries({ coupon_id: a.coupon_id }))).toEqual([A]);
    expect(ids(t.mock.deliveries({ stock_id: '16000002' }))).toEqual([B]);
    expect(ids(t.mock.deliveries({ state: 'pending' }))).toEqual([A]);
    expect(ids(t.mock.deliveries({ state: 'delivered', mchid: CREATOR }))).toEqual([B]);
    expect(ids(t.mock.deliveries({ status: 500 }))).toEqual([A]);
    expect(ids(t.mock.deliveries({ status: 204 }))).toEqual([B, C]);
    expect(ids(t.mock.deliveries({ limit: 2 }))).toEqual([B, C]);
    expect(t.mock.deliveries({ limit: 0 })).toEqual([]);

    const list = async (q: string) => (await t.mock.request(`/_mock/callbacks?${q}`)).json();
    expect(ids((await list(`mchid=${CREATOR}&state=delivered`)).deliveries)).toEqual([B]);
    expect(ids((await list('stock_id=16000002')).deliveries)).toEqual([B]);
    expect(ids((await list('status=500')).deliveries)).toEqual([A]);
    expect(ids((await list(`id=${C}`)).deliveries)).toEqual([C]);
    expect(await list('limit=0')).toEqual({ deliveries: [], pending: 1, sending: 0, scheduled: 1, idle: true });
    for (const bad of ['state=lost', 'limit=x', 'status=-1']) {
      const res = await t.mock.request(`/_mock/callbacks?${bad}`);
      expect([res.status, (await res.json()).code]).toEqual([400, 'PARAM_ERROR']);
    }
  });

  it('an answer later than 5 s is a failed attempt; the retry a minute later succeeds', async () => {
    const { t, receiver } = await setup();
    receiver.respond([{ delayMs: 6_000 }]);
    const handle = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    const id = handle!.record.id;
    const afterTimeout = await t.mock.deliveries.waitFor(id, { attempts: 1, timeoutMs: 8_000 });
    expect(afterTimeout.attempts[0]).toMatchObject({
      status: null,
      outcome: 'failed',
      error: 'timeout: no complete answer within 5000 ms',
    });
    expect(afterTimeout.attempts[0].latency_ms).toBeGreaterThanOrEqual(4_990);
    expect(afterTimeout.next_attempt_at).toBe(rfc3339(T0 + 60_000));
    await t.mock.clock.advance(60_000);
    const record = await handle!.settled;
    expect(record.attempts.map((a) => a.outcome)).toEqual(['failed', 'delivered']);
  }, 15_000);

  it('callbackTimeScale compresses the interval; an unfrozen clock retries in real time', async () => {
    const { t, receiver } = await setup({ callbackTimeScale: 600 }); // a retry every 100 ms
    await t.mock.clock.unfreeze();
    receiver.respond([{ status: 500 }, { status: 500 }]);
    const record = await (await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR)))!.settled;
    expect(record.attempts.map((a) => a.status)).toEqual([500, 500, 204]);
    // Nobody advanced the clock: the retries came on the running clock, each a virtual 60 s / 600 = 100 ms
    // after the previous attempt (its start plus its latency), not a minute.
    const gaps = record.attempts.slice(1).map((a, i) => Date.parse(a.virtual_time) - Date.parse(record.attempts[i].virtual_time));
    expect(gaps).toHaveLength(2);
    for (const gap of gaps) expect(gap >= 100 && gap < 60_000, `gap ${gap} ms`).toBe(true);
  });

  it('a mock restarted mid-schedule (file store) resumes the pending delivery, same id, none lost', async () => {
    const dataFile = tempFile();
    const { t, receiver } = await setup({ dataFile });
    receiver.respond({ status: 500 });
    const handle = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    const id = handle!.record.id;
    // Durable before the trigger returned.
    expect((await durable(dataFile)).callbacks.deliveries[id].state).toBe('pending');
    await t.mock.deliveries.waitFor(id, { attempts: 1 });
    await t.mock.close();

    receiver.respond(null);
    const again = await newMock({ dataFile });
    cleanups.push(() => again.mock.close());
    const resumed = again.mock.deliveries.get(id)!;
    expect(resumed).toMatchObject({ state: 'pending', attempts_in_round: 1, next_attempt_at: rfc3339(T0 + 60_000) });
    expect(again.mock.clock.nowMs()).toBe(T0); // the frozen clock came back too
    await again.mock.clock.advance(60_000);
    const record = await again.mock.deliveries.waitFor(id);
    expect(record.state).toBe('delivered');
    expect(record.attempts.map((a) => a.status)).toEqual([500, 204]);
    expect(receiver.received.map((r) => r.id)).toEqual([id, id]);
    // Settled: out of the data file (nothing to resume), still in the in-memory log.
    expect((await durable(dataFile)).callbacks.deliveries[id]).toBeUndefined();
  });

  it('waiting for an attempt answers only once its outcome is on disk (a kill right after the answer loses nothing)', async () => {
    const dataFile = tempFile();
    const backend = instrumented(await fileBackend(dataFile));
    const { t, receiver } = await setup({ store: backend });
    receiver.respond({ status: 500 });
    const id = (await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR)))!.record.id;
    // From now on every write waits for the gate: the attempt's outcome reaches memory, not the disk.
    const gate = backend.hold();
    const release = () => gate.release();
    while (t.mock.deliveries.get(id)!.attempts.length === 0) await new Promise((r) => setTimeout(r, 5));
    let answered = false;
    const waited = t.mock.deliveries.waitFor(id, { attempts: 1 }).then((r) => ((answered = true), r));
    try {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(answered).toBe(false);
    } finally {
      release(); // else the mock's close would wait on the gate
    }
    expect((await waited).attempts.map((a) => a.status)).toEqual([500]);
    expect((await durable(dataFile)).callbacks.deliveries[id]).toMatchObject({ attempts_in_round: 1 });
  });

  it('a real restart: the CLI killed (SIGKILL) mid-attempt and mid-schedule resumes from the same data file, same id, none lost; --callback-time-scale and --callback-probe apply', async () => {
    const dataFile = tempFile();
    const args = ['--data', dataFile, '--callback-time-scale', '60']; // a retry every virtual second
    const first = await startCli(args);
    const credentials = (await control(first.url, 'GET', '/_mock/credentials')).json;
    const m = credentials.merchants.find((x: { mchid: string }) => x.mchid === CREATOR);
    const receiver = await createCallbackReceiver({ credentials, mchid: CREATOR });
    cleanups.push(() => receiver.close());
    const signer = createSigner({ mchid: CREATOR, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    const body = JSON.stringify({ mchid: CREATOR, notify_url: receiver.url });
    expect(
      (
        await fetch(`${first.url}/v3/marketing/favor/callbacks`, {
          method: 'POST',
          body,
          headers: signer.headers('POST', '/v3/marketing/favor/callbacks', body),
        })
      ).status,
    ).toBe(200);
    expect((await control(first.url, 'POST', '/_mock/clock/freeze', { time: rfc3339(T0) })).status).toBe(200);

    // 1. The first attempt hangs; the process is killed while it is in flight.
    receiver.respond([{ delayMs: 30_000 }]);
    const triggered = await control(first.url, 'POST', '/_mock/callbacks/coupon-use', { coupon: couponUsePlaintext(CREATOR) });
    expect(triggered.status).toBe(200);
    const id: string = triggered.json.delivery.id;
    expect((await durable(dataFile)).callbacks.deliveries[id]).toMatchObject({ state: 'pending', attempts_in_round: 0 });
    await receiver.waitFor(1);
    first.child.kill('SIGKILL');
    await first.exited;

    // 2. Restarted: the cut-short attempt is sent again at once (at least once); it gets a 500.
    receiver.respond([{ status: 500 }]);
    const second = await startCli(args);
    const afterResume = (await control(second.url, 'GET', `/_mock/callbacks/${id}?wait=attempt`)).json;
    expect(afterResume).toMatchObject({
      timed_out: false,
      delivery: { id, state: 'pending', attempts_in_round: 1, next_attempt_at: rfc3339(T0 + 1_000) },
    });
    expect(afterResume.delivery.attempts.map((a: { status: number | null }) => a.status)).toEqual([500]);
    second.child.kill('SIGKILL');
    await second.exited;

    // 3. Killed again between attempts: the schedule survives; advancing the clock a virtual second delivers it.
    const third = await startCli([...args, '--callback-probe']);
    expect((await control(third.url, 'GET', `/_mock/callbacks/${id}`)).json).toMatchObject({
      state: 'pending',
      attempts_in_round: 1,
      next_attempt_at: rfc3339(T0 + 1_000),
    });
    expect((await control(third.url, 'POST', '/_mock/clock/advance', { by: 1_000 })).status).toBe(200);
    const settled = (await control(third.url, 'GET', `/_mock/callbacks/${id}?wait=settled`)).json;
    expect(settled).toMatchObject({ timed_out: false, delivery: { id, state: 'delivered' } });
    expect(settled.delivery.attempts.map((a: { status: number | null }) => a.status)).toEqual([500, 204]);

    // --callback-probe: a replay round starts with a WECHATPAY/SIGNTEST/ probe (answered 401), then the valid one.
    const replayed = (await control(third.url, 'POST', `/_mock/callbacks/${id}/replay`, { wait: 'settled' })).json;
    expect(replayed.delivery.attempts.map((a: { round: number; probe: boolean; status: number }) => [a.round, a.probe, a.status])).toEqual([
      [1, false, 500],
      [1, false, 204],
      [2, true, 401],
      [2, false, 204],
    ]);
    expect(receiver.received.map((r) => r.answeredStatus)).toEqual([204, 500, 204, 401, 204]); // the first (hung) one never got its answer out
    expect(receiver.received[3].headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set([id]));
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect((await durable(dataFile)).callbacks.deliveries).toEqual({}); // settled: nothing left to resume
  }, 60_000);

  it('replay re-sends the same id and body, programmatically and through the control API', async () => {
    const { t, receiver } = await setup();
    const handle = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    const id = handle!.record.id;
    await handle!.settled;
    const replayed = await t.mock.deliveries.replay(id);
    expect(replayed.record).toMatchObject({ id, round: 2, state: 'pending' });
    expect((await replayed.settled).state).toBe('delivered');
    const res = await t.mock.request(`/_mock/callbacks/${id}/replay`, { method: 'POST', body: JSON.stringify({ wait: 'settled' }) });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out).toMatchObject({ timed_out: false, delivery: { id, round: 3, state: 'delivered' } });
    expect(receiver.received.map((r) => r.id)).toEqual([id, id, id]);
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
    expect(out.delivery.attempts.map((a: { round: number }) => a.round)).toEqual([1, 2, 3]);
    expect((await t.mock.request(`/_mock/callbacks/${id}`)).status).toBe(200);
    expect((await t.mock.request('/_mock/callbacks/nope/replay', { method: 'POST' })).status).toBe(404);
    // The control API's raw trigger, waiting for the first answer.
    const raw = await (
      await t.mock.request('/_mock/callbacks/coupon-use', {
        method: 'POST',
        body: JSON.stringify({ coupon: couponUsePlaintext(CREATOR), wait: 'attempt' }),
      })
    ).json();
    expect(raw).toMatchObject({ timed_out: false, delivery: { state: 'delivered', attempts: [{ status: 204 }] } });
  });

  it('a receiver that is down or hangs does not slow the API', async () => {
    // A TCP server that accepts and never answers: every attempt holds its slot for the full 5 s.
    const sockets = new Set<Socket>();
    const blackhole: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), blackhole.close(() => r()))));
    const hangingUrl = `http://127.0.0.1:${(blackhole.address() as { port: number }).port}/notify`;
    const t = await newMock();
    cleanups.push(() => t.mock.close());

    // Down: connection refused, recorded as such, scheduled for a retry.
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: 'http://127.0.0.1:9/notify' } });
    const refused = await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR));
    const record = await t.mock.deliveries.waitFor(refused!.record.id, { attempts: 1 });
    expect(record.attempts[0]).toMatchObject({ status: null, outcome: 'failed' });
    expect(record.attempts[0].error).toMatch(/ECONNREFUSED/);
    expect(record.state).toBe('pending');

    // Hanging: triggers return at once, the API answers at once, at most 32 attempts hold a connection.
    await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: hangingUrl } });
    const handles = await Promise.all(Array.from({ length: 100 }, () => t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR))));
    expect(handles.every((h) => h?.record.state === 'pending')).toBe(true);
    const res = await t.call('GET', `/v3/marketing/favor/callbacks?mchid=${CREATOR}`);
    expect(res.status).toBe(200);
    expect(json(res).notify_url).toBe(hangingUrl);
    // The triggers and the API answered while every attempt still hangs: none has an outcome yet (each
    // needs the receiver's answer or its 5 s timeout), so neither waited on the receiver. No wall clock.
    const attempted = () => handles.filter((h) => t.mock.deliveries.get(h!.record.id)!.attempts.length > 0).length;
    expect(attempted()).toBe(0);
    // Bounded concurrency: exactly 32 attempts hold a connection, the other 68 wait their turn.
    await vi.waitFor(() => expect(sockets.size).toBe(32));
    expect(attempted()).toBe(0);
  }, 15_000);
});

describe('a plaintext of your own (mock.deliveries.send)', () => {
  it('is delivered verified and decrypted, retried after a 500 with the same id; a reset forgets the deliveries', async () => {
    const mock = await startMock();
    const receiver = await createCallbackReceiver({ credentials: mock.credentials, mchid: '1900000001' });
    cleanups.push(
      () => mock.close(),
      () => receiver.close(),
    );
    const usedCoupon = couponUsePlaintext(CREATOR);

    const m = mock.credentials.merchants[0];
    const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    const body = JSON.stringify({ mchid: m.mchid, notify_url: receiver.url });
    await fetch(`${mock.url}/v3/marketing/favor/callbacks`, {
      method: 'POST',
      body,
      headers: signer.headers('POST', '/v3/marketing/favor/callbacks', body),
    });
    await mock.clock.freeze();
    receiver.respond([{ status: 500 }]);

    const { record, settled } = (await mock.deliveries.send(m.mchid, usedCoupon))!;
    await mock.deliveries.waitFor(record.id, { attempts: 1 });
    await mock.clock.advance(60_000);
    expect((await settled).state).toBe('delivered');

    const [first, second] = await receiver.waitFor(2);
    expect(second.id).toBe(first.id);
    expect(second.verified).toBe(true);
    expect(second.plaintext.consume_information.transaction_id).toBe(usedCoupon.consume_information.transaction_id);
    // A reset forgets the deliveries with the rest of the state.
    await mock.reset();
    expect(mock.deliveries()).toEqual([]);
  });
});

describe('using a coupon sends COUPON.USE (the favor domain, hooked)', () => {
  /** A running stock of CREATOR and one coupon sent to a user, the receiver as notify URL. */
  async function usableCoupon(options: MockOptions = {}) {
    const t = await newMock({ validateResponses: true, ...options });
    cleanups.push(() => t.mock.close());
    await freezeAtNow(t);
    const receiver = await createCallbackReceiver({ credentials: t.mock.credentials, mchid: CREATOR });
    cleanups.push(() => receiver.close());
    expect((await t.call('POST', '/v3/marketing/favor/callbacks', { body: { mchid: CREATOR, notify_url: receiver.url } })).status).toBe(
      200,
    );
    const stockId = await runningStock(t);
    return { t, receiver, stockId, couponId: await sendOk(t, stockId) };
  }

  it('mock.useCoupon resolves with the delivery; the receiver decrypts the used coupon, valid against its contract', async () => {
    const { t, receiver, stockId, couponId } = await usableCoupon();
    const seen: unknown[] = [];
    t.mock.onCouponUsed(() => (seen.push(1), 'other listener'));
    const result = await t.mock.useCoupon(couponId, { transaction_id: '4200000000202603020000000042' });
    expect(result.listeners).toEqual(['other listener']);
    expect(result.delivery!.record).toMatchObject({ coupon_id: couponId, stock_id: stockId, mchid: CREATOR, state: 'pending' });
    expect((await result.delivery!.settled).state).toBe('delivered');
    const [cb] = await receiver.waitFor(1);
    expect(cb).toMatchObject({ verified: true, id: result.delivery!.record.id });
    expect(cb.plaintext).toMatchObject({
      stock_creator_mchid: CREATOR,
      stock_id: stockId,
      coupon_id: couponId,
      status: 'USED',
      consume_information: { transaction_id: '4200000000202603020000000042', consume_mchid: CREATOR },
    });
    expect(loadCallbackSchemas().couponUsePlaintext(cb.plaintext)).toBe(true);
  });

  it('a use and its COUPON.USE are written together: one commit holds the used coupon and the pending delivery', async () => {
    const backend = instrumented(memoryBackend());
    const { t, couponId } = await usableCoupon({ store: backend });
    const before = backend.commits.length;
    const { delivery } = await t.mock.useCoupon(couponId);
    // The use's own commit: a crash after it cannot leave a used coupon without its notification.
    const commits = backend.commits.slice(before);
    expect(commits).toHaveLength(1);
    const { changes } = JSON.parse(commits[0].line) as { changes: [string[], unknown][] };
    expect(changes).toContainEqual([['merchants', CREATOR, 'favor', 'coupons', couponId, 'status'], 'USED']);
    expect(commits[0].line).toContain(`"id":"${delivery!.record.id}"`);
  });

  it('the control API use → the delivery in the log; the CLI use-coupon prints the outcome', async () => {
    const { t, receiver, stockId } = await usableCoupon();
    const viaControl = await sendOk(t, stockId);
    const used = await t.mock.request(`/_mock/favor/coupons/${viaControl}/use`, { method: 'POST', body: '{}' });
    expect(used.status).toBe(200);
    const usedBody = await used.json();
    expect(usedBody.delivery).toMatchObject({ coupon_id: viaControl, stock_id: stockId, mchid: CREATOR, url: receiver.url });
    const listed = await (await t.mock.request(`/_mock/callbacks?coupon_id=${viaControl}`)).json();
    expect(listed.deliveries).toHaveLength(1);
    expect(listed.deliveries[0].id).toBe(usedBody.delivery.id);
    const waited = await (await t.mock.request(`/_mock/callbacks/${listed.deliveries[0].id}?wait=settled`)).json();
    expect(waited).toMatchObject({ timed_out: false, delivery: { state: 'delivered', coupon_id: viaControl } });

    // The CLI against this app on a port, as a user runs it.
    const server = createHttpServer(t.mock.listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    receiver.respond([{ status: 500 }]);
    const viaCli = await sendOk(t, stockId);
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const out = await run(['use-coupon', viaCli, '--url', url, '--transaction-id', '4200000000202603020000000099']);
    // The coupon is used, but its first attempt failed: exit 1 (issue 11: use-coupon fails when its delivery does).
    expect(out.code, out.stderr).toBe(1);
    expect(out.stdout).toContain(
      `coupon ${viaCli} USED (stock ${stockId}, creator ${CREATOR}, consumed by ${CREATOR}, transaction 4200000000202603020000000099)`,
    );
    expect(out.stdout).toMatch(new RegExp(`COUPON\\.USE [0-9a-f-]{36} → ${receiver.url.replace(/[.]/g, '\\.')}: pending`));
    expect(out.stdout).toContain('attempt 1/9 at 2026-03-02T10:00:00.000+08:00: HTTP 500 (HTTP 500: only 200 and 204 count as received)');
    expect(out.stdout).toContain('next attempt at 2026-03-02T10:01:00+08:00 (virtual time)');
    const refused = await run(['use-coupon', viaCli, '--url', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/use-coupon refused \(HTTP 400\): INVALID_REQUEST coupon \d+ is USED/);
  }, 15_000);
});

describe('the delivery log is capped (callbackLogSize)', () => {
  it('callbackLogSize 2: keeps the last 2 settled deliveries, the first settled dropped first; pending ones are never dropped', async () => {
    const { t, receiver } = await setup({ callbackLogSize: 2 });
    const ids = (rs: { id: string }[]) => rs.map((r) => r.id);
    // Three deliveries left pending (first attempt answered 500): more than the cap.
    receiver.respond([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const pending: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR)))!.record.id;
      await t.mock.deliveries.waitFor(id, { attempts: 1 });
      pending.push(id);
    }
    // Four delivered at the first attempt (the receiver's default 204): only the last two stay.
    const settled: string[] = [];
    for (let i = 0; i < 4; i++) {
      const handle = (await t.mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR)))!;
      expect((await handle.settled).state).toBe('delivered');
      settled.push(handle.record.id);
    }
    expect(ids(t.mock.deliveries())).toEqual([...pending, ...settled.slice(2)]);
    expect(ids(t.mock.deliveries({ state: 'pending' }))).toEqual(pending);
    const listed = await (await t.mock.request('/_mock/callbacks')).json();
    expect({ ids: ids(listed.deliveries), pending: listed.pending }).toEqual({ ids: [...pending, ...settled.slice(2)], pending: 3 });
    expect(t.mock.deliveries.get(settled[0])).toBeUndefined();

    // The pending three settle on their retry: they are the newest settled now, two of them stay.
    const done = pending.map((id) => t.mock.deliveries.waitFor(id));
    await t.mock.clock.advance(60_000);
    expect((await Promise.all(done)).map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered']);
    await t.mock.deliveries.idle();
    const left = t.mock.deliveries();
    expect(left).toHaveLength(2);
    for (const r of left) {
      expect(pending).toContain(r.id);
      expect(r.state).toBe('delivered');
    }
    expect(receiver.received).toHaveLength(10);
  });
});
