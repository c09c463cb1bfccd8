/**
 * One request through one operation (DESIGN.md's picture):
 *   headers → body (size) → signature over raw bytes → decode → contract (path, query, headers, body)
 *   → handler → durable commit → signed reply → journal.
 * Every failure becomes the documented envelope; nothing here lets an exception escape as a 500
 * without the envelope, and a rejected request never reaches `mutate`.
 */
import type { ValidateFunction } from 'ajv';
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import type { Clock } from './clock.js';
import { describe, echo, firstError, valueAt, type Location } from './contract/messages.js';
import type { CompiledOperation, NotOpenField } from './contract/registry.js';
import { ApiError } from './errors.js';
import { FAULT_HEADER, NO_FAULT, type FaultSet, type RequestFault } from './faults/index.js';
import type { Finding, Journal } from './journal.js';
import type { Handler, OperationContext, OperationResult } from './operations/types.js';
import type { ResolvedOptions } from './options.js';
import { addRawPlusHint } from './protocol/query-hints.js';
import { decodeMeta, multipartBodyLimit, readUpload, uploadFailureFirst } from './protocol/multipart.js';
import { chooseSigningKey, newRequestId, signatureHeaders } from './protocol/sign-response.js';
import { signatureFinding, verifyRequest, type VerifiedCaller } from './protocol/verify-request.js';
import { CommitFailedError, type Store } from './store/store.js';
import { rfc3339 } from './time.js';
import type { World } from './world.js';

export interface PipelineEnv {
  world: World;
  store: Store;
  clock: Clock;
  journal: Journal;
  options: ResolvedOptions;
  /** Fault rules (faults/): absent or empty, every request goes through untouched. */
  faults?: FaultSet;
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? headers : { 'Content-Type': JSON_CONTENT_TYPE, ...headers },
  });
}

/**
 * A request header, from Node's already parsed `IncomingMessage.headers` when served (a plain object;
 * the Fetch `Headers` view would be built from the raw headers on first use), else from the Request.
 */
export function requestHeader(c: Context, name: string): string | null {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.raw.headers.get(name);
  const value = incoming.headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/** Path and query exactly as received: from Node's IncomingMessage when served, else from the URL. */
export function rawTarget(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const raw = incoming?.url;
  if (raw) return raw.startsWith('/') ? raw : raw.replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

/** The real API's refusal text when Accept or User-Agent is missing (400 INVALID_REQUEST), if one is. */
export function headersProblem(header: (name: string) => string | null): string | undefined {
  return !header('accept') || !header('user-agent') ? 'Http头缺少Accept或User-Agent' : undefined;
}

/** The answer to a request target we refuse to route (app.ts: before routing, and Node's URL errors). */
export const badTarget = () => new ApiError('INVALID_REQUEST', '请求的URL或Host格式不正确');

/**
 * Why a raw request path is refused, if it is: dot segments (plain or percent-encoded), an encoded `/`
 * or `\`, encoded control bytes, broken percent-encoding, empty segments (`//`), backslashes. URL
 * parsing would rewrite some of these (`/x/%2e%2e/callbacks` → `/callbacks`) after the signature was
 * checked over the raw text, so the path acted on would not be the path signed. The query is free.
 */
export function targetProblem(target: string): string | undefined {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (path.includes('\\')) return 'backslash in the path';
  const segments = path.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '' && i < segments.length - 1) return 'empty path segment (//)';
    if (/%(?![0-9a-f]{2})/i.test(segment)) return 'malformed percent-encoding in the path';
    if (/%(2f|5c)/i.test(segment)) return 'encoded / or \\ in the path';
    if (/%([01][0-9a-f]|7f)/i.test(segment)) return 'encoded control character in the path';
    const dots = segment.replace(/%2e/gi, '.');
    if (dots === '.' || dots === '..') return 'dot segment in the path';
  }
  return undefined;
}

/**
 * The base of URLs the mock hands out (media_url, bill files, OpenAPI servers): `baseUrl`, else the
 * address and port the request arrived on — never the request's Host header, which any client (or a
 * DNS-rebinding page) chooses. In process (app.request, no socket): http://localhost.
 */
export function baseUrlOf(c: Context, options: ResolvedOptions): string {
  if (options.baseUrl) return options.baseUrl.replace(/\/$/, '');
  const socket = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket;
  if (!socket?.localAddress || !socket.localPort) return 'http://localhost';
  const address = socket.localAddress.replace(/^::ffff:(?=\d+\.)/, '');
  return `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}`;
}

/**
 * `ctx.baseUrl`, parsed only by the few handlers that hand out URLs (media, bill files). A getter on
 * a class prototype, never one written in the per-request ctx literal: V8 gives each object literal
 * whose getter is a fresh closure a hidden class of its own, allocated in old space and holding that
 * closure, hence the whole request (Hono context, IncomingMessage, findings), until the next full GC.
 * Under load that promoted ≈1 MB per scavenge, made scavenges 5-20 ms instead of ≈1 ms and was the
 * mock's p99 (scripts/bench.ts (c)).
 */
class LazyBaseUrl {
  readonly #c: Context;
  readonly #options: ResolvedOptions;
  constructor(c: Context, options: ResolvedOptions) {
    this.#c = c;
    this.#options = options;
  }
  get baseUrl(): string {
    return baseUrlOf(this.#c, this.#options);
  }
}

/** Reads the body, refusing more than `limit` bytes without buffering them. */
async function readBody(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw bodyTooLarge(limit);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    // The client went away mid-body: nothing to answer, but journal it as its fault, not a 500.
    const { done, value } = await reader.read().catch(() => {
      throw bodyIncomplete();
    });
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(limit);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, size);
}

// Our choice: the real limit and wording are not documented; 400 INVALID_REQUEST is the documented
// code for requests that break the format rules.
const bodyTooLarge = (limit: number) => new ApiError('INVALID_REQUEST', `请求体超过大小限制（${limit}字节）`);
const bodyIncomplete = () => new ApiError('INVALID_REQUEST', '请求体不完整，连接已中断');

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeJson(raw: Buffer, contentType: string | null): unknown {
  if (!contentType || !/^application\/json\b/i.test(contentType.trim())) {
    throw new ApiError('INVALID_REQUEST', 'Content-Type不正确，请使用application/json', {
      field: 'Content-Type',
      value: contentType ?? null,
      issue: 'content type must be application/json',
      location: 'header',
    });
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ApiError('INVALID_REQUEST', '请求体不是合法的UTF-8编码', {
      field: '',
      value: null,
      issue: 'body is not valid UTF-8',
      location: 'body',
    });
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('INVALID_REQUEST', '请求体不是合法的JSON格式', {
      field: '',
      value: null,
      issue: (err as Error).message,
      location: 'body',
    });
  }
}

export function queryObject(target: string): Record<string, string> {
  const q = target.indexOf('?');
  const out: Record<string, string> = {};
  if (q === -1) return out;
  for (const [k, v] of new URLSearchParams(target.slice(q + 1))) if (!(k in out)) out[k] = v;
  return out;
}

/**
 * Query parameters the contract marks `"x-json": true` arrive as (URL-encoded) JSON text, e.g. the
 * partnerships list's `authorized_data={"business_type":"FAVOR_STOCK"}`; the schema describes the
 * decoded value. Text that is not JSON stays a string, so the schema's `type: object` refuses it as a
 * PARAM_ERROR naming the parameter (location query) — no second error path.
 */
export function decodeJsonQuery(op: CompiledOperation, query: Record<string, unknown>): void {
  const props = (op.contract.request.query?.properties ?? {}) as Record<string, { 'x-json'?: boolean }>;
  for (const [name, schema] of Object.entries(props)) {
    if (!schema['x-json'] || typeof query[name] !== 'string') continue;
    try {
      query[name] = JSON.parse(query[name] as string);
    } catch {
      // left as text: not convertible to the declared object
    }
  }
}

const UNDECLARED = '请求中含有未在API文档中定义的参数';

/** Ours: a body with thousands of undeclared fields names the first 100 (the real limit is not documented). */
const UNDECLARED_LISTED = 100;
/** The real envelope for undeclared fields: pointers under /body, location null (api-reference.md §1.1). */
const undeclaredError = (pointers: string[]) =>
  new ApiError('PARAM_ERROR', UNDECLARED, { location: null, value: pointers.slice(0, UNDECLARED_LISTED).map((p) => `/body${p}`) });

/**
 * An operation the docs give no body (paygift terminate). The SDKs send none and sign an empty body
 * line; the signature is always checked over the bytes as sent. A body sent anyway is read like any
 * JSON body: `{}` means nothing and passes, a field in it is undeclared (the real envelope), anything
 * but an object is the wrong type — so a client's stray body is refused the way any endpoint refuses it.
 */
function noBody(raw: Buffer, contentType: string | null, findings: Finding[]): undefined {
  if (raw.length === 0) return undefined;
  const body = decodeJson(raw, contentType);
  if (body === undefined) return undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const detail = { field: '', value: echo(body), issue: 'must be object', location: 'body' };
    const message = '无法将传入参数“请求体”转换为object类型。';
    findings.push({
      kind: 'contract',
      location: 'body',
      field: '',
      value: detail.value,
      issue: 'the operation takes no body; a body sent anyway must be an object',
      message,
      detail,
    });
    throw new ApiError('PARAM_ERROR', message, detail);
  }
  const pointers = Object.keys(body).map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  if (!pointers.length) return undefined;
  const error = undeclaredError(pointers);
  for (const field of pointers)
    findings.push({
      kind: 'contract',
      location: 'body',
      field,
      value: echo(valueAt(body, field)),
      issue: 'the operation takes no body',
      message: UNDECLARED,
      detail: error.detail,
    });
  throw error;
}

/** Validates one part of the request; a failure is journaled (field, value sent, issue) and thrown as the real PARAM_ERROR. */
export function check(validate: ValidateFunction | undefined, data: unknown, location: Location, findings: Finding[]): void {
  if (!validate || validate(data)) return;
  const errors = validate.errors ?? [];
  const undeclared = errors.filter((e) => e.keyword === 'additionalProperties');
  if (location === 'body' && undeclared.length > 0) {
    const pointers = undeclared.map((e) => `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}`);
    const error = undeclaredError(pointers);
    // One finding per field named in the reply (the first 100), not per field sent: 30,000 would cost seconds.
    for (const field of pointers.slice(0, UNDECLARED_LISTED))
      findings.push({
        kind: 'contract',
        location: 'body',
        field,
        value: echo(valueAt(data, field)),
        issue: 'field not declared in the contract',
        message: UNDECLARED,
        detail: error.detail,
      });
    throw error;
  }
  const finding = describe(firstError(errors.filter((e) => e.keyword !== 'additionalProperties')), location, data, validate.schema);
  const detail = { field: finding.field, value: finding.value, issue: finding.issue, location: finding.location };
  findings.push({
    kind: 'contract',
    location: finding.location,
    field: finding.field,
    value: finding.value,
    issue: finding.issue,
    message: finding.message,
    detail,
  });
  throw new ApiError('PARAM_ERROR', finding.message, detail);
}

/** Concrete pointers of the `x-not-open` fields present in `body` (`*` expanded over arrays). */
function notOpenPresent(fields: NotOpenField[], body: unknown): { pointer: string; value: unknown; note: string }[] {
  const out: { pointer: string; value: unknown; note: string }[] = [];
  const walk = (node: unknown, rest: string[], path: string, note: string) => {
    if (node === undefined) return;
    if (!rest.length) return void out.push({ pointer: path, value: echo(node), note });
    const [head, ...tail] = rest;
    if (head === '*') {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, tail, `${path}/${i}`, note));
    } else if (node && typeof node === 'object' && !Array.isArray(node)) walk(valueAt(node, `/${head}`), tail, `${path}/${head}`, note);
  };
  for (const f of fields) walk(body, f.pointer.split('/').slice(1), '', f.note);
  return out;
}

/**
 * Fields the contract marks `x-not-open`: the real API accepts them, so the mock does too and notes
 * them; `strictContracts` refuses them with the undeclared-field error (the same envelope and text).
 */
function checkNotOpen(op: CompiledOperation, body: unknown, strict: boolean, findings: Finding[]): void {
  if (!op.notOpen.length) return;
  const present = notOpenPresent(op.notOpen, body);
  if (!present.length) return;
  const error = strict ? undeclaredError(present.map((p) => p.pointer)) : undefined;
  for (const p of present) {
    findings.push(
      strict
        ? {
            kind: 'contract',
            location: 'body',
            field: p.pointer,
            value: p.value,
            issue: `field not open for this endpoint (x-not-open: ${p.note}); refused in strict mode`,
            message: UNDECLARED,
            detail: error!.detail,
          }
        : {
            kind: 'not-open',
            location: 'body',
            field: p.pointer,
            value: p.value,
            issue: `field not open for this endpoint (x-not-open: ${p.note}); accepted`,
          },
    );
  }
  if (error) throw error;
}

function declaredHeaders(op: CompiledOperation, header: (name: string) => string | null): Record<string, string> {
  const props = (op.contract.request.headers?.properties ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const name of Object.keys(props)) {
    const v = header(name);
    if (v !== null) out[name] = v;
  }
  return out;
}

function undeclaredQuery(op: CompiledOperation, query: Record<string, string>): Finding[] {
  const declared = (op.contract.request.query?.properties ?? {}) as Record<string, unknown>;
  return Object.keys(query)
    .filter((k) => !(k in declared))
    .map((k) => ({
      kind: 'undeclared-query' as const,
      location: 'query',
      field: k,
      value: query[k],
      issue: 'query parameter not in the contract (ignored)',
    }));
}

/** A request's parts as the contract checks read them; `body` absent: it could not be read, so it is not checked. */
export interface RequestParts {
  target: string;
  params: Record<string, string>;
  header: (name: string) => string | null;
  body?: { value: unknown };
}

/**
 * The contract checks of a request, in one order for the mock and the validating proxy: ignored
 * query parameters noted, `x-json` parameters decoded, then path, query, headers, body, `x-not-open`
 * fields. Each check journals its refusal before throwing it; `run` decides what a refusal does: by
 * default it escapes (the mock answers the first), the proxy's inspector goes on to the next location.
 * Returns the query (decoded) and the declared headers, as the handler sees them.
 */
export function checkRequest(
  op: CompiledOperation,
  parts: RequestParts,
  strict: boolean,
  findings: Finding[],
  run: (check: () => void) => void = (step) => step(),
): { query: Record<string, unknown>; headers: Record<string, string> } {
  const query: Record<string, unknown> = queryObject(parts.target);
  const headers = declaredHeaders(op, parts.header);
  findings.push(...undeclaredQuery(op, query as Record<string, string>));
  decodeJsonQuery(op, query);
  run(() => check(op.validatePath, parts.params, 'url', findings));
  run(() => {
    try {
      check(op.validateQuery, query, 'query', findings);
    } catch (err) {
      addRawPlusHint(parts.target, findings);
      throw err;
    }
  });
  run(() => check(op.validateHeaders, headers, 'header', findings));
  if (parts.body) {
    const body = parts.body.value;
    run(() => check(op.validateBody, body, 'body', findings));
    run(() => checkNotOpen(op, body, strict, findings));
  }
  return { query, headers };
}

export function errorResponse(err: unknown, requestId: string): { response: Response; error: ApiError } {
  const error = err instanceof ApiError ? err : new ApiError('SYSTEM_ERROR', '系统错误');
  // A failed commit is not a bug: it was rolled back and answered 500; the journal and the log show it.
  if (!(err instanceof ApiError) && !(err instanceof CommitFailedError)) console.error('[wxpay-mock] unexpected error:', err);
  return { response: jsonResponse(error.status, error.toEnvelope(), { 'Request-ID': requestId }), error };
}

export function operationRoute(op: CompiledOperation, handler: Handler, env: PipelineEnv) {
  const { world, store, clock, journal, options } = env;
  const contract = op.contract;
  const hasBody = !!contract.request.body;
  // Multipart uploads (protocol/multipart.ts): larger read limit, the signature covers the `meta` part.
  const multipart = contract.request.bodyEncoding === 'multipart';

  return async (c: Context): Promise<Response> => {
    const started = performance.now();
    const requestId = newRequestId();
    const target = rawTarget(c);
    const req = c.req.raw;
    const header = (name: string) => requestHeader(c, name);
    const findings: Finding[] = [];
    let caller: VerifiedCaller | undefined;
    let response: Response;
    let failure: ApiError | undefined;
    let fault: RequestFault = NO_FAULT;
    // Until the handler runs, a refusal is about the request's form: journaled as a protocol finding
    // unless the signature or contract check already said why.
    let inHandler = false;

    try {
      const missing = options.relaxHeaders ? undefined : headersProblem(header);
      if (missing) throw new ApiError('INVALID_REQUEST', missing);
      const raw =
        req.method === 'GET' || req.method === 'HEAD'
          ? Buffer.alloc(0)
          : await readBody(req, multipart ? multipartBodyLimit(options.bodyLimit) : options.bodyLimit);
      const upload = multipart ? readUpload(raw, header('content-type')) : undefined;
      try {
        caller = await verifyRequest(
          world,
          {
            method: req.method,
            target,
            authorization: header('authorization') ?? undefined,
            signedBody: upload?.signedBody ?? raw,
            host: header('host') ?? undefined,
          },
          Math.floor(Date.now() / 1000),
        );
      } catch (err) {
        const reported = uploadFailureFirst(upload, err);
        if (reported === err && err instanceof ApiError) findings.push(signatureFinding(err));
        throw reported;
      }
      findings.push(...caller.notes);
      if (upload?.ok && upload.notes) findings.push(...upload.notes);
      if (upload && !upload.ok) throw upload.error;

      const body = upload
        ? decodeMeta(upload.upload)
        : hasBody
          ? decodeJson(raw, header('content-type'))
          : noBody(raw, header('content-type'), findings);
      const params = c.req.param() as Record<string, string>;
      const { query, headers } = checkRequest(op, { target, params, header, body: { value: body } }, options.strictContracts, findings);
      // A fault is decided once the request would reach its handler (faults/request.ts: where each acts).
      fault =
        env.faults?.forRequest({
          contract,
          mchid: caller.auth.mchid,
          method: req.method,
          target,
          header: options.allowFaultHeader ? header(FAULT_HEADER.toLowerCase()) : null,
        }) ?? NO_FAULT;

      inHandler = true;
      await fault.beforeHandler();
      // The handler's reads and writes are one transaction; the reply waits until it is durable. On a
      // shared store (PostgreSQL replicas) a write runs holding the world's lock, on the latest state,
      // and a read first catches up with the other replicas; both after any injected latency, so a
      // fault never holds the lock.
      const tx = await store.begin({ write: req.method !== 'GET' });
      const fields: Omit<OperationContext, 'baseUrl'> = {
        operationId: contract.operationId,
        caller: caller.merchant,
        mchid: caller.auth.mchid,
        params,
        query,
        headers,
        body,
        upload: upload?.upload,
        world,
        clock,
        options,
        requestSerial: header('wechatpay-serial') ?? undefined,
        receivedAt: started,
        clientAddress: (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress ?? 'in-process',
        data: store.data,
        merchantState: (mchid) => store.data.merchants[mchid],
        blobs: store.blobs,
        mutate: (change) => tx.mutate(change),
      };
      const ctx: OperationContext = Object.assign(new LazyBaseUrl(c, options), fields);
      let result: OperationResult;
      try {
        result = await handler(ctx);
      } catch (err) {
        tx.rollback();
        throw err;
      }
      await tx.commit();
      fault.afterCommit();
      response = await reply(op, result, ctx, requestId, findings, options);
    } catch (err) {
      ({ response, error: failure } = errorResponse(err, requestId));
      if (!inHandler && !findings.some((f) => f.kind === 'signature' || f.kind === 'contract')) {
        findings.push({
          kind: 'protocol',
          issue: failure.message,
          message: failure.message,
          ...(failure.detail === undefined ? {} : { detail: failure.detail }),
        });
      }
    }

    response = await fault.reply(response, c.env);
    journal.add({
      time: new Date().toISOString(),
      virtual_time: rfc3339(clock.nowMs(), { millis: true }),
      request_id: requestId,
      method: req.method,
      target,
      operation_id: contract.operationId,
      mchid: caller?.auth.mchid ?? null,
      status: response.status,
      code: failure?.code ?? null,
      message: failure?.message ?? null,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      findings,
      ...fault.journal(),
    });
    return response;
  };
}

async function reply(
  op: CompiledOperation,
  result: OperationResult,
  ctx: OperationContext,
  requestId: string,
  findings: Finding[],
  options: ResolvedOptions,
): Promise<Response> {
  if (result.file) {
    return new Response(new Uint8Array(result.file.data), {
      status: 200,
      headers: { 'Content-Type': result.file.contentType, 'Request-ID': requestId },
    });
  }
  const status = result.status ?? 200;
  const text = status === 204 ? '' : JSON.stringify(result.body);
  if (options.validateResponses) {
    const validate = op.validateResponse.get(status);
    if (!validate)
      throw new ApiError('SYSTEM_ERROR', `wxpay-mock: ${op.contract.operationId} answered ${status}, which its contract does not declare`);
    if (status !== 204 && !validate(JSON.parse(text))) {
      findings.push({ kind: 'response-contract', issue: 'reply does not match its contract', detail: validate.errors });
      throw new ApiError('SYSTEM_ERROR', `wxpay-mock: the ${op.contract.operationId} reply breaks its contract`, validate.errors);
    }
  }
  const headers: Record<string, string> = { 'Request-ID': requestId };
  if (!op.contract.unsignedReply) {
    Object.assign(
      headers,
      await signatureHeaders(text, chooseSigningKey(ctx.world.platform, ctx.requestSerial, ctx.caller, result.signWith)),
    );
  }
  if (status === 204) return new Response(null, { status, headers });
  return new Response(text, { status, headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers } });
}
