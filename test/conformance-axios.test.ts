/**
 * The shared scenarios (test/conformance/) through wechatpay-axios-plugin, unmodified, automatic
 * reply verification on: merchant 1900000001 trusting the platform certificate, merchant 1900000002
 * trusting the WeChat Pay public key (PUB_KEY_ID_…). Then what only this SDK shows: its certificate
 * download, its refusal of a reply signed by a key it does not trust, errors as AxiosError, and the
 * Wechatpay-Serial header choosing the public key for a certificate-mode merchant.
 */
import { expect, it } from 'vitest';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import type { MerchantCredentials, RunningMock } from '../mock-server/index.js';
import { axiosClient } from './conformance/clients/axios.js';
import { runConformance, type Scenario } from './conformance/suite.js';
import { axiosPluginClient, platformCertificate, platformPublicKey } from './helpers/axios-plugin.js';
import { stockBody } from './helpers/favor.js';

const merchantOf = (mock: RunningMock, mchid: string): MerchantCredentials => mock.credentials.merchants.find((m) => m.mchid === mchid)!;

/**
 * First download, as every SDK's downloader does it: decrypt the list with the APIv3 key, then check
 * the reply's signature with the certificate just decrypted (the SDK's own Rsa/Formatter helpers).
 */
async function downloadPlatformCertificates(mock: RunningMock, m: MerchantCredentials): Promise<Record<string, string>> {
  const bootstrap = axiosPluginClient(mock.url, m, { any: undefined as unknown as string }); // as the SDK's own `wxpay crt` does
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

function certificateModeChecks(s: Scenario) {
  it('downloads the platform certificate from /v3/certificates, decrypts it with the APIv3 key, then calls with it (algorithm_type=RSA)', async () => {
    const { mock } = s();
    const m = merchantOf(mock, '1900000001');
    const certs = await downloadPlatformCertificates(mock, m);
    expect(Object.values(certs)[0]).toBe(mock.credentials.platform_certificate);
    const wxpay = axiosPluginClient(mock.url, m, certs);
    const certificates = await wxpay.v3.certificates.get({ params: { algorithm_type: 'RSA' } });
    expect(certificates.status).toBe(200);
    expect(certificates.data.data[0].serial_no).toBe(mock.credentials.platform_serial_no);
  });

  it('the SDK refuses a reply when it trusts another key (its verification really runs)', async () => {
    const { mock } = s();
    const wrong = axiosPluginClient(mock.url, merchantOf(mock, '1900000001'), {
      [mock.credentials.platform_serial_no]: mock.credentials.public_key,
    });
    const err = await wrong.v3.certificates.get().catch((e: any) => e);
    expect(err.code).toBe('EV3_RES_HEADER_SIGNATURE_DIGEST');
  });

  it('surfaces a refusal as the SDK does: AxiosError with the documented envelope', async () => {
    const { mock } = s();
    const wxpay = axiosPluginClient(mock.url, merchantOf(mock, '1900000001'), platformCertificate(mock.credentials));
    const error = await wxpay.v3.marketing.favor.couponStocks
      .post(stockBody({ stock_use_rule: { max_coupons_per_user: 61, max_coupons: 100, max_amount: 10000 } }))
      .catch((e: any) => e);
    expect(error.isAxiosError).toBe(true);
    expect(error.response.status).toBe(403);
    expect(error.response.data).toEqual({ code: 'NO_AUTH', message: '你配置的信息需要开通特殊权限' });
  });

  it('a certificate-mode merchant that sends Wechatpay-Serial: PUB_KEY_ID_… is answered with the public key', async () => {
    const { mock } = s();
    const wxpay = axiosPluginClient(mock.url, merchantOf(mock, '1900000001'), platformPublicKey(mock.credentials), {
      headers: { 'Wechatpay-Serial': mock.credentials.public_key_id },
    });
    const certificates = await wxpay.v3.certificates.get();
    expect(certificates.headers['wechatpay-serial']).toBe(mock.credentials.public_key_id);
    const set = await wxpay.v3.marketing.favor.callbacks.post({ mchid: '1900000001', notify_url: 'https://merchant.example.com/n' });
    expect(set.status).toBe(200);
  });
}

runConformance({
  label: 'wechatpay-axios-plugin, certificate mode (1900000001)',
  mchid: '1900000001',
  create: (mock, merchant, mode) => axiosClient(mock.url, mock.credentials, merchant, mode),
  more: certificateModeChecks,
});

runConformance({
  label: 'wechatpay-axios-plugin, public-key mode (1900000002)',
  mchid: '1900000002',
  create: (mock, merchant, mode) => axiosClient(mock.url, mock.credentials, merchant, mode),
});
