/**
 * A COUPON.USE notification as WeChat Pay sends it (protocol.md §4, api-reference.md §2.14): the used
 * coupon, encrypted AEAD_AES_256_GCM with the creator's APIv3 key, inside the envelope, serialized
 * compact like JSON.stringify (wechatpay-node-v3 re-stringifies the parsed body before verifying).
 *
 * The body is built once and every attempt sends the same bytes (same id, same ciphertext); the
 * signature headers are made per attempt, because receivers check the timestamp against their own
 * clock (±300 s) and a retry comes minutes later.
 */
import { randomUUID } from 'node:crypto';
import { encryptResource } from '../protocol/aead.js';
import { newRequestId, signatureHeaders, type SigningKey } from '../protocol/sign-response.js';
import { rfc3339 } from '../time.js';

/**
 * Values where the sources differ; each choice is backed by the two real COUPON.USE bodies found
 * (a public Go client's tests, 2021, with real signatures): `associated_data` "coupon" (the docs'
 * example shows ""), summary "代金券核销通知" (the docs' example says "用券成功"), and the key order
 * id, create_time, resource_type, event_type, summary — the same order as every real callback in
 * protocol.md §4.2 and as the official sample. Inside `resource` the real callbacks have
 * ciphertext, associated_data, nonce; the docs' sample has nonce before associated_data: we follow
 * the real ones.
 */
export const COUPON_USE = {
  event_type: 'COUPON.USE',
  resource_type: 'encrypt-resource',
  summary: '代金券核销通知',
  original_type: 'coupon',
  associated_data: 'coupon',
} as const;

/** Real callbacks carry `User-Agent: Mozilla/4.0` (wechatpay-go#230). */
export const CALLBACK_USER_AGENT = 'Mozilla/4.0';

export interface CouponUseEnvelope {
  id: string;
  create_time: string;
  resource_type: 'encrypt-resource';
  event_type: 'COUPON.USE';
  summary: string;
  resource: { original_type: 'coupon'; algorithm: 'AEAD_AES_256_GCM'; ciphertext: string; associated_data: string; nonce: string };
}

export interface BuiltNotification {
  id: string;
  envelope: CouponUseEnvelope;
  /** `JSON.stringify(envelope)`: the exact bytes sent. */
  body: string;
}

/** Real ids are UUID-shaped, 36 characters (`92815fd7-a930-5214-bf2b-a12190a07711`). */
export function newNotificationId(): string {
  return randomUUID();
}

export function buildCouponUseNotification(input: {
  plaintext: unknown;
  apiv3Key: string;
  createTimeMs: number;
  id?: string;
}): BuiltNotification {
  const id = input.id ?? newNotificationId();
  const sealed = encryptResource(JSON.stringify(input.plaintext), input.apiv3Key, COUPON_USE.associated_data);
  const envelope: CouponUseEnvelope = {
    id,
    create_time: rfc3339(input.createTimeMs),
    resource_type: COUPON_USE.resource_type,
    event_type: COUPON_USE.event_type,
    summary: COUPON_USE.summary,
    resource: {
      original_type: COUPON_USE.original_type,
      algorithm: sealed.algorithm,
      ciphertext: sealed.ciphertext,
      associated_data: sealed.associated_data,
      nonce: sealed.nonce,
    },
  };
  return { id, envelope, body: JSON.stringify(envelope) };
}

/**
 * The request headers of one attempt, in the order they are written. `probe` makes the signature a
 * `WECHATPAY/SIGNTEST/…` value with a 12-character nonce, as the real service does now and then.
 */
export async function callbackHeaders(
  url: URL,
  body: string,
  signer: SigningKey,
  options: { probe?: boolean } = {},
): Promise<Record<string, string>> {
  const signed = await signatureHeaders(body, signer, { probe: options.probe });
  return {
    Host: url.host,
    Accept: '*/*',
    'Cache-Control': 'no-cache',
    Pragma: 'no-cache',
    Connection: 'keep-alive',
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'User-Agent': CALLBACK_USER_AGENT,
    'Request-ID': newRequestId(),
    'Wechatpay-Nonce': signed['Wechatpay-Nonce'],
    'Wechatpay-Serial': signed['Wechatpay-Serial'],
    'Wechatpay-Signature': signed['Wechatpay-Signature'],
    'Wechatpay-Signature-Type': signed['Wechatpay-Signature-Type'],
    'Wechatpay-Timestamp': signed['Wechatpay-Timestamp'],
  };
}
