/**
 * SHA256withRSA (RSASSA-PKCS1-v1_5) as WeChat Pay uses it. Signing (≈250 µs for RSA-2048 here) runs on
 * libuv's thread pool (the callback form of `crypto.sign`), so one process uses every core; only a lone
 * reader's reply while writes are being signed is signed on the event loop (`signAsync`). Verifying runs
 * on the event loop: it takes ≈20 µs, and handing it to the pool cost more than that in main-thread time
 * alone (≈50 µs per request in CPU profiles on the 2-core VM: the thread wake-ups of `uv_queue_work` and
 * of the completion), before the pool's own time.
 */
import { randomBytes, randomFillSync, sign, verify, type KeyObject } from 'node:crypto';

/** Signatures of writes' replies and of callbacks on the pool now (submitted, not yet returned). */
let writesSigning = 0;

/** What a signature is for: a `lone read` is a lone reader's (pipeline.ts: one client reading on one connection). */
export type SignedFor = 'write' | 'read' | 'lone read';

/**
 * `key`'s signature of `message`, base64. A lone reader's reply (a test looking at a coupon during a
 * burst of sends) does not wait behind the writes' signatures: while any are on the pool, it is signed
 * at once on the event loop (≈ 0.3 ms there), as a database serves a read beside a stream of commits.
 * On the pool it waited for a thread, then for its completion's turn on an event loop busy with the
 * writes. Everything else goes to the pool: reads on many connections are a load of their own, and
 * signing them on the event loop would leave them one core and take the writes' event loop.
 *
 * Measured on the 2-core VM, four alternated pairs of `npm run bench:store` at 0 coupons: GET p99 while
 * 16 connections send 19.2–22.4 → 13.8–18.0 ms (ratio to idle 3.1–3.8 → 2.2–3.3); the sends 691–978 →
 * 586–831 per second, the event loop's time those reads take (≈ 0.3 ms each, and the reader, answered
 * sooner, reads more often); 16 connections reading beside 2 sending as before. Not kept: every read
 * signed on the event loop while writes signed (that load lost a third of its sends); reads with no
 * other open (a third of that load's reads arrived so, and it lost a fifth); those only behind more
 * writes than the pool has threads (half the gain).
 */
export function signAsync(message: Buffer | string, key: KeyObject, signedFor: SignedFor = 'write'): Promise<string> {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  if (signedFor === 'lone read' && writesSigning > 0) {
    try {
      return Promise.resolve(sign('sha256', data, key).toString('base64'));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  const write = signedFor === 'write';
  if (write) writesSigning++;
  return new Promise((resolve, reject) => {
    sign('sha256', data, key, (err, signature) => {
      if (write) writesSigning--;
      if (err) reject(err);
      else resolve(signature.toString('base64'));
    });
  });
}

/** Whether `signatureBase64` is `key`'s signature of `message`; false for malformed input, never a throw. */
export function verifySignature(message: Buffer | string, signatureBase64: string, key: KeyObject): boolean {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  try {
    return verify('sha256', data, key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/**
 * Random bytes as upper-case hex (request ids, reply nonces): drawn from a pool refilled 4 KiB at a
 * time. `randomBytes` per call cost ≈6-9 µs here (a native call each), two per signed reply; the pool
 * costs ≈0.3 µs. The bytes are the same CSPRNG's, each used once.
 */
export function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes).toUpperCase();
  poolOffset += bytes;
  return hex;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random alphanumeric text (nonces). */
export function randomText(length: number): string {
  return Array.from(randomBytes(length), (b) => ALNUM[b % ALNUM.length]).join('');
}

/** Random decimal digits (order and refund numbers); bytes from 250 up are drawn again, so each digit is uniform. */
export function randomDigits(length: number): string {
  let digits = '';
  while (digits.length < length) {
    for (const b of randomBytes(length - digits.length)) if (b < 250) digits += b % 10;
  }
  return digits;
}

/** `<timestamp>\n<nonce>\n<body>\n` — the message behind response and callback signatures (protocol.md §2.2). */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}
