/**
 * wechatpay-axios-plugin (0.9.6), unmodified: `baseURL` points it at the mock, its automatic reply
 * verification stays on (a 2xx whose signature does not verify throws `EV3_RES_…`, which is never
 * swallowed here). Callbacks: its own `Rsa.verify` over `Formatter.response(…)` and
 * `Aes.AesGcm.decrypt` (protocol.md §4.7), as its README shows for webhooks.
 */
import { Aes, Formatter, Multipart, Rsa } from 'wechatpay-axios-plugin';
import { createHash } from 'node:crypto';
import type { Credentials, MerchantCredentials } from '../../../mock-server/index.js';
import type { VerificationMode } from '../../../mock-server/world.js';
import { axiosPluginClient, platformCertificate, platformPublicKey } from '../../helpers/axios-plugin.js';
import type { ApiClient, EncryptedResource, ReceivedNotification, Reply } from '../client.js';

const MAX_SKEW_S = 300;

export function axiosClient(baseUrl: string, credentials: Credentials, merchant: MerchantCredentials, mode: VerificationMode): ApiClient {
  // The one key the client trusts: the platform certificate, or the WeChat Pay public key by its id.
  const certs = mode === 'certificate' ? platformCertificate(credentials) : platformPublicKey(credentials);
  const wxpay = axiosPluginClient(baseUrl, merchant, certs);

  /** A 2xx (verified by the plugin, or it would have thrown) or the error envelope of a 4xx/5xx. */
  const settle = async (request: Promise<any>): Promise<Reply> => {
    try {
      const res = await request;
      return { status: res.status, data: res.data, verifiedWith: res.headers['wechatpay-serial'] };
    } catch (err: any) {
      if (err?.response && err.response.status >= 400) return { status: err.response.status, data: err.response.data };
      throw err; // EV3_RES_HEADER_* (reply verification failed) or a transport error
    }
  };
  const resource = (path: string) => wxpay.chain(path.replace(/^\//, ''));

  return {
    label: `wechatpay-axios-plugin (${mode})`,
    mchid: merchant.mchid,
    get: (path, query) => settle(resource(path).get(query ? { params: query } : {})),
    post: (path, body, headers) => settle(resource(path).post(body, headers ? { headers } : {})),
    upload(path, filename, content) {
      const meta = { filename, sha256: createHash('sha256').update(content).digest('hex') };
      const form = new Multipart().append('meta', JSON.stringify(meta)).append('file', content, filename);
      // The plugin signs `config.meta` (the meta JSON), as the image-upload docs show.
      return settle(resource(path).post(form, { meta, headers: form.getHeaders() }));
    },
    async download(url) {
      // As the plugin documents bill downloads: the path on its own baseURL with the token as a param.
      const token = new URL(url).searchParams.get('token');
      const res = await wxpay.v3.billdownload.file.get({ params: { token }, responseType: 'arraybuffer' });
      return { status: res.status, data: Buffer.from(res.data) };
    },
    async verifyNotification({ headers, body }: ReceivedNotification) {
      const { 'wechatpay-timestamp': ts, 'wechatpay-nonce': nonce, 'wechatpay-serial': serial, 'wechatpay-signature': signature } = headers;
      if (!ts || !nonce || !serial || !signature) return false;
      if (Math.abs(Formatter.timestamp() - Number(ts)) > MAX_SKEW_S) return false;
      const key = certs[serial];
      if (!key) return false;
      return Rsa.verify(Formatter.response(ts, nonce, body), signature, key);
    },
    async decryptResource(r: EncryptedResource) {
      return JSON.parse(Aes.AesGcm.decrypt(r.ciphertext, merchant.apiv3_key, r.nonce, r.associated_data));
    },
  };
}
