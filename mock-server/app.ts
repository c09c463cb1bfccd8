/**
 * Builds the emulator: world + contracts + handlers + store + clock + journal, wired into a Hono app.
 * Routes come from the contracts; start-up fails loudly when an operation lacks a handler or a
 * handler lacks a contract.
 */
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context, type ErrorHandler } from 'hono';
import { mount } from 'hono/mount';
import { requestId } from 'hono/request-id';
import type { RequestListener } from 'node:http';
import { CallbackDispatcher } from './callbacks/dispatcher.js';
import { MAX_ATTEMPTS } from './callbacks/scheduler.js';
import { loadCallbackSchemas } from './callbacks/schemas.js';
import type { HandlerCheck, HandlerCheckOptions } from './callbacks/handler-check.js';
import type { CallbackReceiver, ReceiverOptions } from './callbacks/receiver.js';
import type { DeliveryFilter, DeliveryHandle, DeliveryRecord, WaitOptions } from './callbacks/types.js';
// The report's model and the operations it covers; its formats (report/format.ts) and the report
// command are not the app's.
import { buildReport, type ContractReport, type ReportOptions } from './report/model.js';
import { operationsOf } from './report/source.js';
import { Clock } from './clock.js';
import { MAX_CLOCK_MS, MIN_CLOCK_MS } from './clock-input.js';
import { loadContracts, type CompiledOperation } from './contract/registry.js';
import { OperationIndex } from './contract/routes.js';
import type { OpenApiDocument } from './contract/openapi.js';
import { controlRoutes } from './control/routes.js';
import { credentialsOf, type Credentials } from './credentials.js';
import type { ApiError } from './errors.js';
import { Journal, type JournalEntry, type JournalFilter } from './journal.js';
import { CallbackChaos, type ChaosEvent, type ChaosRule } from './callbacks/chaos.js';
import { FaultSet, type FaultRule, type RuleStore } from './faults/index.js';
import { createLogger } from './log.js';
import { handlers as defaultHandlers } from './operations/index.js';
import {
  FavorDomain,
  type CouponRefundResult,
  type CouponUsedListener,
  type CouponUseResult,
  type RefundCouponOptions,
  type UseCouponOptions,
} from './operations/favor/redemption.js';
import { MEDIA_PATH, mediaRoutes } from './operations/favor/media.js';
import { reviewStock } from './operations/favor/review.js';
import { withRateLimits } from './operations/rate-limits.js';
import { actOnActivity } from './operations/paygift/control.js';
import type { HandlerRegistry } from './operations/types.js';
import { resolveOptions, type MockOptions, type ResolvedOptions } from './options.js';
import { DASHBOARD_PATH } from './dashboard/routes.js';
import { rawTarget } from './http.js';
import { errorResponse, operationRoute, requestIdOf } from './pipeline.js';
import { badTarget, EMPTY_SEGMENT, targetProblem } from './request-checks.js';
import { newRequestId } from './protocol/sign-response.js';
import { initialData, type MockData } from './store/state.js';
import { applyScenario, type ScenarioResult } from './scenario.js';
import { readSnapshot, restoreSnapshot, takeSnapshot, type Snapshot } from './store/snapshot.js';
import { fileStore, memoryStore, openStore } from './store/store.js';
import { loadWorld, type World } from './world.js';

import { VERSION } from './paths.js';

export { VERSION };

export class StartupError extends Error {}

/**
 * A COUPON.USE delivery, one shape for the control and the programmatic API (useCoupon's `delivery`,
 * deliveries.send and deliveries.replay): the record as the control API answers it (`id`, `state`,
 * `attempts`, …) plus `settled`, the promise of its outcome. `record` (the record again) keeps code
 * written for `{record, settled}` working. Both are non-enumerable: JSON.stringify writes what the
 * control API writes.
 */
export type UseDelivery = DeliveryRecord & DeliveryHandle;

function useDelivery(handle: DeliveryHandle): UseDelivery {
  return Object.defineProperties(structuredClone(handle.record), {
    settled: { value: handle.settled },
    record: { value: handle.record },
  }) as UseDelivery;
}

/**
 * The programmatic API of one mock (startMock's RunningMock adds its address). One way to each thing:
 * a coupon is used with `useCoupon` (the control API and scenarios reach the same domain), a delivery
 * is reached through `deliveries` (list, get, wait, replay, or send a plaintext of your own).
 */
export interface MockApp {
  /** The Hono app: `mock.app.request('/v3/…', init)` runs a request in process. */
  app: Hono;
  /** Shorthand for `app.request`. */
  request: Hono['request'];
  /** A Node request listener (for supertest or your own http.Server). */
  listener: RequestListener;
  world: World;
  clock: Clock;
  credentials: Credentials;
  /** The options as resolved: every default applied; `checks`: the fidelity checks in force. */
  options: ResolvedOptions;
  operations: CompiledOperation[];
  /**
   * COUPON.USE deliveries (retries on the virtual clock, mock-server/callbacks/): `deliveries(filter)`
   * lists the log, `.get(id)`, `.waitFor(id, {attempts?, timeoutMs?})`, `.idle()`, `.replay(id)`,
   * `.send(creatorMchid, plaintext)`.
   */
  deliveries: Deliveries;
  /**
   * Use (核销) a SENDED coupon inside its window: USED with consume_information; emits onCouponUsed.
   * `delivery`: the COUPON.USE sent to the creator's notify URL, `{record, settled}` (null: no URL set).
   */
  useCoupon(couponId: string, options?: UseCouponOptions): Promise<CouponUseResult & { delivery: UseDelivery | null }>;
  /** Refund a USED coupon: back to SENDED, recorded in the stock's refund-flow. */
  refundCoupon(couponId: string, options?: RefundCouponOptions): Promise<CouponRefundResult>;
  /** Listen for used coupons (event: the stock creator and the coupon as COUPON.USE carries it). Returns an unsubscribe function. */
  onCouponUsed(listener: CouponUsedListener): () => void;
  /**
   * Send one COUPON.USE signed `WECHATPAY/SIGNTEST/` to a merchant's notify URL (or `url`): a handler
   * that verifies signatures refuses it. The result (`refused` / `accepted` / `inconclusive`) is in the report.
   */
  checkCallbackHandler(options?: HandlerCheckOptions): Promise<HandlerCheck>;
  /**
   * A notify-URL receiver with this mock's keys (createCallbackReceiver, `credentials` filled in).
   * reset() puts it back as created (nothing received, no queued answers), so `waitFor(n)` counts
   * from the reset; close() closes it.
   */
  createCallbackReceiver(options?: Omit<ReceiverOptions, 'credentials'>): Promise<CallbackReceiver>;
  /**
   * Fault injection (docs/guides/faults.md): rules that break this mock's replies on purpose
   * (`add`, `list`, `get`, `remove`, `clear`), and `callbacks`: chaos for COUPON.USE deliveries, with
   * `log()` of what each handler answered. In memory; reset clears them (back to `--fault` rules).
   */
  faults: RuleStore<FaultRule> & { callbacks: RuleStore<ChaosRule> & { log(filter?: { notification_id?: string }): ChaosEvent[] } };
  /** The contract report: coverage, violations, signature failures, callback deliveries, handler checks (report/). */
  report(options?: ReportOptions): ContractReport;
  /** Back to the fixtures: state, clock and journal (id sequences go on: no id is handed out twice). */
  reset(): Promise<void>;
  /** The whole state as a versioned JSON document, media included (store/snapshot.ts); only durable writes. */
  snapshot(): Promise<Snapshot>;
  /** Replaces the state with a snapshot; a foreign or broken one is refused (SnapshotError) and changes nothing. */
  restore(snapshot: unknown): Promise<void>;
  /** Applies a scenario (scenario.ts: JSON text or value) through the real API; a refused step → ScenarioError naming it. */
  apply(scenario: string | unknown): Promise<ScenarioResult>;
  journal(filter?: JournalFilter): JournalEntry[];
  clearJournal(): void;
  /** Flushes the store. */
  close(): Promise<void>;
}

export interface Deliveries {
  /** The delivery log, newest last, filtered (`coupon_id`, `mchid`, `state`, …). */
  (filter?: DeliveryFilter): DeliveryRecord[];
  get(id: string): DeliveryRecord | undefined;
  /** Resolves when the delivery settles (or has made `attempts` attempts). */
  waitFor(id: string, options?: WaitOptions): Promise<DeliveryRecord>;
  /** Resolves when no delivery is in flight or due. */
  idle(): Promise<void>;
  /** Send notification `id` again (same id, same body), as a new round of up to 9 attempts. */
  replay(id: string, options?: { probe?: boolean }): Promise<UseDelivery>;
  /**
   * Deliver a COUPON.USE of a plaintext of your own (api-reference.md §2.14; no coupon is used) to the
   * creator's notify URL; null when none is set. To use a coupon, call useCoupon: it delivers too.
   */
  send(creatorMchid: string, coupon: unknown, options?: { probe?: boolean }): Promise<UseDelivery | null>;
}

/** Every contract has a handler and every handler a contract, or the mock does not start. */
export function checkRegistry(operations: CompiledOperation[], handlers: HandlerRegistry): void {
  const ids = new Set(operations.map((o) => o.contract.operationId));
  const missing = [...ids].filter((id) => !handlers[id]);
  const orphans = Object.keys(handlers).filter((id) => !ids.has(id));
  const problems = [
    ...missing.map((id) => `operation ${id} (${operations.find((o) => o.contract.operationId === id)!.file}) has no handler`),
    ...orphans.map((id) => `handler ${id} has no contract`),
  ];
  if (problems.length) throw new StartupError(`wxpay-mock cannot start: ${problems.join('; ')}`);
}

function initialState(world: World): MockData {
  return initialData(Object.fromEntries([...world.merchants.values()].map((m) => [m.merchant.mchid, m.merchant.balance])));
}

export async function createApp(input: MockOptions = {}): Promise<MockApp> {
  return appOf(resolveOptions(input));
}

/** createApp with the options already resolved (startMock resolves its own, port and host included). */
export async function appOf(options: ResolvedOptions): Promise<MockApp> {
  const world = await loadWorld({ dir: options.fixturesDir, seed: options.seed });
  // Reply schemas compile at start only when replies are checked; otherwise on first use (start-up time).
  const operations = loadContracts(options.contractsDir, { responses: options.validateResponses ? 'eager' : 'lazy' });
  const registry = options.handlers ?? defaultHandlers;
  checkRegistry(operations, registry);
  // Documented frequencies (operations/rate-limits.ts): the strict profile, or asked for.
  const handlers = options.checks.rateLimits === 'enforce' ? withRateLimits(registry) : registry;

  const initial = () => initialState(world);
  const store = options.store
    ? await openStore(options.store, initial)
    : options.dataFile
      ? await fileStore(options.dataFile, initial)
      : await memoryStore(initial);
  const clock = new Clock({
    read: () => store.data.clock,
    write: (change) => store.transact((data) => change(data.clock)),
  });
  // A clock saved out of range (by a version that did not check it) would break every request: back to real time.
  const savedNow = clock.nowMs();
  if (!(savedNow >= MIN_CLOCK_MS && savedNow <= MAX_CLOCK_MS)) await clock.reset();
  const logger = createLogger(options.log, { write: options.logWrite, color: options.logColor });
  const journal = new Journal({
    capacity: options.journalSize,
    maxBytes: options.journalBytes,
    // Silent: no listener, so the journal does not write out an entry nobody reads.
    onAdd: options.log === 'silent' ? undefined : (e) => logger.request(e),
  });
  const credentials = credentialsOf(world);
  const callbacks = new CallbackDispatcher(
    { store, clock, world, schemas: loadCallbackSchemas(options.contractsDir) },
    { ...options.callbacks, validate: options.validateResponses },
  );
  callbacks.onAttempt((record, attempt) => logger.callback(record, attempt, MAX_ATTEMPTS));
  // Commits of other replicas (a shared store): the clock moved for everybody, deliveries were
  // enqueued, claimed or settled elsewhere, or the world was reset or imported.
  store.onApplied((event) => {
    if (event.replaced) callbacks.reset();
    else if (event.roots.has('callbacks')) callbacks.noticeShared();
    if (event.replaced || event.roots.has('clock')) clock.reloaded();
  });
  const faultRules = new FaultSet({
    platform: world.platform,
    contracts: new Map(operations.map((o) => [o.contract.operationId, o.contract])),
    startup: options.faults,
  });
  const chaos = new CallbackChaos({ dispatcher: callbacks, clock, world, logSize: callbacks.options.logSize });
  const faults: MockApp['faults'] = {
    add: (rule) => faultRules.add(rule),
    addAll: (rules) => faultRules.addAll(rules),
    list: () => faultRules.list(),
    get: (id) => faultRules.get(id),
    remove: (id) => faultRules.remove(id),
    clear: () => faultRules.clear(),
    callbacks: {
      add: (rule) => chaos.add(rule),
      addAll: (rules) => chaos.addAll(rules),
      list: () => chaos.list(),
      get: (id) => chaos.get(id),
      remove: (id) => chaos.remove(id),
      clear: () => chaos.clear(),
      log: (filter) => chaos.log(filter),
    },
  };
  const deliveries: Deliveries = Object.assign((filter?: DeliveryFilter) => callbacks.list(filter), {
    get: (id: string) => callbacks.get(id),
    waitFor: (id: string, o?: WaitOptions) => callbacks.waitFor(id, o),
    idle: () => callbacks.idle(),
    replay: async (id: string, o?: { probe?: boolean }) => useDelivery(await callbacks.replay(id, o)),
    send: async (creatorMchid: string, coupon: unknown, o?: { probe?: boolean }) => {
      const handle = await callbacks.deliverCouponUse(creatorMchid, coupon, o);
      return handle && useDelivery(handle);
    },
  });
  // COUPON.USE outbox: every used coupon (control API, mock.useCoupon, CLI) writes its notification in
  // the use's own transaction; the dispatcher sends it once that is durable.
  const favor = new FavorDomain({
    store,
    clock,
    world,
    notifier: {
      enqueue: (data, creatorMchid, coupon) => callbacks.enqueueCouponUse(data, creatorMchid, coupon),
      start: (record) => callbacks.start(record),
    },
  });
  const useCoupon: MockApp['useCoupon'] = async (couponId, o) => {
    const result = await favor.useCoupon(couponId, o);
    return { ...result, delivery: result.delivery && useDelivery(result.delivery) };
  };
  const refundCoupon: MockApp['refundCoupon'] = (couponId, o) => favor.refundCoupon(couponId, o);

  const receivers = new Set<CallbackReceiver>();
  const reset = async () => {
    for (const receiver of receivers) receiver.reset();
    // Id sequences survive a reset: a stock_id or coupon_id handed out once never comes back (read
    // from the latest state: on a shared store, under the lock, after the other replicas' sends).
    await store.replace((current) => {
      const fresh = initial();
      if (current.sequences) fresh.sequences = { ...current.sequences };
      return fresh;
    });
    await store.blobs.retain(new Set());
    callbacks.reset();
    faultRules.reset();
    chaos.reset();
    clock.reloaded();
    journal.clear();
  };

  const snapshot = () => takeSnapshot(store);
  const restore = async (input: unknown) => {
    const checked = readSnapshot(input, new Set(world.merchants.keys()));
    await restoreSnapshot(store, store.blobs, checked);
    callbacks.reset();
    clock.reloaded();
  };

  const apply = (scenario: string | unknown) =>
    applyScenario(
      {
        world,
        operations,
        request: async (path, init) => app.request(path, init),
        clock,
        useCoupon: (id, o) => favor.useCoupon(id, o),
        refundCoupon: (id, o) => favor.refundCoupon(id, o),
      },
      scenario,
    );

  const report = (o: ReportOptions = {}) =>
    buildReport(
      {
        journal: journal.list(),
        journalDropped: journal.dropped,
        deliveries: callbacks.list(),
        handlerChecks: callbacks.handlerChecks(),
        chaos: chaos.log(),
        operations: operationsOf(operations),
      },
      o,
    );

  const app = new Hono();
  /** An exception no handler answered: the documented envelope (both apps: the front one and the control API's). */
  const answerError: ErrorHandler = (err, c) => errorResponse(err, requestIdOf(c)).response;
  const env = { world, store, clock, journal, options, faults: faultRules };
  /** A request answered before any operation saw it: one protocol finding, no operation, no caller. */
  const journalUnrouted = (c: Context, target: string, requestId: string, status: number, error: ApiError | undefined, issue: string) =>
    journal.add({
      at: Date.now(),
      virtual_at: clock.nowMs(),
      request_id: requestId,
      method: c.req.method,
      target,
      operation_id: null,
      mchid: null,
      status,
      code: error?.code ?? null,
      message: error?.message ?? null,
      duration_ms: 0,
      findings: [{ kind: 'protocol', issue }],
    });
  // Operations are routed by the one route matcher (contract/routes.ts), which also answers 404/405
  // below and matches for the validating proxy. Hono answers HEAD with its GET route, body dropped.
  const routes = new OperationIndex(operations);
  const operationRoutes = new Map(operations.map((op) => [op, operationRoute(op, handlers[op.contract.operationId], env)]));
  // Every exchange's Request-ID, in the real API's format; one a client sends is not taken over
  // (headerName ''): the id is the mock's, as the real server's is. (Its cost per signed GET is
  // within this machine's noise: CPU in process, alternating rounds, with/without 496/476 and 499/509 µs.)
  app.use('*', requestId({ headerName: '', generator: () => newRequestId() }));
  // Not an async function: an operation's promise is handed to Hono as it is, not wrapped in another
  // (each wrapper is more turns of the microtask queue on every request's event-loop time).
  app.use('*', (c, next) => {
    // The target stage (pipeline.ts): a path URL parsing would rewrite (`%2e%2e`, `%2F`, `//`, …) is
    // refused before routing: 400 envelope.
    const target = rawTarget(c);
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    let problem = targetProblem(target);
    // `//` where an operation has a path parameter: routed, so the parameter's validation answers
    // (openid必填 …) — the path acted on is the path signed, nothing is rewritten.
    if (problem === EMPTY_SEGMENT && routes.missesParameter(method, c.req.path)) problem = targetProblem(target, { emptySegments: true });
    if (problem) {
      const id = requestIdOf(c);
      const { response, error } = errorResponse(badTarget(), id);
      journalUnrouted(c, target, id, error.status, error, problem);
      return Promise.resolve(response);
    }
    // An operation (in this middleware rather than one of its own: a layer less per request).
    const match = routes.match(method, c.req.path);
    if (match.op) return operationRoutes.get(match.op)!(c, match.params);
    return next();
  });
  // A shared store (PostgreSQL replicas): the control API reads the latest state too (read-your-writes
  // behind a load balancer); a database that does not answer leaves the local state (health says so).
  if (store.shared)
    app.use('/_mock/*', async (_c, next) => {
      await store.catchUp().catch(() => {});
      await next();
    });
  // Control changes (POST, DELETE) get a log line too; reads (a dashboard polling) do not.
  app.use('/_mock/*', async (c, next) => {
    const started = performance.now();
    await next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD')
      logger.control(c.req.method, rawTarget(c), c.res.status, performance.now() - started);
  });
  // The control API and uploaded images: an app of their own, mounted under /_mock/ with the request
  // unchanged (their routes keep the /_mock prefix). This app's router then holds only wildcard and
  // simple routes, which Hono's RegExpRouter takes: one precompiled match per /v3 request. With the
  // control routes here it fell back to TrieRouter (RegExpRouter refuses `/_mock/callbacks/:id` beside
  // its static siblings), whose search and sort were ≈ 2 KB of garbage and 2-3 µs per signed GET.
  const control = new Hono();
  // Uploaded images: public (no auth, any client), so mounted before the loopback-only control API.
  control.route(MEDIA_PATH.replace(/\/$/, ''), mediaRoutes(store));
  // The OpenAPI export (contract/openapi.ts, the largest module of the app) is loaded by the first
  // GET /_mock/openapi.json, not at start; the document is built once.
  let openapiOf: Promise<(serverUrl?: string) => OpenApiDocument> | undefined;
  const openapi = async (serverUrl: string) =>
    (await (openapiOf ??= import('./contract/openapi.js').then((m) => m.openApiFor({ operations, contractsDir: options.contractsDir }))))(
      serverUrl,
    );
  control.route(
    '/_mock',
    controlRoutes({
      clock,
      journal,
      credentials,
      options,
      reset,
      store: { snapshot, restore, apply },
      version: VERSION,
      startedAt: Date.now(),
      storeHealth: store.shared ? async () => ({ ...(await store.health()), location: store.location }) : undefined,
      callbacks,
      favor: { useCoupon, refundCoupon, reviewStock: (id, decision) => reviewStock({ store, clock }, id, decision) },
      // Read-only views for the dashboard: one function per view reads the state (control/state.ts).
      state: { data: () => store.data, world, clock, callbacks },
      paygift: { actOnActivity: (id, action) => actOnActivity({ store, clock }, id, action) },
      openapi,
      report,
      logger,
      faults,
    }),
  );

  control.onError(answerError);
  app.all('/_mock/*', mount(control.fetch, { replaceRequest: false }));
  // A browser opening the address the mock prints at start lands on the dashboard; any other client (an
  // SDK, curl; a HEAD) gets the empty 404 of a path the API does not serve.
  app.get('/', (c) =>
    c.req.method === 'GET' && /\btext\/html\b/.test(c.req.header('accept') ?? '') ? c.redirect(DASHBOARD_PATH) : c.notFound(),
  );

  // Unknown /v3 path → 404, known path with another method → 405; both with an empty body, as observed.
  // Not hono/method-not-allowed: it builds a second router from app.routes and adds an Allow header
  // the real API does not send; the route matcher already knows (its `status`, and the journal's text).
  app.notFound((c) => {
    const miss = routes.match(c.req.method, c.req.path);
    const status = miss.op ? 404 : miss.status;
    if (c.req.path.startsWith('/v3/'))
      journalUnrouted(c, rawTarget(c), requestIdOf(c), status, undefined, miss.op ? 'no such operation' : miss.issue);
    return new Response(null, { status });
  });
  app.onError(answerError);

  const listener = getRequestListener(app.fetch, {
    // Requests Node cannot turn into a URL (bad Host, backslashes, ...) get the envelope too.
    errorHandler: () => errorResponse(badTarget(), newRequestId()).response,
  });

  return {
    app,
    request: app.request.bind(app) as Hono['request'],
    listener,
    world,
    clock,
    credentials,
    options,
    operations,
    deliveries,
    useCoupon,
    refundCoupon,
    onCouponUsed: (listener) => favor.onCouponUsed(listener),
    checkCallbackHandler: (o) => callbacks.checkHandler(o),
    createCallbackReceiver: async (o = {}) => {
      // A receiver is for tests of notify handlers: its module is loaded by the first one.
      const { createCallbackReceiver } = await import('./callbacks/receiver.js');
      const receiver = await createCallbackReceiver({ ...o, credentials });
      receivers.add(receiver);
      const close = receiver.close;
      receiver.close = () => (receivers.delete(receiver), close());
      return receiver;
    },
    faults,
    report,
    reset,
    snapshot,
    restore,
    apply,
    journal: (filter) => journal.list(filter),
    clearJournal: () => journal.clear(),
    close: () =>
      Promise.all([...receivers].map((r) => r.close()))
        .then(() => callbacks.close())
        .then(() => store.close()),
  };
}
