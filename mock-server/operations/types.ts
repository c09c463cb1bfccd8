/**
 * Handlers are plain functions keyed by operation id (the Firebase Auth emulator's shape): they get
 * validated, typed input and the state, check business rules with `assert`, mutate through
 * `ctx.mutate` only after every check passed, and return the reply body.
 */
import type { Clock } from '../clock.js';
import type { MockData, MerchantState } from '../store/state.js';
import type { MerchantKeys, VerificationMode, World } from '../world.js';
import type { ResolvedOptions } from '../options.js';
import type { Operations } from '../contract/generated/operations.js';

/** Every contract's `operationId` (generated from contracts/ by `npm run types`). */
export type OperationId = keyof Operations;
/** An operation's validated input: `params` (path), `query` (coerced to the declared types), `body`. */
export type Request<K extends OperationId> = Pick<Operations[K], 'params' | 'query' | 'body'>;
/** An operation's 200 reply body (undefined for 204 and file replies). */
export type Reply<K extends OperationId> = Operations[K]['reply'];

/**
 * What a handler gets. `OperationContext<'favor.createStock'>` has the input as that operation's
 * contract declares it (the pipeline validated it); plain `OperationContext` is any operation's, for
 * helpers shared by several handlers (they narrow with e.g. `OperationContext & { params: { stock_id: string } }`).
 */
export type OperationContext<K extends OperationId | undefined = undefined> = K extends OperationId ? TypedContext<K> : AnyOperationContext;

export interface TypedContext<K extends OperationId> extends AnyOperationContext {
  operationId: K;
  params: Operations[K]['params'];
  query: Operations[K]['query'];
  body: Operations[K]['body'];
}

export interface AnyOperationContext {
  operationId: string;
  caller: MerchantKeys;
  /** The calling merchant's id (from Authorization). */
  mchid: string;
  params: unknown;
  query: unknown;
  /** Declared headers only, lower-case names. */
  headers: Record<string, string>;
  body: unknown;
  /** Multipart uploads only: the parts; `body` is then the `meta` JSON (mock-server/protocol/multipart.ts). */
  upload?: import('../protocol/multipart.js').Upload;
  world: World;
  clock: Clock;
  options: ResolvedOptions;
  /** Base URL of this mock as the client reached it, for URLs the mock hands out. */
  baseUrl: string;
  /** The request's `Wechatpay-Serial`, if any. */
  requestSerial: string | undefined;
  /** `performance.now()` when the request arrived: tells requests in flight together apart from sequential ones. */
  receivedAt: number;
  /** The client's IP address ('in-process' for app.request): per-IP rate limits. */
  clientAddress: string;
  /** Read-only view of the whole state. */
  data: MockData;
  merchantState(mchid: string): MerchantState;
  /** Content-addressed bytes beside the state (uploaded images); durable once `put` resolves. */
  blobs: import('../store/port.js').BlobStore;
  /** Apply a change to the state; it is durable before the reply is sent. */
  mutate<T>(change: (data: MockData) => T): T;
}

export interface OperationResult<Body = unknown> {
  status?: 200 | 204;
  body?: Body;
  /** Sign with this mode unless the request's Wechatpay-Serial names a key (e.g. /v3/certificates). */
  signWith?: VerificationMode;
  /** A file reply (bill download): sent as is, never signed. */
  file?: { contentType: string; data: Buffer };
}

/**
 * `Handler<'favor.createStock'>`: typed input; plain `Handler` is what the pipeline calls. The reply body
 * is not typed yet (the views in operations/<family>/state.ts build `Record<string, unknown>`); the
 * self-check (`validateResponses`) checks it against the contract's reply schema at run time.
 */
export type Handler<K extends OperationId | undefined = undefined> = (
  ctx: OperationContext<K>,
) => OperationResult | Promise<OperationResult>;

/** One family's handlers (operations/<family>/*.ts): `{ … } satisfies FamilyHandlers` types each by its key. */
export type FamilyHandlers = { [K in OperationId]?: Handler<K> };
/** Every operation's handler: a missing or unknown key is a compile error (operations/index.ts). */
export type OperationHandlers = { [K in OperationId]: Handler<K> };
/** The handlers as the pipeline looks them up, by the operation id of a loaded contract. */
export type HandlerRegistry = Record<string, Handler>;

/** What control operations (operations/favor/review.ts, paygift/control.ts) need of the store: reads, and one transaction. */
export interface ControlStateAccess {
  store: { readonly data: MockData; transact<T>(work: (data: MockData) => T): Promise<T> };
  clock: Clock;
}
