/**
 * A minimal APIv3 request signer, the way the SDKs do it (protocol.md §1): for test suites that call
 * the mock without an SDK, and for our own tests. Five lines `method\nurl\ntimestamp\nnonce\nbody\n`,
 * SHA256withRSA with the merchant API key.
 */
import { createPrivateKey, createSign, randomBytes, type KeyObject } from 'node:crypto';

export interface SignerOptions {
  mchid: string;
  /** Merchant API certificate serial. */
  serialNo: string;
  /** PEM text or KeyObject of apiclient_key.pem. */
  privateKey: string | KeyObject;
  userAgent?: string;
}

export interface SignOverrides {
  timestamp?: number | string;
  nonce?: string;
}

export interface Signer {
  readonly mchid: string;
  /** The string that is signed. */
  message(method: string, target: string, body?: string | Buffer, overrides?: SignOverrides & { timestamp: string; nonce: string }): Buffer;
  /** `WECHATPAY2-SHA256-RSA2048 mchid="…",…`. */
  authorization(method: string, target: string, body?: string | Buffer, overrides?: SignOverrides): string;
  /** Authorization plus the Accept / User-Agent / Content-Type headers a real SDK sends. */
  headers(method: string, target: string, body?: string | Buffer, overrides?: SignOverrides): Record<string, string>;
}

export function createSigner(options: SignerOptions): Signer {
  const key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  const message = (method: string, target: string, body: string | Buffer = '', o: { timestamp: string; nonce: string }) =>
    Buffer.concat([
      Buffer.from(`${method.toUpperCase()}\n${target}\n${o.timestamp}\n${o.nonce}\n`),
      Buffer.isBuffer(body) ? body : Buffer.from(body),
      Buffer.from('\n'),
    ]);
  const authorization = (method: string, target: string, body?: string | Buffer, overrides: SignOverrides = {}) => {
    const timestamp = String(overrides.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = overrides.nonce ?? randomBytes(16).toString('hex').toUpperCase();
    const signature = createSign('RSA-SHA256')
      .update(message(method, target, body, { timestamp, nonce }))
      .sign(key, 'base64');
    return `WECHATPAY2-SHA256-RSA2048 mchid="${options.mchid}",nonce_str="${nonce}",timestamp="${timestamp}",serial_no="${options.serialNo}",signature="${signature}"`;
  };
  return {
    mchid: options.mchid,
    message: (method, target, body, o) => message(method, target, body, { timestamp: String(o?.timestamp), nonce: o?.nonce ?? '' }),
    authorization,
    headers: (method, target, body, overrides) => ({
      Authorization: authorization(method, target, body, overrides),
      Accept: 'application/json',
      'User-Agent': options.userAgent ?? 'wxpay-mock-signer/1.0',
      ...(body !== undefined && body !== '' ? { 'Content-Type': 'application/json' } : {}),
    }),
  };
}
