/**
 * Verification of a merchant's request signature (protocol.md §1), in the real server's order:
 * Authorization format → scheme → timestamp window → merchant → certificate serial → signature.
 * Always over the raw request target and the raw body bytes, never a re-serialisation.
 */
import { ApiError, SIGN_MESSAGES } from '../errors.js';
import type { MerchantKeys, World } from '../world.js';
import { normalizeSerial, parseAuthorization, type AuthorizationFields } from './authorization.js';
import { verifyAsync } from './rsa.js';

export const TIMESTAMP_WINDOW_SECONDS = 300;

export interface SignedRequest {
  method: string;
  /** Path and query exactly as on the wire. */
  target: string;
  authorization: string | undefined;
  /** The body line of the message: the raw body, or the `meta` part of a multipart upload. */
  signedBody: Buffer;
}

export interface VerifiedCaller {
  merchant: MerchantKeys;
  auth: AuthorizationFields;
}

const signError = (message: string, detail?: unknown) => new ApiError('SIGN_ERROR', message, detail);

export function signatureMessage(req: SignedRequest, auth: Pick<AuthorizationFields, 'timestamp' | 'nonce_str'>): Buffer {
  return Buffer.concat([
    Buffer.from(`${req.method}\n${req.target}\n${auth.timestamp}\n${auth.nonce_str}\n`, 'utf8'),
    req.signedBody,
    Buffer.from('\n', 'utf8'),
  ]);
}

/** The diagnostic the real server attaches to a mismatch: the body cut to its first 8 characters (protocol.md §1.6). */
function signInformation(req: SignedRequest, auth: AuthorizationFields, message: Buffer) {
  const bodyHead = req.signedBody.toString('utf8').slice(0, 8);
  return {
    detail: { issue: 'sign not match' },
    field: 'signature',
    location: 'authorization',
    sign_information: {
      method: req.method,
      sign_message_length: message.length,
      truncated_sign_message: `${req.method}\n${req.target}\n${auth.timestamp}\n${auth.nonce_str}\n${bodyHead}\n`,
      url: req.target,
    },
  };
}

export async function verifyRequest(world: World, req: SignedRequest, nowSeconds: number): Promise<VerifiedCaller> {
  const parsed = parseAuthorization(req.authorization);
  if (!parsed.ok) throw signError(parsed.reason === 'scheme' ? SIGN_MESSAGES.scheme : SIGN_MESSAGES.format);
  const auth = parsed.fields;

  if (Math.abs(nowSeconds - Number(auth.timestamp)) > TIMESTAMP_WINDOW_SECONDS) throw signError(SIGN_MESSAGES.timestamp);

  const merchant = world.merchants.get(auth.mchid);
  if (!merchant) throw signError(SIGN_MESSAGES.unknownMerchant, { field: 'mchid', location: 'authorization', issue: 'merchant not found' });

  if (normalizeSerial(auth.serial_no) !== normalizeSerial(merchant.merchant.serial_no)) throw signError(SIGN_MESSAGES.serial);

  const message = signatureMessage(req, auth);
  const ok = await verifyAsync(message, auth.signature, merchant.verifyKey);
  if (!ok) throw signError(SIGN_MESSAGES.mismatch, signInformation(req, auth, message));
  return { merchant, auth };
}
