/**
 * What a fault does to the reply: the error envelope it answers, the signed reply it spoils, the
 * connection it breaks. Each function is small and independent of how the rule matched.
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Contract, ContractError } from '../contract/types.js';
import { ApiError, SIGN_MESSAGES, type ErrorCode } from '../errors.js';
import { responseMessage, signAsync } from '../protocol/rsa.js';
import type { SigningKey } from '../protocol/sign-response.js';
import type { PlatformKeys } from '../world.js';
import { RATE_LIMIT, type FaultAction } from './rules.js';

/**
 * Texts for codes whose contract entry gives none. SYSTEM_ERROR: the docs print no text; 系统错误 is
 * the payment pages' text and what this mock answers for its own failures (our choice). 429: 接口限频
 * is the only rate-limit text observed on these families (api-reference.md §1.3, use-flow), used for
 * FREQUENCY_LIMITED too, whose text no source shows (our choice).
 */
const FALLBACK_MESSAGES: Record<string, string> = {
  SYSTEM_ERROR: '系统错误',
  SIGN_ERROR: SIGN_MESSAGES.mismatch,
  FREQUENCY_LIMIT_EXCEED: '接口限频',
  FREQUENCY_LIMITED: '接口限频',
};

/** The family's rate-limit code where the contract declares none: favor tables spell it FREQUENCY_LIMIT_EXCEED, the others FREQUENCY_LIMITED (api-reference.md §12). */
function rateLimitOf(contract: Contract): ContractError {
  const declared = contract.errors.find((e) => e.status === 429);
  if (declared) return declared;
  const favorish = /^(favor|billdownload|certificates)\./.test(contract.operationId);
  return { status: 429, code: favorish ? 'FREQUENCY_LIMIT_EXCEED' : 'FREQUENCY_LIMITED' };
}

/**
 * The error reply a rule asks for on this operation, from its contract: status, code and message as
 * declared; SYSTEM_ERROR (500) and RATE_LIMIT (429) fit every operation. Undefined when the contract
 * does not declare the code (or the message), so the rule does not fire here; a string says why.
 */
export function contractError(contract: Contract, code: string, message?: string): ApiError | string {
  let entries: ContractError[];
  if (code === RATE_LIMIT) entries = [rateLimitOf(contract)];
  else {
    entries = contract.errors.filter((e) => e.code === code);
    if (!entries.length && code === 'SYSTEM_ERROR') entries = [{ status: 500, code }];
    if (!entries.length && (code === 'FREQUENCY_LIMIT_EXCEED' || code === 'FREQUENCY_LIMITED') && rateLimitOf(contract).code === code)
      entries = [rateLimitOf(contract)];
  }
  if (!entries.length) return `${contract.operationId} does not declare ${code}`;
  const known = entries.filter((e) => e.message);
  let chosen: ContractError;
  if (message !== undefined) {
    const same = known.find((e) => e.message === message);
    if (known.length && !same)
      return `${contract.operationId} declares ${code} with ${known.map((e) => JSON.stringify(e.message)).join(', ')}, not ${JSON.stringify(message)}`;
    chosen = same ?? { ...entries[0], message };
  } else chosen = known[0] ?? entries[0];
  const text = chosen.message ?? FALLBACK_MESSAGES[chosen.code];
  if (text === undefined) return `${contract.operationId} declares no message for ${code}: give one`;
  return new ApiError(chosen.code as ErrorCode, text, undefined, chosen.status);
}

// ── replies that must fail verification ───────────────────────────────────────────────────────────

/** Real clients accept ±300 s (protocol.md §2.5): ten minutes old is stale for every SDK. */
export const STALE_BY_S = 600;

const SIGNATURE_HEADERS = ['Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Timestamp', 'Wechatpay-Serial', 'Wechatpay-Signature-Type'];

/** The key that signed a reply, from its `Wechatpay-Serial`. */
export function keyOfSerial(platform: PlatformKeys, serial: string | null): SigningKey {
  return serial === platform.publicKey.id
    ? { mode: 'public_key', serial, key: platform.publicKey.signKey }
    : { mode: 'certificate', serial: platform.certificate.serial_no, key: platform.certificate.signKey };
}

/** A serial of the same shape that names no key of ours (PUB_KEY_ID_… or 40 hex digits). */
export function unknownSerial(serial: string): string {
  return serial.startsWith('PUB_KEY_ID_')
    ? `PUB_KEY_ID_${'0'.repeat(Math.max(1, serial.length - 12))}9`
    : randomBytes(20).toString('hex').toUpperCase();
}

/** The body with one digit changed (the JSON stays valid: a leading digit never becomes 0); no digit: one letter. */
export function tamperText(text: string): string {
  const i = text.search(/\d/);
  if (i !== -1) {
    const d = Number(text[i]);
    return text.slice(0, i) + String(d === 9 ? 8 : d + 1) + text.slice(i + 1);
  }
  const j = text.search(/[a-y]/);
  return j === -1 ? `${text} ` : text.slice(0, j) + String.fromCharCode(text.charCodeAt(j) + 1) + text.slice(j + 1);
}

/**
 * Signature headers spoiled one way, over `body` (the bytes that will be sent). `bad-signature`: a
 * real RSA signature over other bytes; `unknown-serial`: a valid signature under a serial no client
 * knows; `stale-timestamp`: a valid signature ten minutes old; `no-signature`: none of the headers;
 * `tampered-body`: the original headers, the body changed after signing (the caller changes it).
 */
export async function spoiledHeaders(
  action: FaultAction,
  headers: Record<string, string>,
  body: string,
  key: SigningKey,
): Promise<Record<string, string>> {
  const out = { ...headers };
  const ts = headers['Wechatpay-Timestamp'] ?? String(Math.floor(Date.now() / 1000));
  const nonce = headers['Wechatpay-Nonce'] ?? randomBytes(16).toString('hex').toUpperCase();
  switch (action) {
    case 'bad-signature':
      out['Wechatpay-Signature'] = await signAsync(responseMessage(ts, nonce, `${body} `), key.key);
      break;
    case 'unknown-serial':
      out['Wechatpay-Serial'] = unknownSerial(key.serial);
      break;
    case 'stale-timestamp': {
      const stale = String(Math.floor(Date.now() / 1000) - STALE_BY_S);
      out['Wechatpay-Timestamp'] = stale;
      out['Wechatpay-Signature'] = await signAsync(responseMessage(stale, nonce, body), key.key);
      break;
    }
    case 'no-signature':
      for (const h of SIGNATURE_HEADERS) delete out[h];
      break;
  }
  return out;
}

/** The reply's headers as a plain object with the canonical Wechatpay-* spelling kept. */
export function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  const canonical = new Map(SIGNATURE_HEADERS.map((h) => [h.toLowerCase(), h]));
  res.headers.forEach(
    (v, k) => (out[canonical.get(k) ?? (k === 'request-id' ? 'Request-ID' : k === 'content-type' ? 'Content-Type' : k)] = v),
  );
  return out;
}

// ── broken connections ────────────────────────────────────────────────────────────────────────────

/** The Node request behind a served request (undefined in process: `app.request`). */
export function incomingOf(env: unknown): IncomingMessage | undefined {
  return (env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/** A body that fails when read: what an in-process caller sees of a broken connection. */
function failingStream(prefix: Uint8Array | undefined, why: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (prefix?.length) controller.enqueue(prefix);
      // A macrotask later, so the prefix is written before the connection breaks.
      setTimeout(() => controller.error(Object.assign(new Error(why), { code: 'ECONNRESET' })), 5);
    },
  });
}

/**
 * A reset connection: served, a TCP RST (the client reads ECONNRESET / "socket hang up"); in process,
 * a reply whose body fails to read.
 */
export function resetReply(incoming: IncomingMessage | undefined): Response {
  const socket = incoming?.socket;
  if (socket && !socket.destroyed) {
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }
  return new Response(failingStream(undefined, 'wxpay-mock fault: connection reset'), { status: 500 });
}

/**
 * A truncated body: the status and headers of the real reply, `Content-Length` of the whole body,
 * then half of it and the connection closes. Served, written on the socket itself (the HTTP layer
 * would report the cut as its own error); in process, a body that fails after the half.
 */
export async function truncatedReply(res: Response, incoming: IncomingMessage | undefined): Promise<Response> {
  const bytes = Buffer.from(await res.arrayBuffer());
  const half = bytes.subarray(0, Math.floor(bytes.length / 2));
  const socket = incoming?.socket;
  if (socket && !socket.destroyed) {
    const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`];
    res.headers.forEach((v, k) => k !== 'content-length' && k !== 'connection' && lines.push(`${k}: ${v}`));
    lines.push(`Content-Length: ${bytes.length}`, 'Connection: close', '', '');
    socket.write(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), half]), () => socket.destroy());
    return new Response(null, { status: res.status });
  }
  const headers = new Headers(res.headers);
  headers.set('Content-Length', String(bytes.length));
  return new Response(failingStream(half, 'wxpay-mock fault: body truncated'), { status: res.status, headers });
}

/**
 * Hold the request without answering until the client gives up (its socket closes) or `boundMs`
 * passes, then close the connection. Resolves with how long it was held.
 */
export function hang(incoming: IncomingMessage | undefined, boundMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = incoming?.socket;
    const done = () => {
      clearTimeout(timer);
      socket?.off('close', done);
      resolve(Math.round(performance.now() - started));
    };
    const timer = setTimeout(done, boundMs);
    if (socket) {
      if (socket.destroyed) return done();
      socket.once('close', done);
    }
  });
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
