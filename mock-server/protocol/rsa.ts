/**
 * SHA256withRSA (RSASSA-PKCS1-v1_5) as WeChat Pay uses it. Signing (≈250 µs for RSA-2048 here) runs on
 * libuv's thread pool (the callback form of `crypto.sign`), so it never blocks the event loop and one
 * process uses every core. Verifying runs on the event loop: it takes ≈20 µs, and handing it to the pool
 * cost more than that in main-thread time alone (≈50 µs per request in CPU profiles on the 2-core VM: the
 * thread wake-ups of `uv_queue_work` and of the completion), before the pool's own time.
 */
import { randomBytes, randomFillSync, sign, verify, type KeyObject } from 'node:crypto';

export function signAsync(message: Buffer | string, key: KeyObject): Promise<string> {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return new Promise((resolve, reject) => {
    sign('sha256', data, key, (err, signature) => (err ? reject(err) : resolve(signature.toString('base64'))));
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
