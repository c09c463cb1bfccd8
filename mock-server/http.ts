/**
 * HTTP plumbing shared by the operation pipeline, the control API, the callbacks and the proxy:
 * JSON replies, the request as Node received it (headers, raw target, socket), bounded body reads.
 * Nothing here knows about WeChat Pay's rules; pipeline.ts and request-checks.ts do.
 */
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import type { ResolvedOptions } from './options.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? headers : { 'Content-Type': JSON_CONTENT_TYPE, ...headers },
  });
}

/** Node's request behind a served Hono context (@hono/node-server); undefined in process (app.request). */
export function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/**
 * A request header, from Node's already parsed `IncomingMessage.headers` when served (a plain object;
 * the Fetch `Headers` view would be built from the raw headers on first use), else from the Request.
 */
export function requestHeader(c: Context, name: string): string | null {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.raw.headers.get(name);
  const value = incoming.headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/** Path and query exactly as received: from Node's IncomingMessage when served, else from the URL. */
export function rawTarget(c: Context): string {
  const raw = incomingOf(c)?.url;
  if (raw) return raw.startsWith('/') ? raw : raw.replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

/**
 * The base of URLs the mock hands out (media_url, bill files, OpenAPI servers): `baseUrl`, else the
 * address and port the request arrived on — never the request's Host header, which any client (or a
 * DNS-rebinding page) chooses. In process (app.request, no socket): http://localhost.
 */
export function baseUrlOf(c: Context, options: ResolvedOptions): string {
  if (options.baseUrl) return options.baseUrl.replace(/\/$/, '');
  const socket = incomingOf(c)?.socket;
  if (!socket?.localAddress || !socket.localPort) return 'http://localhost';
  const address = socket.localAddress.replace(/^::ffff:(?=\d+\.)/, '');
  return `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}`;
}

export type BodyReading = { ok: true; raw: Buffer } | { ok: false; problem: 'too-large' | 'incomplete' };

/**
 * Reads the body, refusing more than `limit` bytes without buffering them (a declared Content-Length
 * over the limit is refused unread). Not hono/body-limit: see pipeline.ts bodyStage for why.
 */
export async function readBody(c: Context, limit: number): Promise<BodyReading> {
  const incoming = incomingOf(c);
  return incoming ? readIncomingBody(incoming, limit) : readRequestBody(c.req.raw, limit);
}

/**
 * The body of a request Node received (served by @hono/node-server, or the proxy's own server), read
 * from the IncomingMessage itself: no Fetch Request and web stream are built for it (≈ 40 µs of a
 * send's CPU in bench:store's profile). Past `limit` the rest is drained unread, so the connection
 * stays usable; a client that goes away mid-body makes the reading `incomplete`.
 */
export function readIncomingBody(incoming: IncomingMessage, limit: number): Promise<BodyReading> {
  if (Number(incoming.headers['content-length'] ?? '0') > limit) return Promise.resolve({ ok: false, problem: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (reading: BodyReading) => {
      if (!settled) resolve(reading);
      settled = true;
    };
    incoming.on('data', (chunk: Buffer) => {
      if (settled) return; // past the limit: drained, not kept
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        settle({ ok: false, problem: 'too-large' });
      } else chunks.push(chunk);
    });
    incoming.on('end', () => settle({ ok: true, raw: Buffer.concat(chunks, size) }));
    incoming.on('error', () => settle({ ok: false, problem: 'incomplete' }));
    incoming.on('close', () => {
      if (!incoming.complete) settle({ ok: false, problem: 'incomplete' });
    });
  });
}

/** The body of a Fetch Request (in process: app.request), as readIncomingBody reads Node's. */
async function readRequestBody(req: Request, limit: number): Promise<BodyReading> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) return { ok: false, problem: 'too-large' };
  if (!req.body) return { ok: true, raw: Buffer.alloc(0) };
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      return { ok: false, problem: 'incomplete' }; // the client went away mid-body
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, problem: 'too-large' };
    }
    chunks.push(Buffer.from(chunk.value));
  }
  return { ok: true, raw: Buffer.concat(chunks, size) };
}
