/**
 * The validating proxy: forwards a client's requests unchanged to an upstream (the real API or another
 * mock) and journals what the contracts say about each exchange (proxy/inspect.ts), in the mock's
 * journal shape, served at its own /_mock/journal for the contract report.
 *
 * "Unchanged": the raw request target, the raw body bytes and every header (Authorization included)
 * go up; the status, every header (Wechatpay-* included) and the body bytes come back, so the client's
 * own signature checks work end to end. Only what HTTP makes per-connection is not relayed: the
 * hop-by-hop headers (Connection, Keep-Alive, Transfer-Encoding, …) and Host, which names the upstream.
 *
 * Bounded: loopback only (it binds 127.0.0.1), request bodies up to `bodyLimit` (refused above it,
 * journaled), replies validated up to `replyLimit` (relayed whatever their size), an upstream
 * deadline, a capped journal, a capped number of connections.
 */
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { openApiFor } from '../contract/openapi.js';
import { loadContracts } from '../contract/registry.js';
import { journalAnswer } from '../control/routes.js';
import { controlQueryRefusal } from '../control/operations.js';
import { Journal, type Finding, type JournalEntry, type JournalFilter } from '../journal.js';
import { DEFAULT_CONTRACTS_DIR, VERSION } from '../paths.js';
import { MULTIPART_BODY_LIMIT } from '../protocol/multipart.js';
import { newRequestId } from '../protocol/sign-response.js';
import { OperationIndex, type Match } from '../contract/routes.js';
import { mchidOf, ReplyInspector, requestFindings } from './inspect.js';
import { parseUpstream } from './upstream.js';
import { readIncomingBody } from '../http.js';

export { parseUpstream };

export interface ProxyOptions {
  /** Where requests go: `https://api.mch.weixin.qq.com`, or another mock's URL. Scheme and host only. */
  upstream: string;
  /** Port on 127.0.0.1 (0, the default, picks a free one). */
  port?: number;
  /** Contract directory (default: the package's contracts/). */
  contractsDir?: string;
  /** Journal capacity (entries; default 2000). */
  journalSize?: number;
  /** Largest request body forwarded, bytes (default 8 MiB, the mock's upload read limit). */
  bodyLimit?: number;
  /** Largest reply validated, bytes (default 16 MiB); larger replies are relayed unchecked. */
  replyLimit?: number;
  /** Time the upstream has to answer completely, ms (default 30 000). */
  timeoutMs?: number;
}

export interface RunningProxy {
  url: string;
  port: number;
  upstream: string;
  journal(filter?: JournalFilter): JournalEntry[];
  clearJournal(): void;
  close(): Promise<void>;
}

/**
 * Per-connection headers (RFC 9110 §7.6.1), Host, and Expect (the proxy has read the body already, so
 * it answered any 100-continue itself): never relayed as they are.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);
const MAX_CONNECTIONS = 256;

/** `rawHeaders` minus the hop-by-hop ones (and those the Connection header names), order and spelling kept. */
function relayable(raw: string[], connection: string | string[] | undefined): string[] {
  const named = new Set(
    String(connection ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

function headersOf(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
  return out;
}

/** What the proxy answers itself (upstream down, body too large): the envelope, never signed. */
function answer(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const upstream = parseUpstream(options.upstream);
  const contractsDir = options.contractsDir ?? DEFAULT_CONTRACTS_DIR;
  const operations = loadContracts(contractsDir);
  const index = new OperationIndex(operations);
  const inspector = new ReplyInspector(contractsDir);
  const journal = new Journal(options.journalSize ?? 2000);
  // The WeChat Pay operations only: the upstream may be the real API, which has no /_mock/ control API.
  const openapi = openApiFor({ operations, contractsDir, control: false });
  const bodyLimit = options.bodyLimit ?? MULTIPART_BODY_LIMIT;
  const replyLimit = options.replyLimit ?? 16 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const secure = upstream.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, maxSockets: MAX_CONNECTIONS })
    : new HttpAgent({ keepAlive: true, maxSockets: MAX_CONNECTIONS });
  const startedAt = Date.now();
  let url = '';

  const record = (
    req: IncomingMessage,
    started: number,
    match: Match | undefined,
    fields: { request_id?: string; status: number; code?: string | null; message?: string | null; findings: Finding[] },
  ) => {
    const now = Date.now();
    journal.add({
      at: now,
      // The proxy has no business clock of its own: its virtual time is real time.
      virtual_at: now,
      request_id: fields.request_id ?? newRequestId(),
      method: req.method ?? '',
      target: req.url ?? '',
      operation_id: match?.op?.contract.operationId ?? null,
      mchid: mchidOf(req.headers.authorization),
      status: fields.status,
      code: fields.code ?? null,
      message: fields.message ?? null,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      findings: fields.findings,
    });
  };

  /** The proxy's own corner of /_mock/: health, its journal, the contracts as OpenAPI. Anything else is relayed. */
  const control = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean => {
    const json = (body: unknown, status = 200) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'GET' && path === '/_mock/health')
      json({ status: 'ok', role: 'proxy', version: VERSION, upstream: upstream.origin, uptime_ms: Date.now() - startedAt });
    else if (req.method === 'GET' && path === '/_mock/journal') {
      // The query checked by the control API's contract, as on the mock (contracts/_mock/journal/list.json).
      const q = Object.fromEntries(query);
      const refused = controlQueryRefusal('control.journal', q);
      if (refused) json(refused.toEnvelope(), refused.status);
      else json(journalAnswer(journal, q));
    } else if (req.method === 'DELETE' && path === '/_mock/journal') {
      journal.clear();
      json({ status: 'cleared' });
    } else if (req.method === 'GET' && path === '/_mock/openapi.json') json(openapi(url));
    else return false;
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    if (path.startsWith('/_mock/') && control(req, res, path, new URLSearchParams(q === -1 ? '' : target.slice(q + 1)))) return;
    // Only /v3/ is the API; the rest (the upstream's /_mock/ control and media URLs) is relayed unjournaled.
    const api = path.startsWith('/v3/');
    const match = api ? index.match(req.method ?? '', path) : undefined;

    const reading = await readIncomingBody(req, bodyLimit);
    if (!reading.ok) {
      if (reading.problem === 'incomplete') return void res.destroy();
      const message = `wxpay-mock proxy: request body over ${bodyLimit} bytes, not forwarded`;
      if (api)
        record(req, started, match, { status: 413, code: 'INVALID_REQUEST', message, findings: [{ kind: 'protocol', issue: message }] });
      res.setHeader('Connection', 'close');
      return answer(res, 413, 'INVALID_REQUEST', message);
    }
    const body = reading.raw;
    const findings = match ? requestFindings(match, { method: req.method ?? '', target, headers: headersOf(req.headers), body }) : [];

    const headers = relayable(req.rawHeaders, req.headers.connection);
    headers.unshift('Host', upstream.host);
    // The body was read whole, so it goes up with its length even if it came chunked (and Node would
    // otherwise chunk a body-carrying method whose headers it cannot amend).
    if (req.headers['content-length'] === undefined && (body.length > 0 || !['GET', 'HEAD'].includes(req.method ?? '')))
      headers.push('Content-Length', String(body.length));

    const send = secure ? httpsRequest : httpRequest;
    const up = send({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port || undefined,
      method: req.method,
      path: target,
      headers,
      agent,
      timeout: timeoutMs,
    });
    const deadline = setTimeout(() => up.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    // The client went away: stop the upstream exchange too (journaled as such by fail()).
    res.on('close', () => settled || up.destroy(new Error('the client closed the connection')));
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      const message =
        `wxpay-mock proxy: upstream ${upstream.origin} failed: ${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.replace(
          /\s+/g,
          ' ',
        );
      if (api)
        record(req, started, match, {
          status: res.headersSent ? res.statusCode : 502,
          findings: [...findings, { kind: 'protocol', issue: message }],
        });
      if (res.headersSent) res.destroy();
      else answer(res, 502, 'SYSTEM_ERROR', message);
    };
    up.on('error', fail);
    up.on('timeout', () => up.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    up.on('response', (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.statusMessage, relayable(reply.rawHeaders, reply.headers.connection));
      const chunks: Buffer[] = [];
      let size = 0;
      reply.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= replyLimit) chunks.push(chunk);
        res.write(chunk);
      });
      reply.on('error', fail);
      reply.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (api) {
          const status = reply.statusCode ?? 0;
          const verdict = inspector.inspect(match?.op, {
            status,
            headers: headersOf(reply.headers),
            body: size <= replyLimit ? Buffer.concat(chunks, size) : undefined,
          });
          const tooLarge: Finding[] =
            size > replyLimit ? [{ kind: 'protocol', issue: `reply of ${size} bytes is over ${replyLimit}: relayed, not validated` }] : [];
          const requestId = reply.headers['request-id'];
          // Journaled before the client sees the end of the reply: a report read right after finds it.
          record(req, started, match, {
            request_id: typeof requestId === 'string' ? requestId : undefined,
            status,
            code: verdict.code,
            message: verdict.message,
            findings: [...findings, ...verdict.findings, ...tooLarge],
          });
        }
        res.end();
      });
    });
    up.end(body);
  };

  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    handle(req, res).catch((err) => {
      console.error('[wxpay-mock proxy] unexpected error:', err);
      if (!res.headersSent) answer(res, 500, 'SYSTEM_ERROR', 'wxpay-mock proxy: internal error');
      else res.destroy();
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.requestTimeout = timeoutMs * 2;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    upstream: upstream.origin,
    journal: (filter) => journal.list(filter),
    clearJournal: () => journal.clear(),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      })),
  };
}
