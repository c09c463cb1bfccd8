/**
 * wechatpay-node-v3 (2.2.1), unmodified, redirected with its `createHttp` hook (protocol.md §7.2):
 * the SDK signs URLs on https://api.mch.weixin.qq.com, the installed http service swaps that origin
 * for the mock's before sending. The SDK has no marketing methods, so calls are written the way its
 * own methods are (a subclass: `buildAuthorization` → `getHeaders` → `httpService`), replies are
 * checked with its `verifySign` (it verifies nothing by itself; the platform certificate comes from
 * its `fetchCertificates`, through the same hook), downloads use its `downloadBill`, callbacks its
 * `verifySign` + `decipher_gcm`.
 *
 * Where the SDK is off the specification the adapter does what a user must do, and says so:
 * - a POST without a body: the SDK signs 4 lines; the adapter signs the 5 lines itself
 *   (`postSignedAsSdkDoes` keeps the SDK's own way, for the test that shows the 401);
 * - the serial is left to the SDK (derived in lower case), which the mock accepts and journals.
 */
import Pay from 'wechatpay-node-v3';
import { createHash } from 'node:crypto';
import type { MerchantCredentials } from '../../../mock-server/index.js';
import type { ApiClient, EncryptedResource, ReceivedNotification, Reply } from '../client.js';

export const REAL_ORIGIN = 'https://api.mch.weixin.qq.com';

/** What the installed http service answers: the SDK's `Output` plus the headers and raw text the verification needs. */
export interface HttpAnswer {
  status: number;
  data?: any;
  error?: string;
  headers: Record<string, string>;
  text: string;
}

/** The createHttp service: the redirection recipe of docs/guides/node-v3.md, keeping headers and raw bytes. */
export function mockHttpService(baseUrl: string) {
  const send = async (
    method: string,
    url: string,
    body: string | FormData | undefined,
    headers: Record<string, string>,
  ): Promise<HttpAnswer> => {
    const res = await fetch(url.replace(REAL_ORIGIN, baseUrl), { method, headers, body });
    const raw = Buffer.from(await res.arrayBuffer());
    const text = raw.toString('utf8');
    const json = /json/i.test(res.headers.get('content-type') ?? '');
    return {
      status: res.status,
      data: json && text ? JSON.parse(text) : raw,
      error: res.ok ? undefined : text,
      headers: Object.fromEntries(res.headers),
      text,
    };
  };
  return {
    post: (url: string, params: Record<string, any> | undefined, headers: Record<string, any>) =>
      send('POST', url, params === undefined ? undefined : JSON.stringify(params), headers),
    get: (url: string, headers: Record<string, any>) => send('GET', url, undefined, headers),
    upload(url: string, params: Record<string, any>, headers: Record<string, any>) {
      const form = new FormData();
      form.append('meta', JSON.stringify(params.fileinfo));
      form.append('file', new Blob([params.pic_buffer], { type: 'image/png' }), params.fileinfo.filename);
      const { 'Content-Type': _ignored, ...rest } = headers; // fetch writes the multipart boundary
      return send('POST', url, form, rest);
    },
  };
}

/** The SDK's Pay with marketing calls written like its own methods. */
export class MarketingPay extends Pay {
  readonly service: ReturnType<typeof mockHttpService>;

  constructor(merchant: MerchantCredentials, baseUrl: string, options: { serial_no?: string } = {}) {
    super({
      appid: merchant.appids[0],
      mchid: merchant.mchid,
      publicKey: Buffer.from(merchant.merchant_certificate),
      privateKey: Buffer.from(merchant.merchant_private_key),
      key: merchant.apiv3_key,
      ...options,
    });
    this.service = mockHttpService(baseUrl);
    this.createHttp(this.service as any);
  }

  /** The serial the SDK puts in Authorization (derived from the certificate unless passed). */
  get serial(): string {
    return this.serial_no;
  }

  get(path: string, query: Record<string, string | number | boolean> = {}): Promise<HttpAnswer> {
    const url = REAL_ORIGIN + path + this.objectToQueryString(query);
    return this.httpService.get(url, this.getHeaders(this.buildAuthorization('GET', url))) as Promise<HttpAnswer>;
  }

  /** POST signed exactly as the SDK signs — for a body-less POST that is 4 lines (off-spec). */
  postSignedAsSdkDoes(path: string, body?: Record<string, any>, extraHeaders: Record<string, string> = {}): Promise<HttpAnswer> {
    const url = REAL_ORIGIN + path;
    const headers = this.getHeaders(this.buildAuthorization('POST', url, body), {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...extraHeaders,
    });
    return this.httpService.post(url, body as Record<string, any>, headers) as Promise<HttpAnswer>;
  }

  /** POST, with the workaround for a body-less POST: the 5 lines (empty body line) signed with the SDK's own helpers. */
  post(path: string, body?: Record<string, any>, extraHeaders: Record<string, string> = {}): Promise<HttpAnswer> {
    if (body !== undefined) return this.postSignedAsSdkDoes(path, body, extraHeaders);
    const url = REAL_ORIGIN + path;
    const nonce = Math.random().toString(36).substr(2, 15);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const authorization = this.getAuthorization(nonce, timestamp, this.sha256WithRsa(`POST\n${path}\n${timestamp}\n${nonce}\n\n`));
    return this.httpService.post(
      url,
      undefined as unknown as Record<string, any>,
      this.getHeaders(authorization, extraHeaders),
    ) as Promise<HttpAnswer>;
  }

  /** The marketing image upload, signed like the SDK's upload_images (over JSON.stringify(fileinfo)). */
  uploadImage(path: string, filename: string, content: Buffer): Promise<HttpAnswer> {
    const url = REAL_ORIGIN + path;
    const fileinfo = { filename, sha256: createHash('sha256').update(content).digest('hex') };
    const headers = this.getHeaders(this.buildAuthorization('POST', url, fileinfo));
    return this.httpService.upload(url, { fileinfo, pic_buffer: content }, headers) as Promise<HttpAnswer>;
  }

  /** The SDK's verifySign over the raw reply (certificate mode only: it knows no public key). */
  verifyAnswer(answer: HttpAnswer): Promise<boolean> {
    const h = answer.headers;
    return this.verifySign({
      timestamp: h['wechatpay-timestamp'],
      nonce: h['wechatpay-nonce'],
      body: answer.text,
      serial: h['wechatpay-serial'],
      signature: h['wechatpay-signature'],
    });
  }
}

export function nodeV3Client(baseUrl: string, merchant: MerchantCredentials): ApiClient {
  const pay = new MarketingPay(merchant, baseUrl);
  const settle = async (answer: HttpAnswer): Promise<Reply> => {
    if (answer.status >= 400) return { status: answer.status, data: answer.text ? JSON.parse(answer.text) : undefined };
    if (!(await pay.verifyAnswer(answer))) throw new Error(`wechatpay-node-v3 verifySign refused the ${answer.status} reply`);
    return { status: answer.status, data: answer.data, verifiedWith: answer.headers['wechatpay-serial'] };
  };
  return {
    label: 'wechatpay-node-v3 (certificate)',
    mchid: merchant.mchid,
    get: async (path, query) => settle(await pay.get(path, query)),
    post: async (path, body, headers) => settle(await pay.post(path, body as Record<string, any> | undefined, headers)),
    upload: async (path, filename, content) => settle(await pay.uploadImage(path, filename, content)),
    async download(url) {
      const answer = (await pay.downloadBill(url)) as unknown as HttpAnswer;
      return { status: answer.status, data: Buffer.isBuffer(answer.data) ? answer.data : Buffer.from(answer.text) };
    },
    verifyNotification: ({ headers, body }: ReceivedNotification) =>
      pay.verifySign({
        timestamp: headers['wechatpay-timestamp'],
        nonce: headers['wechatpay-nonce'],
        body,
        serial: headers['wechatpay-serial'],
        signature: headers['wechatpay-signature'],
      }),
    decryptResource: async (r: EncryptedResource) => pay.decipher_gcm(r.ciphertext, r.associated_data, r.nonce),
  };
}
