/**
 * Signing of 2xx replies and callbacks (protocol.md §2): `Wechatpay-*` headers in their canonical
 * spelling (the Java SDK reads them case-sensitively), over `<ts>\n<nonce>\n<body>\n`, with the
 * real clock (clients allow ±300 s), by the platform certificate or the WeChat Pay public key.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { MerchantKeys, PlatformKeys, VerificationMode } from '../world.js';
import { normalizeSerial, SCHEME } from './authorization.js';
import { randomHex, randomText, responseMessage, signAsync, type SignedFor } from './rsa.js';

export interface SigningKey {
  mode: VerificationMode;
  /** Goes into `Wechatpay-Serial`: the platform certificate serial or `PUB_KEY_ID_…`. */
  serial: string;
  key: KeyObject;
}

export function signingKeyOf(platform: PlatformKeys, mode: VerificationMode): SigningKey {
  return mode === 'public_key'
    ? { mode, serial: platform.publicKey.id, key: platform.publicKey.signKey }
    : { mode, serial: platform.certificate.serial_no, key: platform.certificate.signKey };
}

/**
 * Which key signs a reply: the one the request's `Wechatpay-Serial` names, if it names one of ours
 * (public-key switch-over, protocol.md §2.4), else `fallback`, else the merchant's own mode. A public-key-only
 * merchant has nothing else to be signed with.
 */
export function chooseSigningKey(
  platform: PlatformKeys,
  requestSerial: string | undefined,
  merchant: MerchantKeys | undefined,
  fallback?: VerificationMode,
): SigningKey {
  // A merchant without a platform certificate (opened after the switch) only ever gets the public key.
  if (merchant?.merchant.public_key_only) return signingKeyOf(platform, 'public_key');
  if (requestSerial) {
    if (requestSerial.trim() === platform.publicKey.id) return signingKeyOf(platform, 'public_key');
    if (normalizeSerial(requestSerial) === normalizeSerial(platform.certificate.serial_no)) return signingKeyOf(platform, 'certificate');
  }
  return signingKeyOf(platform, fallback ?? merchant?.merchant.verification_mode ?? 'certificate');
}

/** `08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-0`-like request ids. */
export function newRequestId(): string {
  return randomHex(22) + '-0';
}

export function signatureHeaders(
  body: string,
  signer: SigningKey,
  options: { probe?: boolean; signedFor?: SignedFor } = {},
): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = options.probe ? randomText(12) : randomHex(16);
  const headers = (signature: string): Record<string, string> => ({
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signature,
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Serial': signer.serial,
    'Wechatpay-Signature-Type': SCHEME,
  });
  // A deliberately wrong signature, as WeChat Pay sends now and then (protocol.md §2.6).
  if (options.probe) return Promise.resolve(headers('WECHATPAY/SIGNTEST/' + randomBytes(192).toString('base64')));
  // Not an async function: its own promise would be one more turn of the microtask queue per reply.
  return signAsync(responseMessage(timestamp, nonce, body), signer.key, options.signedFor).then(headers);
}
