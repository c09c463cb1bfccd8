/**
 * Parsing of `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`
 * (protocol.md §1.1). Pair order is free; values are double-quoted; pairs are joined by `,` without spaces.
 */
export const SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

/** `problem` says what is wrong in words a developer can act on (journal hints; not sent to the client). */
export type ParseResult = { ok: true; fields: AuthorizationFields } | { ok: false; reason: 'format' | 'scheme'; problem: string };

const FIELDS = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;
// Values hold no whitespace: a line break or space inside one (e.g. base64 wrapped at 76 columns)
// is a format error like a space after a comma, not a value `Buffer.from(…, 'base64')` would forgive.
const PAIR = /^([a-z_]+)="([^"\s]*)"$/;

const format = (problem: string): ParseResult => ({ ok: false, reason: 'format', problem });

export function parseAuthorization(header: string | undefined | null): ParseResult {
  if (!header) return format('no Authorization header');
  const space = header.indexOf(' ');
  if (space <= 0) return format(`the header must be "${SCHEME} " followed by the five key="value" pairs`);
  if (header.slice(0, space) !== SCHEME)
    return { ok: false, reason: 'scheme', problem: `the scheme is "${header.slice(0, space)}"; APIv3 accepts only ${SCHEME}` };
  // A Map: a pair named like an Object.prototype member (`constructor`, `__proto__`) is a pair like any
  // other, not already "there"; and it is faster than a null-prototype object (a dictionary in V8).
  const pairs = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const m = PAIR.exec(part);
    if (!m)
      return format(
        `${JSON.stringify(part.slice(0, 40))} is not a key="value" pair (double quotes, no spaces or line breaks, pairs joined by "," alone)`,
      );
    if (pairs.has(m[1])) return format(`${m[1]} appears twice`);
    pairs.set(m[1], m[2]);
  }
  for (const name of FIELDS) if (!pairs.get(name)) return format(`${name} is missing or empty (needed: ${FIELDS.join(', ')})`);
  const fields: AuthorizationFields = {
    mchid: pairs.get('mchid')!,
    nonce_str: pairs.get('nonce_str')!,
    timestamp: pairs.get('timestamp')!,
    serial_no: pairs.get('serial_no')!,
    signature: pairs.get('signature')!,
  };
  if (!/^\d{1,12}$/.test(fields.timestamp)) return format(`timestamp "${fields.timestamp}" is not Unix time in whole seconds`);
  return { ok: true, fields };
}

/** Serial numbers compare case-insensitively and without leading zeros (wechatpay-node-v3 derives `00ab…` lowercase). */
export function normalizeSerial(serial: string): string {
  return serial.trim().toUpperCase().replace(/^0+/, '');
}
