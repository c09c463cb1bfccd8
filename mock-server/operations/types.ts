/**
 * Handlers are plain functions keyed by operation id (the Firebase Auth emulator's shape): they get
 * validated, typed input and the state, check business rules with `assert`, mutate through
 * `ctx.mutate` only after every check passed, and return the reply body.
 */
import type { Clock } from '../clock.js';
import type { MockData, MerchantState } from '../store/state.js';
import type { MerchantKeys, VerificationMode, World } from '../world.js';
import type { ResolvedOptions } from '../options.js';

export interface OperationContext<Body = any, Query = any, Params = any> {
  operationId: string;
  caller: MerchantKeys;
  /** The calling merchant's id (from Authorization). */
  mchid: string;
  params: Params;
  query: Query;
  /** Declared headers only, lower-case names. */
  headers: Record<string, string>;
  body: Body;
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

export interface OperationResult {
  status?: 200 | 204;
  body?: unknown;
  /** Sign with this mode unless the request's Wechatpay-Serial names a key (e.g. /v3/certificates). */
  signWith?: VerificationMode;
  /** A file reply (bill download): sent as is, never signed. */
  file?: { contentType: string; data: Buffer };
}

export type Handler = (ctx: OperationContext) => OperationResult | Promise<OperationResult>;

export type HandlerRegistry = Record<string, Handler>;

/** What control operations (operations/favor/review.ts, paygift/control.ts) need of the store: reads, and one transaction. */
export interface ControlStateAccess {
  store: { readonly data: MockData; transact<T>(work: (data: MockData) => T): Promise<T> };
  clock: Clock;
}
