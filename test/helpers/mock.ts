/**
 * Test harness: the real app (in process through a real Node listener, or on a port), a signer that
 * behaves like the SDKs, and a verifier for the mock's signed replies. Every 2xx body is validated
 * against its contract by the app itself (`validateResponses`), so a mismatch fails the test.
 */
import { createPublicKey, createVerify, type KeyObject, X509Certificate } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createApp, createSigner, type MockApp, type MockOptions, type Signer } from '../../mock-server/index.js';

export const CREATOR = '1900000001';
export const SAME_BRAND = '1900000002';
export const UNRELATED = '1900000003';

export interface TestMock {
  mock: MockApp;
  signer(mchid?: string): Signer;
  /** A signed request through the real Node listener. */
  call(method: string, target: string, options?: CallOptions): Promise<request.Response>;
  /** Checks the Wechatpay-* headers of a reply against the platform keys; returns the serial used. */
  verifyReply(res: request.Response): string;
}

export interface CallOptions {
  mchid?: string;
  body?: unknown;
  /** Raw body bytes/text sent and signed as they are. */
  rawBody?: string | Buffer;
  headers?: Record<string, string | undefined>;
}

export async function newMock(options: MockOptions = {}): Promise<TestMock> {
  const mock = await createApp({ validateResponses: true, ...options });
  const signers = new Map<string, Signer>();
  const signer = (mchid = CREATOR) => {
    if (!signers.has(mchid)) {
      const m = mock.credentials.merchants.find((x) => x.mchid === mchid);
      if (!m) throw new Error(`no fixture merchant ${mchid}`);
      signers.set(mchid, createSigner({ mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key }));
    }
    return signers.get(mchid)!;
  };
  const keys: Record<string, KeyObject> = {
    [mock.credentials.platform_serial_no]: new X509Certificate(mock.credentials.platform_certificate).publicKey,
    [mock.credentials.public_key_id]: createPublicKey(mock.credentials.public_key),
  };
  return {
    mock,
    signer,
    call(method, target, options = {}) {
      const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      const headers = { ...signer(options.mchid).headers(method, target, body), ...options.headers };
      let req = request(mock.listener)[method.toLowerCase() as 'get'](target);
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) req = req.set(k, v);
      if (body !== undefined) req = req.send(body);
      return req.buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      }) as unknown as Promise<request.Response>;
    },
    verifyReply(res) {
      const h = res.headers;
      const serial = h['wechatpay-serial'];
      const key = keys[serial];
      if (!key) throw new Error(`reply signed with unknown serial ${serial}`);
      const text = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : '';
      const ok = createVerify('RSA-SHA256')
        .update(`${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${text}\n`)
        .verify(key, h['wechatpay-signature'], 'base64');
      if (!ok) throw new Error('reply signature does not verify');
      return serial;
    },
  };
}

/**
 * One mock for a whole test file: created before its first test, reset with the clock frozen at
 * `frozenAt` before each test, closed after the last. The handle forwards to that mock, so the file
 * uses it as a plain TestMock: `const t = sharedMock(NOW_MS);`.
 */
export function sharedMock(frozenAt: number | Date): TestMock {
  let current: TestMock | undefined;
  const t = () => {
    if (!current) throw new Error('sharedMock: used outside a test (the mock is created in beforeAll)');
    return current;
  };
  beforeAll(async () => {
    current = await newMock();
  });
  afterAll(() => current?.mock.close());
  beforeEach(async () => {
    await t().mock.reset();
    await t().mock.clock.freeze(frozenAt);
  });
  return {
    get mock() {
      return t().mock;
    },
    signer: (mchid) => t().signer(mchid),
    call: (method, target, options) => t().call(method, target, options),
    verifyReply: (res) => t().verifyReply(res),
  };
}

/**
 * The whole state as the public snapshot API exports it (`mock.snapshot().state`): the same shape as
 * the engine's document (`merchants[mchid].favor.stocks/coupons/…`, `.paygift`, `.partnerships`,
 * `media.images`), a copy of what is durable — tests read state through this, never `store.data`.
 */
export const stateOf = async (mock: MockApp) => (await mock.snapshot()).state;

/** A merchant's balance (fen) as the control API shows it (GET /_mock/state/merchants). */
export async function balanceOf(mock: MockApp, mchid: string): Promise<number> {
  const res = await request(mock.listener).get('/_mock/state/merchants').expect(200);
  const row = (res.body.merchants as { mchid: string; balance: number }[]).find((m) => m.mchid === mchid);
  if (!row) throw new Error(`balanceOf: no merchant ${mchid} in /_mock/state/merchants`);
  return row.balance;
}

/** The JSON body of a supertest response taken as a raw Buffer. */
export function json<T = any>(res: request.Response): T {
  return JSON.parse((res.body as Buffer).toString('utf8')) as T;
}
