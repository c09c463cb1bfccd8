/**
 * multipart/form-data for the upload operations (contracts with `request.bodyEncoding: 'multipart'`,
 * protocol.md §1.2, §6.2): a hand-written, tolerant parser, and the rule that the signature's body
 * line is the raw text of the `meta` part, not the multipart stream.
 *
 * Tolerant because every SDK writes the body its own way (protocol.md §6.2, §7): the Go SDK writes
 * `Content-Disposition: form-data; name="meta";` with a trailing `;` (busboy@1 silently drops that
 * part), the axios plugin writes the meta part without a Content-Type, Java adds it as a plain form
 * field. So: parameters are split on `;` outside quotes and empty ones ignored, names are
 * case-insensitive, quoted and bare values and RFC 5987 `filename*` are accepted, a preamble and an
 * epilogue are skipped, bare LF line breaks are accepted, padding after a delimiter is skipped, a
 * missing close delimiter at the very end is forgiven. Only what cannot be read is refused, always
 * with the documented envelope (400), never a 500.
 *
 * Order of checks (ours; the real order is not documented): the Authorization header's own checks
 * (format, timestamp, merchant, serial) come first, then the multipart framing (an unreadable body or
 * a missing `meta` part means the signature cannot be checked, so that 400 wins over a mismatch), then
 * the signature over the `meta` bytes, then the `meta` JSON against the contract, then the handler's
 * rules on the file.
 */
import { ApiError, SIGN_MESSAGES } from '../errors.js';
import type { Finding } from '../journal.js';

export interface MultipartPart {
  /** The `name` parameter of Content-Disposition ('' when absent). */
  name: string;
  /** The `filename` (or decoded `filename*`) parameter, if any. */
  filename?: string;
  /** The part's Content-Type header, if any. */
  contentType?: string;
  /** All part headers, lower-case names. */
  headers: Record<string, string>;
  /** The part's bytes exactly as sent (the CRLF before the next delimiter excluded). */
  data: Buffer;
}

export interface Upload {
  /** The raw bytes of the first part named `meta`: what the client signed. */
  meta: Buffer;
  /** The first part named `file`, if any. */
  file: MultipartPart | undefined;
  /** Every part, in order. */
  parts: MultipartPart[];
}

/** The body as the pipeline needs it before the signature check. */
export type UploadReading =
  | { ok: true; upload: Upload; signedBody: Buffer; notes?: Finding[] }
  /** `signedBody` is then the raw body: the best the verifier can do. */
  | { ok: false; error: ApiError; signedBody: Buffer };

/**
 * Largest body read for a multipart operation. Ours: the image limit is 2 MB (api-reference.md §2.15);
 * reading up to 8 MiB lets a too-large image get its own message ("图片大小不能超过2M") instead of the
 * generic body-size refusal, while memory stays bounded.
 */
export const MULTIPART_BODY_LIMIT = 8 * 1024 * 1024;
export const multipartBodyLimit = (bodyLimit: number): number => Math.max(bodyLimit, MULTIPART_BODY_LIMIT);

// Our wording throughout (the real texts for these cases are not documented), in the style of the
// JSON-body refusals in request-checks.ts.
const notMultipart = (contentType: string | null) =>
  new ApiError('INVALID_REQUEST', 'Content-Type不正确，请使用multipart/form-data', {
    field: 'Content-Type',
    value: contentType,
    issue: 'content type must be multipart/form-data',
    location: 'header',
  });
const noBoundary = (contentType: string) =>
  new ApiError('INVALID_REQUEST', 'Content-Type缺少boundary参数', {
    field: 'Content-Type',
    value: contentType,
    issue: 'multipart/form-data without a boundary parameter',
    location: 'header',
  });
const garbled = (issue: string) =>
  new ApiError('INVALID_REQUEST', '请求体不是合法的multipart/form-data格式', { field: '', value: null, issue, location: 'body' });

/** The required-part message, in the real server's wording for a missing field (contract/messages.ts). */
export function missingPart(name: string, label: string): ApiError {
  return new ApiError('PARAM_ERROR', `输入源“/body/${name}”映射到字段“${label}”必填性规则校验失败，此字段为必填项`, {
    field: name,
    value: null,
    issue: `multipart part "${name}" is missing`,
    location: 'body',
  });
}

/** Splits `a; b="x;y"; c` on `;` outside double quotes. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted && ch === '\\' && i + 1 < value.length) {
      cur += ch + value[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t;
}

/** `type; k=v; k2="v2";` → lower-case type and parameters (empty segments, e.g. a trailing `;`, ignored). */
export function parseHeaderParams(value: string): { type: string; params: Record<string, string> } {
  const [first, ...rest] = splitParams(value);
  const params: Record<string, string> = {};
  let type = '';
  const segments = first.includes('=') ? [first, ...rest] : rest;
  if (!first.includes('=')) type = first.toLowerCase();
  for (const seg of segments) {
    if (!seg) continue;
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    const key = seg.slice(0, eq).trim().toLowerCase();
    if (!(key in params)) params[key] = unquote(seg.slice(eq + 1));
  }
  return { type, params };
}

/** RFC 5987 `UTF-8''na%C3%AFve.png` → `naïve.png`; undefined when unreadable. */
function extendedValue(v: string): string | undefined {
  const m = /^([\w!#$%&+^`{}~-]+)'[^']*'(.*)$/.exec(v);
  if (!m) return undefined;
  try {
    const bytes = Buffer.from(
      m[2].replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
    return m[1].toLowerCase() === 'utf-8' ? bytes.toString('utf8') : bytes.toString('latin1');
  } catch {
    return undefined;
  }
}

/** The boundary of a multipart Content-Type, or an error envelope. */
export function boundaryOf(contentType: string | null): string | ApiError {
  if (!contentType || !/^\s*multipart\/[\w.+-]+/i.test(contentType)) return notMultipart(contentType);
  const boundary = parseHeaderParams(contentType).params.boundary;
  if (!boundary) return noBoundary(contentType);
  return boundary;
}

/**
 * The boundary a body declares by itself: its first line, `--` + 1–70 boundary characters (RFC 2046
 * §5.1.1), before a CRLF or LF. Undefined when the body does not start so (no preamble is guessed past).
 */
export function boundaryFromBody(raw: Buffer): string | undefined {
  const head = raw.subarray(0, 80).toString('latin1');
  const m = /^--([0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?])\r?\n/.exec(head);
  return m?.[1];
}

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/** Index just past the line break at `i` (CRLF or bare LF), or -1 when there is none at `i`. */
function lineBreakAt(buf: Buffer, i: number): number {
  if (buf[i] === CR && buf[i + 1] === LF) return i + 2;
  if (buf[i] === LF) return i + 1;
  return -1;
}

/**
 * Is there a real delimiter at `i` (`--boundary` followed by `--`, padding, a line break or the end)?
 * A longer token that merely starts with the boundary is not one.
 */
function delimiterAt(buf: Buffer, i: number, delim: Buffer): boolean {
  if (!buf.subarray(i, i + delim.length).equals(delim)) return false;
  const next = buf[i + delim.length];
  return next === undefined || next === DASH || next === CR || next === LF || next === 0x20 || next === 0x09;
}

/** First delimiter at or after `from` that starts a line (or the body). Returns the index of `--`. */
function findDelimiter(buf: Buffer, from: number, delim: Buffer): number {
  let i = from;
  for (;;) {
    const at = buf.indexOf(delim, i);
    if (at === -1) return -1;
    if ((at === 0 || buf[at - 1] === LF) && delimiterAt(buf, at, delim)) return at;
    i = at + 1;
  }
}

/** Parses the part headers starting at `pos`; returns them and the index where the content starts. */
function readHeaders(buf: Buffer, pos: number): { headers: Record<string, string>; contentStart: number } {
  const headers: Record<string, string> = {};
  let last: string | undefined;
  let p = pos;
  for (;;) {
    const end = buf.indexOf(LF, p);
    if (end === -1) throw garbled('part headers are not terminated by an empty line');
    const line = buf.subarray(p, end > p && buf[end - 1] === CR ? end - 1 : end).toString('utf8');
    p = end + 1;
    if (line === '') return { headers, contentStart: p };
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      headers[last] += ' ' + line.trim(); // obsolete folding
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      if (line.startsWith('--')) throw garbled('a part has no empty line between its headers and its content');
      continue; // not a header: ignored
    }
    last = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!(last in headers)) headers[last] = value;
  }
}

/** Every part of a multipart body. Throws the INVALID_REQUEST envelope when the framing is unreadable. */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delim = Buffer.from(`--${boundary}`, 'utf8');
  let at = findDelimiter(body, 0, delim);
  if (at === -1) throw garbled(body.length === 0 ? 'empty body' : 'the boundary of the Content-Type header does not occur in the body');
  const parts: MultipartPart[] = [];
  for (;;) {
    let p = at + delim.length;
    if (body[p] === DASH && body[p + 1] === DASH) break; // close delimiter; the epilogue is ignored
    while (body[p] === 0x20 || body[p] === 0x09) p++; // transport padding
    if (p >= body.length) break; // body ends right after a delimiter: forgiven
    const afterBreak = lineBreakAt(body, p);
    if (afterBreak === -1) throw garbled('a boundary delimiter is not followed by a line break');
    const { headers, contentStart } = readHeaders(body, afterBreak);
    const next = findDelimiter(body, contentStart, delim);
    if (next === -1) throw garbled('the body ends inside a part (no closing boundary)');
    // The line break before the delimiter belongs to the delimiter.
    let contentEnd = next;
    if (contentEnd > contentStart && body[contentEnd - 1] === LF) contentEnd--;
    if (contentEnd > contentStart && body[contentEnd - 1] === CR) contentEnd--;
    const disposition = parseHeaderParams(headers['content-disposition'] ?? '').params;
    const extended = disposition['filename*'] ? extendedValue(disposition['filename*']) : undefined;
    const filename = extended ?? disposition.filename;
    parts.push({
      name: disposition.name ?? '',
      ...(filename !== undefined ? { filename } : {}),
      ...(headers['content-type'] !== undefined ? { contentType: headers['content-type'] } : {}),
      headers,
      data: body.subarray(contentStart, contentEnd),
    });
    at = next;
  }
  return parts;
}

/**
 * Reads an upload for the pipeline: the parts, and the bytes the signature covers (the `meta` part).
 * Never throws: a failure is returned so the pipeline can report the Authorization header's own
 * problems first (see the order above).
 */
export function readUpload(raw: Buffer, contentType: string | null): UploadReading {
  try {
    let boundary = boundaryOf(contentType);
    const notes: Finding[] = [];
    if (boundary instanceof ApiError && contentType && /^\s*multipart\//i.test(contentType)) {
      // wechatpayv3 (Python) has sent `multipart/form-data` without a boundary parameter on every upload
      // since 2021 with no failure reported, so the real server evidently reads the boundary from the
      // body: its first line is the delimiter (RFC 2046 §5.1.1). Accepted, and noted as off the spec.
      const fromBody = boundaryFromBody(raw);
      if (fromBody) {
        notes.push({
          kind: 'interop',
          location: 'header',
          field: 'Content-Type',
          value: contentType,
          issue: 'multipart/form-data without a boundary parameter; the boundary was read from the first line of the body',
          hint: `send Content-Type: multipart/form-data; boundary=${fromBody}. The mock (like the real server, as wechatpayv3's uploads show) reads it from the body; other servers and proxies may not`,
        });
        boundary = fromBody;
      }
    }
    if (boundary instanceof ApiError) throw boundary;
    const parts = parseMultipart(raw, boundary);
    const meta = parts.find((p) => p.name === 'meta');
    if (!meta) throw missingPart('meta', '媒体文件元信息');
    return {
      ok: true,
      upload: { meta: meta.data, file: parts.find((p) => p.name === 'file'), parts },
      signedBody: meta.data,
      ...(notes.length ? { notes } : {}),
    };
  } catch (err) {
    const error = err instanceof ApiError ? err : garbled((err as Error).message);
    return { ok: false, error, signedBody: raw };
  }
}

/**
 * When the upload could not be read, its signature could not really be checked: a mismatch then
 * reports the framing problem instead; every other SIGN_ERROR (format, timestamp, merchant, serial)
 * stands, as those are checked on the header alone.
 */
export function uploadFailureFirst(reading: UploadReading | undefined, err: unknown): unknown {
  if (reading && !reading.ok && err instanceof ApiError && err.code === 'SIGN_ERROR' && err.message === SIGN_MESSAGES.mismatch)
    return reading.error;
  return err;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The `meta` part as JSON, for contract validation (same refusals as a JSON body, pointing at `meta`). */
export function decodeMeta(upload: Upload): unknown {
  let text: string;
  try {
    text = utf8.decode(upload.meta);
  } catch {
    throw new ApiError('INVALID_REQUEST', 'meta不是合法的UTF-8编码', {
      field: 'meta',
      value: null,
      issue: 'meta part is not valid UTF-8',
      location: 'body',
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('INVALID_REQUEST', 'meta不是合法的JSON格式', {
      field: 'meta',
      value: null,
      issue: (err as Error).message,
      location: 'body',
    });
  }
}
