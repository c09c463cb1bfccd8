/**
 * Notifications a merchant's handler must refuse, each broken one way, the rest real: built from a
 * valid COUPON.USE (same id, same plaintext) so only the named defect differs. Shared by callback
 * chaos (chaos.ts) and the handler conformance run (handler-check.ts).
 */
import { randomBytes } from 'node:crypto';
import { unknownSerial, STALE_BY_S } from '../faults/replies.js';
import { responseMessage, signAsync } from '../protocol/rsa.js';
import type { SigningKey } from '../protocol/sign-response.js';
import { callbackHeaders, type CouponUseEnvelope } from './notification.js';

export const BAD_NOTIFICATIONS = [
  'wrong-signature',
  'unknown-serial',
  'stale-timestamp',
  'tampered-ciphertext',
  'wrong-associated-data',
] as const;
export type BadNotification = (typeof BAD_NOTIFICATIONS)[number];

export const BAD_NOTIFICATION_TEXT: Record<BadNotification, string> = {
  'wrong-signature': 'a real RSA signature, over other bytes',
  'unknown-serial': 'signed, under a Wechatpay-Serial no key has',
  'stale-timestamp': `signed, with a Wechatpay-Timestamp ${STALE_BY_S / 60} minutes old`,
  'tampered-ciphertext': 'signed, but the ciphertext was changed (AES-GCM authentication fails)',
  'wrong-associated-data': 'signed, but associated_data is not what the ciphertext was sealed with',
};

/** One changed byte in the middle of the base64 ciphertext's bytes. */
function tamperCiphertext(ciphertext: string): string {
  const bytes = Buffer.from(ciphertext, 'base64');
  bytes[bytes.length >> 1] ^= 0x01;
  return bytes.toString('base64');
}

/** The headers and body of `kind`, from the valid notification `body` (compact JSON of the envelope). */
export async function badNotification(
  kind: BadNotification,
  url: URL,
  body: string,
  key: SigningKey,
): Promise<{ headers: Record<string, string>; body: string }> {
  switch (kind) {
    case 'wrong-signature': {
      const signedOther = await callbackHeaders(url, `${body} `, key);
      return { headers: { ...(await callbackHeaders(url, body, key)), 'Wechatpay-Signature': signedOther['Wechatpay-Signature'] }, body };
    }
    case 'unknown-serial': {
      const headers = await callbackHeaders(url, body, key);
      return { headers: { ...headers, 'Wechatpay-Serial': unknownSerial(key.serial) }, body };
    }
    case 'stale-timestamp': {
      const headers = await callbackHeaders(url, body, key);
      const ts = String(Math.floor(Date.now() / 1000) - STALE_BY_S);
      const nonce = randomBytes(16).toString('hex').toUpperCase();
      const signature = await signAsync(responseMessage(ts, nonce, body), key.key);
      return { headers: { ...headers, 'Wechatpay-Timestamp': ts, 'Wechatpay-Nonce': nonce, 'Wechatpay-Signature': signature }, body };
    }
    case 'tampered-ciphertext':
    case 'wrong-associated-data': {
      const envelope = JSON.parse(body) as CouponUseEnvelope;
      const resource =
        kind === 'tampered-ciphertext'
          ? { ...envelope.resource, ciphertext: tamperCiphertext(envelope.resource.ciphertext) }
          : { ...envelope.resource, associated_data: envelope.resource.associated_data === 'coupon' ? 'transaction' : 'coupon' };
      const changed = JSON.stringify({ ...envelope, resource });
      return { headers: await callbackHeaders(url, changed, key), body: changed };
    }
  }
}
