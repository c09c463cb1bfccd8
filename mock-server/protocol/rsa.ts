/**
 * SHA256withRSA (RSASSA-PKCS1-v1_5) as WeChat Pay uses it. The callback forms of `crypto.sign` /
 * `crypto.verify` run on libuv's thread pool, so signing never blocks the event loop and one process
 * uses every core.
 */
import { randomBytes, randomFillSync, sign, verify, type KeyObject } from 'node:crypto';

export function signAsync(message: Buffer | string, key: KeyObject): Promise<string> {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return new Promise((resolve, reject) => {
    sign('sha256', data, key, (err, signature) => (err ? reject(err) : resolve(signature.toString('base64'))));
  });
}

export function verifyAsync(message: Buffer | string, signatureBase64: string, key: KeyObject): Promise<boolean> {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const signature = Buffer.from(signatureBase64, 'base64');
  return new Promise((resolve) => {
    verify('sha256', data, key, signature, (err, ok) => resolve(!err && ok));
  });
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
