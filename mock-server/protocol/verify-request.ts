/**
 * Verification of a merchant's request signature (protocol.md §1), in the real server's order:
 * Authorization format → scheme → timestamp window → merchant → certificate serial → signature.
 * Always over the raw request target and the raw body bytes, never a re-serialisation.
 */
import { ApiError, SIGN_MESSAGES } from '../errors.js';
import type { Finding } from '../journal.js';
import type { MerchantKeys, World } from '../world.js';
import { normalizeSerial, parseAuthorization, SCHEME, type AuthorizationFields } from './authorization.js';
import { verifySignature } from './rsa.js';

export const TIMESTAMP_WINDOW_SECONDS = 300;
const PARTNERSHIPS_PATH = '/v3/marketing/partnerships';
export const UNKNOWN_MERCHANT_PARTNERSHIPS = '商户号不存在';

export interface SignedRequest {
  method: string;
  /** Path and query exactly as on the wire. */
  target: string;
  authorization: string | undefined;
  /** The body line of the message: the raw body, or the `meta` part of a multipart upload. */
  signedBody: Buffer;
  /** The Host header: lets the diagnosis recognise a signature over the absolute URL. */
  host?: string;
}

export interface VerifiedCaller {
  merchant: MerchantKeys;
  auth: AuthorizationFields;
  /** Deviations from the specification the mock accepts (journaled as `interop` findings). */
  notes: Finding[];
}

/**
 * A 401 SIGN_ERROR with a `hint` for the journal: what the client most likely did wrong. The reply
 * itself stays exactly the real server's (the hint is never sent).
 */
export class SignatureError extends ApiError {
  constructor(
    message: string,
    detail: unknown,
    readonly hint: string,
  ) {
    super('SIGN_ERROR', message, detail);
  }
}

/** The journal finding of a failed signature check. */
export function signatureFinding(err: ApiError): Finding {
  return { kind: 'signature', issue: err.message, detail: err.detail, ...(err instanceof SignatureError ? { hint: err.hint } : {}) };
}

const signError = (message: string, hint: string, detail?: unknown) => new SignatureError(message, detail, hint);

export function signatureMessage(req: SignedRequest, auth: Pick<AuthorizationFields, 'timestamp' | 'nonce_str'>): Buffer {
  const head = `${req.method}\n${req.target}\n${auth.timestamp}\n${auth.nonce_str}\n`;
  // No body (every GET): one buffer, not three and their concatenation.
  if (req.signedBody.length === 0) return Buffer.from(head + '\n', 'utf8');
  return Buffer.concat([Buffer.from(head, 'utf8'), req.signedBody, Buffer.from('\n', 'utf8')]);
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

const REAL_ORIGIN = 'https://api.mch.weixin.qq.com';

/**
 * The signing mistakes clients are known to make (protocol.md §1.5, §6.1, §7.2), each as the message
 * that client would have signed. On a mismatch each is tried against the signature: one that
 * verifies names the mistake for certain. Costs a few RSA verifications, on failures only.
 */
function knownMistakes(req: SignedRequest, auth: AuthorizationFields): Array<{ message: Buffer; hint: string }> {
  const five = (method: string, target: string, signedBody: Buffer = req.signedBody) =>
    signatureMessage({ ...req, method, target, signedBody }, auth);
  const out: Array<{ message: Buffer; hint: string }> = [];
  if (req.signedBody.length === 0) {
    out.push({
      // The four header lines alone: the five-line message without its empty body line.
      message: five(req.method, req.target).subarray(0, -1),
      hint:
        'the signed message has 4 lines; APIv3 requires 5: a request without a body still signs an empty body line ' +
        `("${req.method}\\n${req.target}\\n${auth.timestamp}\\n${auth.nonce_str}\\n\\n"). ` +
        "wechatpay-node-v3's getSignature/buildAuthorization drops it for a POST without a body: sign the five lines yourself (sha256WithRsa + getAuthorization)",
    });
  }
  const origins = new Set([...(req.host ? [`http://${req.host}`, `https://${req.host}`] : []), REAL_ORIGIN]);
  for (const origin of origins) {
    out.push({
      message: five(req.method, origin + req.target),
      hint:
        `the signed URL line is the absolute URL "${origin}${req.target}"; APIv3 signs only the path and query as sent ("${req.target}")` +
        (origin === REAL_ORIGIN
          ? ': strip the scheme and host before signing'
          : ". wechatpay-node-v3's downloadBill() strips only https://api.mch.weixin.qq.com: start the mock with --real-bill-urls (realBillUrls) so download URLs carry that origin, and let createHttp rewrite the host"),
    });
  }
  const q = req.target.indexOf('?');
  if (q !== -1)
    out.push({
      message: five(req.method, req.target.slice(0, q)),
      hint: `the signed URL line lacks the query string: sign "${req.target}", path and query exactly as sent`,
    });
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(req.target);
  } catch {
    decoded = undefined;
  }
  if (decoded && decoded !== req.target)
    out.push({
      message: five(req.method, decoded),
      hint: `the signed URL line is percent-decoded ("${decoded}"); sign the target exactly as sent, encoding included ("${req.target}")`,
    });
  out.push({
    message: five(req.method, req.target).subarray(0, -1),
    hint: 'the signed message lacks the final line feed: every line, the body line included, ends with \\n',
  });
  if (req.method !== req.method.toLowerCase())
    out.push({ message: five(req.method.toLowerCase(), req.target), hint: `the method is signed in lower case; sign "${req.method}"` });
  const text = req.signedBody.toString('utf8');
  try {
    const compact = JSON.stringify(JSON.parse(text));
    if (compact !== text) {
      out.push({
        message: five(req.method, req.target, Buffer.from(compact)),
        hint: 'the body was signed as compact JSON.stringify output but sent in another form (spacing, escaping, key order): sign the exact bytes you send',
      });
    }
  } catch {
    // not JSON: nothing to re-serialise
  }
  return out;
}

function diagnoseMismatch(world: World, req: SignedRequest, auth: AuthorizationFields, merchant: MerchantKeys, message: Buffer): string {
  for (const mistake of knownMistakes(req, auth))
    if (verifySignature(mistake.message, auth.signature, merchant.verifyKey)) return mistake.hint;
  for (const other of world.merchants.values()) {
    if (other !== merchant && verifySignature(message, auth.signature, other.verifyKey)) {
      return `the message is right but it was signed with the private key of merchant ${other.merchant.mchid}: sign with the key of certificate ${merchant.merchant.serial_no} (mchid ${auth.mchid})`;
    }
  }
  return (
    'no known client mistake reproduces this signature. Compare sign_information (the message the mock verified: method, path and query as sent, ' +
    'timestamp and nonce of the Authorization header, the body cut to 8 characters; sign_message_length in bytes) with what your client signed, byte for byte: ' +
    'the exact body bytes sent (for an image upload: the meta JSON), every line ending in \\n. ' +
    `If they are identical, the private key is not the one of certificate ${merchant.merchant.serial_no}`
  );
}

export function verifyRequest(world: World, req: SignedRequest, nowSeconds: number): VerifiedCaller {
  const parsed = parseAuthorization(req.authorization);
  if (!parsed.ok) {
    const hint = `${parsed.problem}. Expected: ${SCHEME} mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`;
    throw signError(parsed.reason === 'scheme' ? SIGN_MESSAGES.scheme : SIGN_MESSAGES.format, hint);
  }
  const auth = parsed.fields;

  const skew = Number(auth.timestamp) - nowSeconds;
  if (Math.abs(skew) > TIMESTAMP_WINDOW_SECONDS) {
    throw signError(
      SIGN_MESSAGES.timestamp,
      `timestamp ${auth.timestamp} is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} real time (allowed: ±${TIMESTAMP_WINDOW_SECONDS} s): sign with the current Unix time in seconds (the mock's virtual clock plays no part in signatures)`,
    );
  }

  const merchant = world.merchants.get(auth.mchid);
  // 委托营销's own FAQ (seed 002 §4): "返回“商户号不存在” — 请确认请求头中的商户号是否正确或者是否有空格",
  // i.e. an unknown mchid in the Authorization header; code from the family's table (§1.4: 400
  // MCH_NOT_EXISTS). Elsewhere the real server answered a fake mchid 401 签名错误 (protocol.md §1.6).
  if (!merchant && req.target.startsWith(PARTNERSHIPS_PATH))
    throw new ApiError('MCH_NOT_EXISTS', UNKNOWN_MERCHANT_PARTNERSHIPS, {
      field: 'mchid',
      value: auth.mchid,
      issue: 'merchant not found',
      location: 'authorization',
    });
  if (!merchant)
    throw signError(
      SIGN_MESSAGES.unknownMerchant,
      `mchid ${auth.mchid} is not a merchant of this mock (its merchants: ${[...world.merchants.keys()].join(', ')})`,
      { field: 'mchid', location: 'authorization', issue: 'merchant not found' },
    );

  const expected = merchant.merchant.serial_no;
  if (auth.serial_no !== expected && normalizeSerial(auth.serial_no) !== normalizeSerial(expected)) {
    throw signError(
      SIGN_MESSAGES.serial,
      `serial_no ${auth.serial_no} is not the serial of merchant ${auth.mchid}'s API certificate (${expected}); take it from the certificate that goes with the signing key (openssl x509 -noout -serial -in apiclient_cert.pem), not the platform certificate or public key id`,
    );
  }

  const message = signatureMessage(req, auth);
  const ok = verifySignature(message, auth.signature, merchant.verifyKey);
  if (!ok)
    throw signError(SIGN_MESSAGES.mismatch, diagnoseMismatch(world, req, auth, merchant, message), signInformation(req, auth, message));

  const notes: Finding[] = [];
  if (auth.serial_no !== expected) {
    // Accepted (protocol.md §0.10, §1.7): wechatpay-node-v3 derives a lower-case serial, with a
    // leading 00 when the DER integer needs one. Whether the real server is as tolerant is not
    // established (protocol.md §9), so the journal says so.
    notes.push({
      kind: 'interop',
      location: 'authorization',
      field: 'serial_no',
      value: auth.serial_no,
      issue: 'serial_no differs from the certificate serial in letter case or leading zeros',
      hint: `send the serial as the merchant platform and openssl print it: ${expected} (40 upper-case hex digits). The mock accepts "${auth.serial_no}"; whether the real server does is not established. wechatpay-node-v3 derives it in lower case when serial_no is not passed to its constructor: pass serial_no`,
    });
  }
  return { merchant, auth, notes };
}
