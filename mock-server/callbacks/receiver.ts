/**
 * A notify-URL receiver for test suites: a tiny HTTP server on loopback (or just its request
 * handler) that records every callback, verifies it as a merchant must (protocol.md §4.7: the four
 * Wechatpay headers, timestamp within ±300 s, serial → platform certificate or WeChat Pay public key,
 * SHA256withRSA over `ts\nnonce\nbody\n`) and decrypts the resource with the APIv3 key.
 *
 *   const receiver = await createCallbackReceiver({ credentials: mock.credentials, mchid: '1900000001' });
 *   // set receiver.url as the notify URL, use a coupon, then:
 *   const [cb] = await receiver.waitFor(1);
 *   expect(cb.verified).toBe(true);
 *   expect(cb.plaintext.coupon_id).toBe(couponId);
 *
 * By default it answers 204 to a verified callback and 401 `{"code":"FAIL",…}` to anything else (a
 * probe included), as a correct handler does; `respond()` makes it answer 500s or hang, to exercise
 * the mock's retries.
 */
import { createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Credentials } from '../credentials.js';
import { decryptResource } from '../protocol/aead.js';
import { normalizeSerial } from '../protocol/authorization.js';
import { idText } from '../id-text.js';

export interface CallbackKeys {
  /** The merchant's APIv3 key (32 characters). */
  apiv3Key: string;
  /** PEM of the platform certificate (certificate mode). */
  platformCertificate?: string;
  /** PEM of the WeChat Pay public key, with its id `PUB_KEY_ID_…` (public-key mode). */
  publicKey?: string;
  publicKeyId?: string;
  /** Accepted distance between `Wechatpay-Timestamp` and now, in seconds (default 300). */
  timestampWindowS?: number;
}

export interface ReceivedCallback {
  /** 0-based arrival order. */
  index: number;
  /** Real time of arrival (epoch ms). */
  receivedAt: number;
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body exactly as received. */
  rawBody: string;
  /** The parsed envelope, if the body is JSON. */
  envelope?: any;
  /** The notification id (`envelope.id`). */
  id?: string;
  /** Signature, serial, timestamp and headers all check out. */
  verified: boolean;
  /** Why not, when not verified. */
  problem?: string;
  /** Which key verified it. */
  mode?: 'certificate' | 'public_key';
  /** The decrypted resource, parsed (decryption does not depend on the signature). */
  plaintext?: any;
  decryptError?: string;
  /** The HTTP status this receiver answered. */
  answeredStatus?: number;
}

export interface ReceiverAnswer {
  /** Default: 204 when verified, 401 otherwise. */
  status?: number;
  /** Hold the answer this long (ms): longer than 5 s and the mock counts a timeout. */
  delayMs?: number;
  body?: string | object;
}

export type Responder = ReceiverAnswer | ((callback: ReceivedCallback) => ReceiverAnswer);

export interface ReceiverOptions extends Partial<CallbackKeys> {
  /** Take the keys of this merchant from the mock's credentials instead of passing them one by one. */
  credentials?: Credentials;
  mchid?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Path of the notify URL (default `/wxpay/coupon-use`). */
  path?: string;
  respond?: Responder;
}

export interface CallbackReceiver {
  /** The notify URL to register with `POST /v3/marketing/favor/callbacks`. */
  url: string;
  /** Every request that arrived, in order. */
  received: ReceivedCallback[];
  /** Resolves with the first `n` callbacks once that many arrived; rejects after `timeoutMs` (default 10 s). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedCallback[]>;
  /**
   * How to answer from now on: one answer or a function for every request, or a list consumed one
   * per request before going back to the default.
   */
  respond(answer: Responder | ReceiverAnswer[] | null): void;
  /** Forget what was received: `waitFor(n)` counts from here. */
  clear(): void;
  /** Back to as created: nothing received, queued answers dropped, the `respond` option's answer again (mock.reset() calls it for receivers from mock.createCallbackReceiver). */
  reset(): void;
  /** The request handler, to mount in a server of your own. */
  handler: RequestListener;
  close(): Promise<void>;
}

const parsedKeys = new Map<string, { key: KeyObject; serial?: string }>();
/** PEM → key (and certificate serial), parsed once. */
function keyOf(pem: string, kind: 'certificate' | 'public_key') {
  let entry = parsedKeys.get(pem);
  if (!entry) {
    if (kind === 'certificate') {
      const x509 = new X509Certificate(pem);
      entry = { key: x509.publicKey, serial: normalizeSerial(x509.serialNumber) };
    } else entry = { key: createPublicKey(pem) };
    if (parsedKeys.size > 64) parsedKeys.clear();
    parsedKeys.set(pem, entry);
  }
  return entry;
}

/** The verification and decryption a merchant's notify handler performs, as a pure function. */
export function verifyCallback(
  input: { headers: Record<string, string | string[] | undefined>; body: string },
  keys: CallbackKeys,
): Pick<ReceivedCallback, 'envelope' | 'id' | 'verified' | 'problem' | 'mode' | 'plaintext' | 'decryptError'> {
  const h = (name: string) => {
    const v = input.headers[name] ?? input.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const out: ReturnType<typeof verifyCallback> = { verified: false };
  try {
    out.envelope = JSON.parse(input.body);
    out.id = out.envelope?.id;
  } catch {
    out.problem = 'body is not JSON';
  }
  const resource = out.envelope?.resource;
  if (resource) {
    try {
      out.plaintext = JSON.parse(decryptResource(resource, keys.apiv3Key));
    } catch (err) {
      out.decryptError = (err as Error).message;
    }
  }
  if (out.problem) return out;

  const [timestamp, nonce, signature, serial] = ['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial'].map(
    h,
  );
  const type = h('Wechatpay-Signature-Type');
  const window = keys.timestampWindowS ?? 300;
  let key: KeyObject | undefined;
  if (!timestamp || !nonce || !signature || !serial) out.problem = 'missing Wechatpay-Timestamp, -Nonce, -Signature or -Serial';
  else if (type !== undefined && type !== 'WECHATPAY2-SHA256-RSA2048') out.problem = `unsupported Wechatpay-Signature-Type ${type}`;
  else if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > window)
    out.problem = `Wechatpay-Timestamp ${timestamp} is more than ${window} s away from now`;
  else if (keys.publicKeyId && keys.publicKey && serial === keys.publicKeyId) {
    key = keyOf(keys.publicKey, 'public_key').key;
    out.mode = 'public_key';
  } else if (keys.platformCertificate && normalizeSerial(serial) === keyOf(keys.platformCertificate, 'certificate').serial) {
    key = keyOf(keys.platformCertificate, 'certificate').key;
    out.mode = 'certificate';
  } else out.problem = `unknown Wechatpay-Serial ${serial}`;
  if (key) {
    const ok = verify('sha256', Buffer.from(`${timestamp}\n${nonce}\n${input.body}\n`, 'utf8'), key, Buffer.from(signature!, 'base64'));
    if (ok) out.verified = true;
    else
      out.problem = signature!.startsWith('WECHATPAY/SIGNTEST/')
        ? 'signature probe (WECHATPAY/SIGNTEST/): does not verify, by design'
        : 'signature does not verify';
  }
  if (out.verified && out.decryptError) {
    out.verified = false;
    out.problem = `resource does not decrypt: ${out.decryptError}`;
  }
  return out;
}

function keysFrom(options: ReceiverOptions): CallbackKeys {
  let keys: Partial<CallbackKeys> = { ...options };
  if (options.credentials) {
    const m =
      options.credentials.merchants.find((x) => x.mchid === options.mchid) ??
      (options.mchid ? undefined : options.credentials.merchants[0]);
    if (!m) throw new Error(`createCallbackReceiver: no merchant ${idText(options.mchid)} in the credentials`);
    keys = {
      apiv3Key: m.apiv3_key,
      platformCertificate: options.credentials.platform_certificate,
      publicKey: options.credentials.public_key,
      publicKeyId: options.credentials.public_key_id,
      ...Object.fromEntries(
        Object.entries(options).filter(
          ([k, v]) => v !== undefined && ['apiv3Key', 'platformCertificate', 'publicKey', 'publicKeyId', 'timestampWindowS'].includes(k),
        ),
      ),
    };
  }
  if (!keys.apiv3Key) throw new Error('createCallbackReceiver: apiv3Key (or credentials + mchid) is required');
  return keys as CallbackKeys;
}

export async function createCallbackReceiver(options: ReceiverOptions = {}): Promise<CallbackReceiver> {
  const keys = keysFrom(options);
  const path = options.path ?? '/wxpay/coupon-use';
  const received: ReceivedCallback[] = [];
  let arrivals: { n: number; resolve: () => void }[] = [];
  let responder: Responder | null = options.respond ?? null;
  let queue: ReceiverAnswer[] = [];
  const delays = new Set<NodeJS.Timeout>();

  const answerFor = (cb: ReceivedCallback): ReceiverAnswer => {
    const fallback: ReceiverAnswer = cb.verified ? { status: 204 } : { status: 401, body: { code: 'FAIL', message: cb.problem ?? '失败' } };
    const chosen = queue.length ? queue.shift()! : typeof responder === 'function' ? responder(cb) : responder;
    return { ...fallback, ...(chosen ?? {}) };
  };

  const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const cb: ReceivedCallback = {
        index: received.length,
        receivedAt: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        rawBody,
        ...verifyCallback({ headers, body: rawBody }, keys),
      };
      received.push(cb);
      const answer = answerFor(cb);
      cb.answeredStatus = answer.status;
      arrivals = arrivals.filter((a) => (received.length >= a.n ? (a.resolve(), false) : true));
      const send = () => {
        if (res.destroyed) return;
        const body =
          answer.body === undefined || answer.status === 204
            ? undefined
            : typeof answer.body === 'string'
              ? answer.body
              : JSON.stringify(answer.body);
        res.writeHead(answer.status!, body === undefined ? {} : { 'Content-Type': 'application/json' });
        res.end(body);
      };
      if (answer.delayMs) {
        const t = setTimeout(() => {
          delays.delete(t);
          send();
        }, answer.delayMs);
        delays.add(t);
      } else send();
    });
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}${path}`,
    received,
    waitFor(n, timeoutMs = 10_000) {
      if (received.length >= n) return Promise.resolve(received.slice(0, n));
      return new Promise((resolve, reject) => {
        const entry = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(received.slice(0, n));
          },
        };
        const timer = setTimeout(() => {
          arrivals = arrivals.filter((a) => a !== entry);
          reject(new Error(`receiver: ${received.length} of ${n} callbacks arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        arrivals.push(entry);
      });
    },
    respond(answer) {
      if (Array.isArray(answer)) queue = [...answer];
      else {
        queue = [];
        responder = answer;
      }
    },
    clear() {
      received.length = 0;
    },
    reset() {
      received.length = 0;
      queue = [];
      responder = options.respond ?? null;
    },
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of delays) clearTimeout(t);
        delays.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
