/**
 * One request through one operation, as named stages (docs/architecture.md has the picture):
 *
 *   target (app.ts, before routing) → headers → body → signature → contract → handler (one
 *   transaction) → commit → sign → journal
 *
 * The stages before the handler return what they found as data (findings, and a refusal when they
 * refuse); the mock answers the first refusal, the validating proxy runs the same checks
 * (request-checks.ts) and keeps every finding. Every failure becomes the documented envelope: nothing
 * lets an exception escape as a 500 without it, and a refused request never reaches `mutate`.
 */
import type { Context } from 'hono';
import type { Clock } from './clock.js';
import type { CompiledOperation } from './contract/registry.js';
import { ApiError } from './errors.js';
import { FAULT_HEADER, NO_FAULT, type FaultSet, type RequestFault } from './faults/index.js';
import { baseUrlOf, incomingOf, JSON_CONTENT_TYPE, jsonResponse, rawTarget, readBody, requestHeader } from './http.js';
import type { Finding, Journal } from './journal.js';
import type { AnyOperationContext, Handler, OperationContext, OperationResult } from './operations/types.js';
import type { ResolvedOptions } from './options.js';
import { decodeMeta, multipartBodyLimit, readUpload, uploadFailureFirst, type UploadReading } from './protocol/multipart.js';
import type { SignedFor } from './protocol/rsa.js';
import { chooseSigningKey, newRequestId, signatureHeaders } from './protocol/sign-response.js';
import { signatureFinding, verifyRequest, type VerifiedCaller } from './protocol/verify-request.js';
import { checkNoBody, checkRequest, decodeJson, headersProblem } from './request-checks.js';
import type { MerchantState, MockData } from './store/state.js';
import { CommitFailedError, type Store, type Transaction } from './store/store.js';
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

/** The request id of this exchange (hono/request-id in app.ts), or a fresh one outside the app. */
export function requestIdOf(c: Context): string {
  return (c.get('requestId') as string | undefined) ?? newRequestId();
}

export function errorResponse(err: unknown, requestId: string): { response: Response; error: ApiError } {
  const error = err instanceof ApiError ? err : new ApiError('SYSTEM_ERROR', '系统错误');
  // A failed commit is not a bug: it was rolled back and answered 500; the journal and the log show it.
  if (!(err instanceof ApiError) && !(err instanceof CommitFailedError)) console.error('[wxpay-mock] unexpected error:', err);
  return { response: jsonResponse(error.status, error.toEnvelope(), { 'Request-ID': requestId }), error };
}

/**
 * What a handler gets (`OperationContext`), as a class: one hidden class for every request, the
 * transaction's methods on the prototype, and `baseUrl` a getter parsed only by the few handlers that
 * hand out URLs (media, bill files). Not an object literal with closures per request: V8 gives each
 * literal whose getter is a fresh closure a hidden class of its own, allocated in old space and holding
 * that closure, hence the whole request, until the next full GC (under load that made scavenges 5-20 ms
 * and was the mock's p99, scripts/bench.ts (c)); and Object.assign of 17 fields onto an instance cost
 * ≈ 2 µs per request.
 */
class RequestContext implements AnyOperationContext {
  readonly #c: Context;
  readonly #tx: Transaction<MockData>;
  readonly #reading: boolean;
  readonly #store: Store;
  readonly data: MockData;
  readonly blobs: AnyOperationContext['blobs'];
  readonly world: World;
  readonly clock: Clock;
  readonly options: ResolvedOptions;
  readonly operationId: string;
  readonly caller: AnyOperationContext['caller'];
  readonly mchid: string;
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  readonly upload: AnyOperationContext['upload'];
  readonly requestSerial: string | undefined;
  readonly receivedAt: number;
  readonly clientAddress: string;

  constructor(
    c: Context,
    env: PipelineEnv,
    tx: Transaction<MockData>,
    reading: boolean,
    operationId: string,
    params: Record<string, string>,
    admitted: Admitted,
    requestSerial: string | undefined,
    receivedAt: number,
  ) {
    this.#c = c;
    this.#tx = tx;
    const { store } = env;
    // A read (GET, HEAD) sees the state through a tracking view: its reply then waits only for the pending
    // writes it touched, not for every write in flight (store/tracker.ts ReadTracker).
    this.#reading = reading;
    this.#store = store;
    this.data = reading ? tx.reads : store.data;
    this.blobs = store.blobs;
    this.world = env.world;
    this.clock = env.clock;
    this.options = env.options;
    this.operationId = operationId;
    this.caller = admitted.caller.merchant;
    this.mchid = admitted.caller.auth.mchid;
    this.params = params;
    this.query = admitted.query;
    this.headers = admitted.headers;
    this.body = admitted.body;
    this.upload = admitted.upload?.ok ? admitted.upload.upload : undefined;
    this.requestSerial = requestSerial;
    this.receivedAt = receivedAt;
    this.clientAddress = incomingOf(c)?.socket?.remoteAddress ?? 'in-process';
  }

  get baseUrl(): string {
    return baseUrlOf(this.#c, this.options);
  }

  merchantState(mchid: string): MerchantState {
    return (this.#reading ? this.#tx.reads : this.#store.data).merchants[mchid];
  }

  mutate<T>(change: (data: MockData) => T): T {
    return this.#tx.mutate(change);
  }
}

// ---------------------------------------------------------------------------------------------------
// The stages before the handler: each returns its findings and its refusal, if any, as data.

/** A stage's outcome: `value` when it passed; `refusal` when it refused; `findings` either way. */
type Outcome<T> = { findings: Finding[]; value: T; refusal?: undefined } | { findings: Finding[]; refusal: ApiError };

const NONE: Finding[] = [];
const refused = (refusal: ApiError, findings: Finding[] = NONE): Outcome<never> => ({ findings, refusal });

/** headers: Accept and User-Agent, which the real API requires (unless the fidelity check `headers` is `optional`). */
function headersStage(header: (name: string) => string | null, options: ResolvedOptions): ApiError | undefined {
  const missing = options.checks.headers === 'optional' ? undefined : headersProblem(header);
  return missing ? new ApiError('INVALID_REQUEST', missing) : undefined;
}

// Our choice: the real limit and wording are not documented; 400 INVALID_REQUEST is the documented
// code for requests that break the format rules.
const bodyTooLarge = (limit: number) => new ApiError('INVALID_REQUEST', `请求体超过大小限制（${limit}字节）`);
const bodyIncomplete = () => new ApiError('INVALID_REQUEST', '请求体不完整，连接已中断');
const EMPTY = Buffer.alloc(0);

/**
 * body: the raw bytes, at most `limit`. Not hono/body-limit: its refusal is a response of its own
 * made before the pipeline runs, so it would come before the headers stage, outside the journal entry
 * of the operation, and with one limit per route where multipart uploads need their own; and it reads
 * `c.req.raw.headers` and `.body`, which on @hono/node-server build the Fetch Request that
 * `requestHeader` avoids building, on every request, GETs included.
 */
function bodyStage(c: Context, limit: number): Buffer | Promise<Buffer | ApiError> {
  // A GET's or HEAD's body is not read (nor waited for: no promise per request).
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return EMPTY;
  return readBodyStage(c, limit);
}

async function readBodyStage(c: Context, limit: number): Promise<Buffer | ApiError> {
  const reading = await readBody(c, limit);
  return reading.ok ? reading.raw : reading.problem === 'too-large' ? bodyTooLarge(limit) : bodyIncomplete();
}

/**
 * signature: over the raw target and bytes (for an upload, the `meta` part); an upload that could not
 * be read is reported before a mismatch it explains (protocol/multipart.ts uploadFailureFirst).
 */
function signatureStage(
  world: World,
  method: string,
  target: string,
  header: (name: string) => string | null,
  raw: Buffer,
  upload: UploadReading | undefined,
): Outcome<VerifiedCaller> {
  let caller: VerifiedCaller;
  try {
    caller = verifyRequest(
      world,
      {
        method,
        target,
        authorization: header('authorization') ?? undefined,
        signedBody: upload?.signedBody ?? raw,
        host: header('host') ?? undefined,
      },
      Math.floor(Date.now() / 1000),
    );
  } catch (err) {
    const reported = uploadFailureFirst(upload, err);
    if (!(reported instanceof ApiError)) throw reported;
    return refused(reported, reported === err ? [signatureFinding(reported)] : NONE);
  }
  if (upload && !upload.ok) return refused(upload.error, caller.notes);
  return { findings: upload?.notes ? [...caller.notes, ...upload.notes] : caller.notes, value: caller };
}

/** decode: the body as the contract describes it (JSON, an upload's `meta`, or none). */
function decodeStage(op: CompiledOperation, raw: Buffer, upload: UploadReading | undefined, contentType: string | null): Outcome<unknown> {
  try {
    if (upload?.ok) return { findings: NONE, value: decodeMeta(upload.upload) };
    if (op.contract.request.body) return { findings: NONE, value: decodeJson(raw, contentType) };
    const verdict = checkNoBody(raw, contentType);
    return verdict.refusal ? refused(verdict.refusal, verdict.findings) : { findings: verdict.findings, value: undefined };
  } catch (err) {
    if (err instanceof ApiError) return refused(err);
    throw err;
  }
}

/** What the handler gets of an admitted request. */
interface Admitted {
  caller: VerifiedCaller;
  body: unknown;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  upload: UploadReading | undefined;
}

/** The outcome of the stages before the handler; `caller` once the signature passed (journaled). */
type Admission = { refusal: ApiError; caller?: VerifiedCaller } | { refusal?: undefined; caller: VerifiedCaller; admitted: Admitted };

/**
 * headers → body: the raw bytes, or the refusal. A promise only while a body is being read: a GET goes
 * on in the same turn (an await of a value that is already there is still a turn of the microtask
 * queue, and the event loop's time per signed GET is what bounds its throughput on two cores,
 * scripts/bench.ts).
 */
function readRequest(
  op: CompiledOperation,
  env: PipelineEnv,
  c: Context,
  header: (name: string) => string | null,
): Buffer | ApiError | Promise<Buffer | ApiError> {
  const headersRefusal = headersStage(header, env.options);
  if (headersRefusal) return headersRefusal;
  const multipart = op.contract.request.bodyEncoding === 'multipart';
  return bodyStage(c, multipart ? multipartBodyLimit(env.options.bodyLimit) : env.options.bodyLimit);
}

/** signature → decode → contract over the raw body, until the first refusal; findings into `findings`. */
function admit(
  op: CompiledOperation,
  env: PipelineEnv,
  c: Context,
  target: string,
  params: Record<string, string>,
  header: (name: string) => string | null,
  findings: Finding[],
  raw: Buffer,
): Admission {
  // Multipart uploads (protocol/multipart.ts): the signature covers the `meta` part.
  const upload = op.contract.request.bodyEncoding === 'multipart' ? readUpload(raw, header('content-type')) : undefined;
  const signature = signatureStage(env.world, c.req.method, target, header, raw, upload);
  if (signature.findings.length) findings.push(...signature.findings);
  if (signature.refusal) return { refusal: signature.refusal };
  const caller = signature.value;
  const decoded = decodeStage(op, raw, upload, header('content-type'));
  if (decoded.findings.length) findings.push(...decoded.findings);
  if (decoded.refusal) return { refusal: decoded.refusal, caller };
  const body = decoded.value;
  const contract = checkRequest(op, { target, params, header, body: { value: body } }, env.options.checks.notOpenFields === 'refuse');
  if (contract.findings.length) findings.push(...contract.findings);
  if (contract.refusal) return { refusal: contract.refusal, caller };
  return { caller, admitted: { caller, body, query: contract.query, headers: contract.headers, upload } };
}

/**
 * A refusal before the handler is about the request's form: journaled as a protocol finding unless
 * the signature or contract check already said why.
 */
function protocolFinding(findings: Finding[], failure: ApiError): void {
  if (findings.some((f) => f.kind === 'signature' || f.kind === 'contract')) return;
  findings.push({
    kind: 'protocol',
    issue: failure.message,
    message: failure.message,
    ...(failure.detail === undefined ? {} : { detail: failure.detail }),
  });
}

// ---------------------------------------------------------------------------------------------------
// The route: the stages in order, the handler in a transaction, the signed reply, the journal entry.

/**
 * A lone reader: a client reading on one connection (a test looking at a coupon while a load runs),
 * whose reads do not queue behind writes' signatures (`signAsync`, protocol/rsa.ts). Counted here:
 * the GETs between their arrival at an operation's route and their signed reply, in this process; the
 * connection of the last one and how many came on it in a row. Reads that come on many connections
 * are a load of their own, and share the pool with the writes.
 */
let readsOpen = 0;
let lastReadSocket: object | undefined;
let readsOnLastSocket = 0;
/** Reads in a row on one connection before it counts as a lone reader's. */
const LONE_READER_STREAK = 8;

/** The handler of one operation; `params` are the path parameters the route matcher decoded. */
export function operationRoute(op: CompiledOperation, handler: Handler, env: PipelineEnv) {
  const { store, clock, journal, options } = env;
  const contract = op.contract;

  return async (c: Context, params: Record<string, string>): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(c);
    const target = rawTarget(c);
    const req = c.req.raw;
    // A HEAD runs its GET operation (app.ts routes it so; Hono drops the body): a read too.
    const reading = req.method === 'GET' || req.method === 'HEAD';
    if (reading) {
      readsOpen++;
      const socket = incomingOf(c)?.socket;
      if (socket && socket === lastReadSocket) readsOnLastSocket++;
      else {
        lastReadSocket = socket;
        readsOnLastSocket = 1;
      }
    }
    const header = (name: string) => requestHeader(c, name);
    const findings: Finding[] = [];
    let caller: VerifiedCaller | undefined;
    let response: Response;
    let failure: ApiError | undefined;
    let fault: RequestFault = NO_FAULT;
    let admitted: Admitted | undefined;

    try {
      const read = readRequest(op, env, c, header);
      const raw = read instanceof Promise ? await read : read;
      if (raw instanceof ApiError) throw raw;
      const admission = admit(op, env, c, target, params, header, findings, raw);
      caller = admission.caller;
      if (admission.refusal) throw admission.refusal;
      // A fault is decided once the request would reach its handler (faults/request.ts: where each acts).
      fault =
        env.faults?.forRequest({
          contract,
          mchid: admission.caller.auth.mchid,
          method: req.method,
          target,
          header: options.allowFaultHeader ? header(FAULT_HEADER.toLowerCase()) : null,
        }) ?? NO_FAULT;
      admitted = admission.admitted;
    } catch (err) {
      ({ response, error: failure } = errorResponse(err, requestId));
      protocolFinding(findings, failure);
    }

    if (admitted) {
      try {
        // Awaited only when a fault made it a promise: an await is a turn of the microtask queue.
        const delayed = fault.beforeHandler();
        if (delayed) await delayed;
        // handler: its reads and writes are one transaction; the reply waits until it is durable. On a
        // shared store (PostgreSQL replicas) a write runs holding the world's lock, on the latest state,
        // and a read first catches up with the other replicas; both after any injected latency, so a
        // fault never holds the lock.
        const begun = store.begin({ write: !reading });
        const tx = begun instanceof Promise ? await begun : begun;
        const ctx: OperationContext = new RequestContext(
          c,
          env,
          tx,
          reading,
          contract.operationId,
          params,
          admitted,
          header('wechatpay-serial') ?? undefined,
          started,
        );
        let result: OperationResult;
        try {
          const handled = handler(ctx);
          result = handled instanceof Promise ? await handled : handled;
        } catch (err) {
          tx.rollback();
          throw err;
        }
        // commit
        await tx.commit();
        fault.afterCommit();
        const signedFor = !reading ? 'write' : readsOpen === 1 && readsOnLastSocket > LONE_READER_STREAK ? 'lone read' : 'read';
        const signing = signStage(op, result, ctx, signedFor, requestId, findings, options);
        response = signing instanceof Response ? signing : await signing;
      } catch (err) {
        ({ response, error: failure } = errorResponse(err, requestId));
      }
    }
    if (reading) readsOpen--;

    const replied = fault.reply(response!, c.env);
    response = replied instanceof Response ? replied : await replied;
    journal.add({
      at: Date.now(),
      virtual_at: clock.nowMs(),
      request_id: requestId,
      method: req.method,
      target,
      operation_id: contract.operationId,
      // The world's string (the same text): the Authorization header's would be one more kept per entry.
      mchid: caller?.merchant.merchant.mchid ?? null,
      status: response.status,
      code: failure?.code ?? null,
      message: failure?.message ?? null,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      findings,
      fault: fault.journal(),
    });
    return response;
  };
}

/** sign: the reply checked against its contract (validateResponses), then signed unless the contract says it is not. */
function signStage(
  op: CompiledOperation,
  result: OperationResult,
  ctx: OperationContext,
  signedFor: SignedFor,
  requestId: string,
  findings: Finding[],
  options: ResolvedOptions,
): Response | Promise<Response> {
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
  // Built in the order sent (Content-Type, Request-ID, the signature) rather than spread into another object.
  const headers: Record<string, string> =
    status === 204 ? { 'Request-ID': requestId } : { 'Content-Type': JSON_CONTENT_TYPE, 'Request-ID': requestId };
  const body = status === 204 ? null : text;
  if (op.contract.unsignedReply) return new Response(body, { status, headers });
  const signer = chooseSigningKey(ctx.world.platform, ctx.requestSerial, ctx.caller, result.signWith);
  return signatureHeaders(text, signer, { signedFor }).then(
    (signature) => new Response(body, { status, headers: Object.assign(headers, signature) }),
  );
}
