/**
 * The shared scenarios through wechatpay-node-v3 (2.2.1), unmodified, redirected with createHttp
 * (test/conformance/clients/node-v3.ts) — and every place where that SDK is off the APIv3
 * specification (protocol.md §7.2): what the mock answers (what the real server would) and what the
 * journal says, so a user knows what to change.
 */
import { createPrivateKey, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptResource, encryptResource, startMock, type RunningMock } from '../mock-server/index.js';
import { SIGN_MESSAGES } from '../mock-server/errors.js';
import { MarketingPay, nodeV3Client, REAL_ORIGIN } from './conformance/clients/node-v3.js';
import { runConformance } from './conformance/suite.js';
import { control, PROFILES, requestNo } from './conformance/world.js';
import { stockBody } from './helpers/favor.js';
import { PNG } from './helpers/images.js';

// downloadBill() strips only https://api.mch.weixin.qq.com before signing: the suite runs with
// --real-bill-urls so the use-flow URL carries that origin and createHttp rewrites it (see below).
runConformance({
  label: 'wechatpay-node-v3 via createHttp, certificate mode (1900000001)',
  mchid: '1900000001',
  mockOptions: { realBillUrls: true },
  create: (mock, merchant, mode) => {
    if (mode !== 'certificate') throw new Error('wechatpay-node-v3 verifies only platform-certificate signatures');
    return nodeV3Client(mock.url, merchant);
  },
});

const CREATOR = PROFILES['1900000001'];
const activityBody = (image: string) => ({
  activity_base_info: {
    activity_name: '节点满额送',
    activity_second_title: '满100送券',
    merchant_logo_url: image,
    begin_time: '2026-04-01T00:00:00+08:00',
    end_time: '2026-05-01T00:00:00+08:00',
    out_request_no: requestNo('NV3PG'),
    delivery_purpose: 'OFF_LINE_PAY',
  },
  award_send_rule: {
    transaction_amount_minimum: 10000,
    send_content: 'SINGLE_COUPON',
    award_type: 'BUSIFAVOR',
    award_list: [{ stock_id: CREATOR.awardStock, original_image_url: image }],
    merchant_option: 'MANUAL_INPUT_MERCHANT',
    merchant_id_list: [CREATOR.mchid],
  },
});
const journalOf = (mock: RunningMock, method: string, target: string) =>
  mock.journal().filter((e) => e.method === method && e.target === target);

describe('wechatpay-node-v3 off the specification: the mock answers as the real server, the journal says why', () => {
  let mock: RunningMock;
  let pay: MarketingPay;
  beforeAll(async () => {
    mock = await startMock({ validateResponses: true });
    pay = new MarketingPay(mock.credentials.merchants[0], mock.url);
  });
  afterAll(() => mock?.close());

  it('a POST without a body signed by the SDK (4 lines) -> 401 SIGN_ERROR 错误的签名，验签失败; journal: "4 lines; APIv3 requires 5"; the activity is not terminated', async () => {
    await control(mock.url).setClock('2026-03-01T00:00:00+08:00');
    const client = nodeV3Client(mock.url, mock.credentials.merchants[0]);
    const image = (await client.upload('/v3/marketing/favor/media/image-upload', 'logo.png', PNG)).data.media_url;
    const activityId = (await client.post('/v3/marketing/paygiftactivity/unique-threshold-activity', activityBody(image))).data.activity_id;
    const path = `/v3/marketing/paygiftactivity/activities/${activityId}/terminate`;

    const answer = await pay.postSignedAsSdkDoes(path);
    expect(answer.status).toBe(401);
    const body = JSON.parse(answer.text);
    expect(body).toMatchObject({
      code: 'SIGN_ERROR',
      message: SIGN_MESSAGES.mismatch,
      detail: { detail: { issue: 'sign not match' }, sign_information: { method: 'POST', url: path } },
    });
    // The server's message ends with the empty body line the SDK left out.
    expect(body.detail.sign_information.truncated_sign_message).toMatch(/\n\n$/);
    const [entry] = journalOf(mock, 'POST', path);
    expect(entry.findings.find((f) => f.kind === 'signature')!.hint).toMatch(
      /^the signed message has 4 lines; APIv3 requires 5: a request without a body still signs an empty body line/,
    );
    expect((await client.get(`/v3/marketing/paygiftactivity/activities/${activityId}`)).data.activity_status).toBe('CREATE_ACT_STATUS');

    // The adapter's workaround — the five lines signed with the SDK's own sha256WithRsa — terminates it.
    const fixed = await pay.post(path);
    expect([fixed.status, JSON.parse(fixed.text).activity_id]).toEqual([200, activityId]);
  });

  it('downloadBill() on a URL of the mock signs the absolute URL -> 401 SIGN_ERROR; journal: sign path and query, use --real-bill-urls', async () => {
    const c = control(mock.url);
    await c.setClock('2026-03-02T10:00:00+08:00');
    const client = nodeV3Client(mock.url, mock.credentials.merchants[0]);
    const stockId = (await client.post('/v3/marketing/favor/coupon-stocks', stockBody({ out_request_no: requestNo('NV3') }))).data.stock_id;
    await client.post(`/v3/marketing/favor/stocks/${stockId}/start`, { stock_creator_mchid: CREATOR.mchid });
    const couponId = (
      await client.post(`/v3/marketing/favor/users/${CREATOR.openid}/coupons`, {
        stock_id: stockId,
        out_request_no: requestNo('NV3S'),
        appid: CREATOR.appid,
        stock_creator_mchid: CREATOR.mchid,
      })
    ).data.coupon_id;
    await c.useCoupon(couponId);
    await c.setClock('2026-04-01T10:00:00+08:00');
    const flow = await client.get(`/v3/marketing/favor/stocks/${stockId}/use-flow`);
    expect(flow.data.url.startsWith(`${mock.url}/v3/billdownload/file?token=`)).toBe(true);

    const answer = (await pay.downloadBill(flow.data.url)) as any;
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'SIGN_ERROR', message: SIGN_MESSAGES.mismatch });
    const target = flow.data.url.slice(mock.url.length);
    const [entry] = journalOf(mock, 'GET', target);
    const hint = entry.findings.find((f) => f.kind === 'signature')!.hint!;
    expect(hint).toContain(
      `the signed URL line is the absolute URL "${mock.url}${target}"; APIv3 signs only the path and query as sent ("${target}")`,
    );
    expect(hint).toContain('--real-bill-urls');
  });

  it('the serial the SDK derives is lower case: accepted, journaled as interop with the serial to send', async () => {
    const merchant = mock.credentials.merchants[0];
    expect(pay.serial).toBe(merchant.merchant_serial_no.toLowerCase());
    // /v3/certificates answers 200 whatever other tests stored: accepted means verified and answered.
    const path = '/v3/certificates';
    const answer = await pay.get(path);
    expect(answer.status).toBe(200);
    expect(await pay.verifyAnswer(answer)).toBe(true);
    const [entry] = journalOf(mock, 'GET', path).slice(-1);
    expect(entry.findings).toContainEqual(
      expect.objectContaining({
        kind: 'interop',
        field: 'serial_no',
        value: merchant.merchant_serial_no.toLowerCase(),
        hint: expect.stringContaining(merchant.merchant_serial_no),
      }),
    );
    // Passed explicitly, the serial is exact and the journal has nothing to say.
    const exact = new MarketingPay(merchant, mock.url, { serial_no: merchant.merchant_serial_no });
    expect((await exact.get(path)).status).toBe(200);
    expect(journalOf(mock, 'GET', path).at(-1)!.findings).toEqual([]);
  });

  it('verifySign knows no WeChat Pay public key: a public-key merchant’s replies (signed PUB_KEY_ID_…, as the real server does) cannot be verified by it', async () => {
    const merchant = mock.credentials.merchants[1];
    const branch = new MarketingPay(merchant, mock.url);
    const answer = await branch.post('/v3/marketing/favor/callbacks', {
      mchid: merchant.mchid,
      notify_url: 'https://branch.example.com/notify',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['wechatpay-serial']).toBe(mock.credentials.public_key_id);
    // klover2/wechatpay-node-v3-ts#73: the same error against the real API once the public key is enabled.
    await expect(branch.verifyAnswer(answer)).rejects.toThrow('平台证书序列号不相符，未找到平台序列号');
  });

  it('verifySign checks no timestamp: a callback signed an hour ago still verifies (a handler must check ±300 s itself)', async () => {
    const body = JSON.stringify({ id: 'x', resource: {} });
    const timestamp = String(Math.floor(Date.now() / 1000) - 3600);
    const nonce = 'abcdefghijkl';
    const platformKey = createPrivateKey(readFileSync(new URL('../fixtures/keys/platform/wechatpay_key.pem', import.meta.url)));
    const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${body}\n`).sign(platformKey, 'base64');
    expect(await pay.verifySign({ timestamp, nonce, body, serial: mock.credentials.platform_serial_no, signature })).toBe(true);
  });

  it('verifySign re-serialises a parsed body with JSON.stringify: it verifies because the mock signs byte-identical JSON.stringify output', async () => {
    const answer = await pay.get('/v3/certificates');
    const h = answer.headers;
    expect(
      await pay.verifySign({
        timestamp: h['wechatpay-timestamp'],
        nonce: h['wechatpay-nonce'],
        body: JSON.parse(answer.text),
        serial: h['wechatpay-serial'],
        signature: h['wechatpay-signature'],
      }),
    ).toBe(true);
  });

  it('decipher_gcm never checks the GCM tag: a tampered tag still decrypts — verify the signature first', async () => {
    const key = mock.credentials.merchants[0].apiv3_key;
    const sealed = encryptResource(JSON.stringify({ coupon_id: '1' }), key, 'coupon');
    const raw = Buffer.from(sealed.ciphertext, 'base64');
    raw[raw.length - 1] ^= 0xff; // last byte of the 16-byte tag
    const tampered = { ...sealed, ciphertext: raw.toString('base64') };
    expect(pay.decipher_gcm(tampered.ciphertext, tampered.associated_data, tampered.nonce, key)).toEqual({ coupon_id: '1' });
    // A checking AES-GCM (node:crypto with final()) refuses the same bytes.
    expect(() => decryptResource(tampered, key)).toThrow();
  });

  it('the rest of what it sends is within the specification: User-Agent 127.0.0.1, an ~11-character base36 nonce, Accept-Encoding: gzip — no finding but the serial', async () => {
    const sent: Record<string, string>[] = [];
    const spy = new MarketingPay(mock.credentials.merchants[0], mock.url);
    const inner = spy.service.post;
    spy.createHttp({
      ...spy.service,
      post: (url: string, params: any, headers: Record<string, string>) => (sent.push(headers), inner(url, params, headers)),
    } as any);
    const answer = await spy.post('/v3/marketing/favor/callbacks', { mchid: '1900000001', notify_url: 'https://merchant.example.com/n' });
    expect(answer.status).toBe(200);
    expect(sent[0]).toMatchObject({
      'User-Agent': '127.0.0.1',
      Accept: 'application/json',
      'Accept-Encoding': 'gzip',
      'Content-Type': 'application/json',
    });
    expect(/nonce_str="([0-9a-z]+)"/.exec(sent[0].Authorization)![1]).toMatch(/^[0-9a-z]{6,15}$/);
    const entry = journalOf(mock, 'POST', '/v3/marketing/favor/callbacks').at(-1)!;
    expect(entry.findings.map((f) => f.kind)).toEqual(['interop']);
  });

  it('the SDK hard-codes the real origin; createHttp receives https://api.mch.weixin.qq.com/… URLs and the signature covers only path and query', async () => {
    const seen: string[] = [];
    const spy = new MarketingPay(mock.credentials.merchants[0], mock.url);
    const inner = spy.service.get;
    spy.createHttp({ ...spy.service, get: (url: string, headers: Record<string, string>) => (seen.push(url), inner(url, headers)) } as any);
    const answer = await spy.get('/v3/certificates');
    expect(seen).toEqual([`${REAL_ORIGIN}/v3/certificates`]);
    expect(answer.status).toBe(200);
  });
});
