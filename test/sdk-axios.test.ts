/**
 * The real npm package wechatpay-axios-plugin, unmodified, pointed at the mock with `baseURL`, its
 * automatic response verification on — in certificate mode and in public-key mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { startMock, type MerchantCredentials, type RunningMock } from '../mock-server/index.js';
import { axiosPluginClient, platformPublicKey } from './helpers/axios-plugin.js';

let running: RunningMock;
const merchant = (mchid: string): MerchantCredentials => running.credentials.merchants.find((m) => m.mchid === mchid)!;

beforeAll(async () => {
  running = await startMock({ validateResponses: true });
});
afterAll(() => running.close());

const client = (m: MerchantCredentials, certs: Record<string, string>, extra: Record<string, unknown> = {}) =>
  axiosPluginClient(running.url, m, certs, extra);

/**
 * First download, as every SDK's downloader does it: decrypt the list with the APIv3 key, then check
 * the reply's signature with the certificate just decrypted (the SDK's own Rsa/Formatter helpers).
 */
async function downloadPlatformCertificates(m: MerchantCredentials): Promise<Record<string, string>> {
  const bootstrap = client(m, { any: undefined as unknown as string }); // as the SDK's own `wxpay crt` does
  const res = await bootstrap.v3.certificates.get({ transformResponse: [(raw: string) => raw] });
  const certs: Record<string, string> = {};
  for (const item of JSON.parse(res.data).data) {
    const { nonce, associated_data, ciphertext } = item.encrypt_certificate;
    certs[item.serial_no] = Aes.AesGcm.decrypt(ciphertext, m.apiv3_key, nonce, associated_data);
  }
  const serial = res.headers['wechatpay-serial'];
  expect(Object.keys(certs)).toContain(serial);
  const message = Formatter.response(res.headers['wechatpay-timestamp'], res.headers['wechatpay-nonce'], res.data);
  expect(Rsa.verify(message, res.headers['wechatpay-signature'], certs[serial])).toBe(true);
  return certs;
}

describe('wechatpay-axios-plugin, certificate mode (merchant 1900000001)', () => {
  it('downloads the platform certificate from /v3/certificates and decrypts it with the APIv3 key', async () => {
    const certs = await downloadPlatformCertificates(merchant('1900000001'));
    expect(Object.values(certs)[0]).toBe(running.credentials.platform_certificate);
  });

  it('calls /v3/certificates and the favor callbacks pair with automatic response verification on', async () => {
    const m = merchant('1900000001');
    const wxpay = client(m, await downloadPlatformCertificates(m));
    const certificates = await wxpay.v3.certificates.get({ params: { algorithm_type: 'RSA' } });
    expect(certificates.status).toBe(200);
    expect(certificates.data.data[0].serial_no).toBe(running.credentials.platform_serial_no);

    const set = await wxpay.v3.marketing.favor.callbacks.post({
      mchid: m.mchid,
      notify_url: 'https://merchant.example.com/wxpay/coupon-use',
      switch: true,
    });
    expect(set.status).toBe(200);
    expect(set.headers['wechatpay-serial']).toBe(running.credentials.platform_serial_no);
    expect(set.data.notify_url).toBe('https://merchant.example.com/wxpay/coupon-use');

    const got = await wxpay.v3.marketing.favor.callbacks.get({ params: { mchid: m.mchid } });
    expect(got.data).toEqual({ notify_url: 'https://merchant.example.com/wxpay/coupon-use', mchid: m.mchid });
  });

  it('surfaces the documented error envelope as an AxiosError with the parsed body', async () => {
    const m = merchant('1900000001');
    const wxpay = client(m, await downloadPlatformCertificates(m));
    const err = await wxpay.v3.marketing.favor.callbacks
      .post({ mchid: m.mchid, notify_url: 'https://a.example.com/n', bogus: 1 })
      .catch((e: any) => e);
    expect(err.response.status).toBe(400);
    expect(err.response.data).toEqual({
      code: 'PARAM_ERROR',
      message: '请求中含有未在API文档中定义的参数',
      detail: { location: null, value: ['/body/bogus'] },
    });
  });

  it('the SDK refuses a reply when it trusts another key (verification really runs)', async () => {
    const m = merchant('1900000001');
    const wrong = client(m, { [running.credentials.platform_serial_no]: running.credentials.public_key });
    const err = await wrong.v3.certificates.get().catch((e: any) => e);
    expect(err.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
  });
});

describe('wechatpay-axios-plugin, public-key mode', () => {
  it('a public-key merchant (1900000002) gets replies signed with PUB_KEY_ID_… that verify', async () => {
    const m = merchant('1900000002');
    const wxpay = client(m, platformPublicKey(running.credentials));
    const set = await wxpay.v3.marketing.favor.callbacks.post({ mchid: m.mchid, notify_url: 'https://branch.example.com/notify' });
    expect(set.headers['wechatpay-serial']).toBe(running.credentials.public_key_id);
    const got = await wxpay.v3.marketing.favor.callbacks.get({ params: { mchid: m.mchid } });
    expect(got.data.notify_url).toBe('https://branch.example.com/notify');
  });

  it('a certificate-mode merchant that sends Wechatpay-Serial: PUB_KEY_ID_… is answered with the public key', async () => {
    const m = merchant('1900000001');
    const wxpay = client(m, platformPublicKey(running.credentials), { headers: { 'Wechatpay-Serial': running.credentials.public_key_id } });
    const certificates = await wxpay.v3.certificates.get();
    expect(certificates.headers['wechatpay-serial']).toBe(running.credentials.public_key_id);
    const set = await wxpay.v3.marketing.favor.callbacks.post({ mchid: m.mchid, notify_url: 'https://merchant.example.com/n' });
    expect(set.status).toBe(200);
  });
});
