/**
 * SHA256withRSA (RSASSA-PKCS1-v1_5) as WeChat Pay uses it. The callback forms of `crypto.sign` /
 * `crypto.verify` run on libuv's thread pool, so signing never blocks the event loop and one process
 * uses every core.
 */
import { availableParallelism } from 'node:os';
import { randomBytes, randomFillSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Which queue an RSA operation waits in: a read's (a GET's verify and reply signature) goes before any
 * waiting write's or callback's. libuv's pool is one FIFO shared with file I/O: with 16 senders a GET's
 * two operations queued behind ~30 others and the store's fdatasync behind all of them (issue 11: GET p99
 * during sends 4× idle). So at most SLOTS operations are handed to the pool at once (one per core keeps
 * every core busy) and the rest wait here, reads first.
 */
export type Lane = 'read' | 'write';

export const laneOf = (method: string): Lane => (method === 'GET' || method === 'HEAD' ? 'read' : 'write');

const SLOTS = Math.max(2, availableParallelism());
let inPool = 0;
const waiting: Record<Lane, (() => void)[]> = { read: [], write: [] };

/** Resolves when the operation may go to the pool (at once when a slot is free). */
function slot(lane: Lane): Promise<void> | undefined {
  if (inPool < SLOTS) {
    inPool++;
    return undefined;
  }
  return new Promise((resolve) => waiting[lane].push(resolve));
}

/** The finished operation's slot passes straight to the next waiting one, reads first. */
function release(): void {
  const next = waiting.read.shift() ?? waiting.write.shift();
  if (next) next();
  else inPool--;
}

export async function signAsync(message: Buffer | string, key: KeyObject, lane: Lane = 'write'): Promise<string> {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  await slot(lane);
  return new Promise((resolve, reject) => {
    try {
      sign('sha256', data, key, (err, signature) => {
        release();
        if (err) reject(err);
        else resolve(signature.toString('base64'));
      });
    } catch (err) {
      release(); // refused before it reached the pool (e.g. not a signing key)
      reject(err);
    }
  });
}

export async function verifyAsync(
  message: Buffer | string,
  signatureBase64: string,
  key: KeyObject,
  lane: Lane = 'write',
): Promise<boolean> {
  const data = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const signature = Buffer.from(signatureBase64, 'base64');
  await slot(lane);
  return new Promise((resolve) => {
    try {
      verify('sha256', data, key, signature, (err, ok) => {
        release();
        resolve(!err && ok);
      });
    } catch {
      release();
      resolve(false);
    }
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

/** `<timestamp>\n<nonce>\n<body>\n` — the message behind response and callback signatures (protocol.md §2.2). */
export function responseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}
