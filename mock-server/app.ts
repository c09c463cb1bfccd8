/**
 * Builds the emulator: world + contracts + handlers + store + clock + journal, wired into a Hono app.
 * Routes come from the contracts; start-up fails loudly when an operation lacks a handler or a
 * handler lacks a contract.
 */
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import type { RequestListener } from 'node:http';
import { Clock } from './clock.js';
import { loadContracts, type CompiledOperation } from './contract/registry.js';
import { controlRoutes } from './control/routes.js';
import { credentialsOf, type Credentials } from './credentials.js';
import { ApiError } from './errors.js';
import { Journal, type JournalEntry, type JournalFilter } from './journal.js';
import { handlers as defaultHandlers } from './operations/index.js';
import type { HandlerRegistry } from './operations/types.js';
import { resolveOptions, type MockOptions, type ResolvedOptions } from './options.js';
import { errorResponse, operationRoute, rawTarget } from './pipeline.js';
import { rfc3339 } from './time.js';
import { newRequestId } from './protocol/sign-response.js';
import { initialData, type MockData } from './store/state.js';
import { fileStore, memoryStore, type Store } from './store/store.js';
import { loadWorld, type World } from './world.js';

import { VERSION } from './paths.js';

export { VERSION };

export class StartupError extends Error {}

export interface MockApp {
  /** The Hono app: `mock.app.request('/v3/…', init)` runs a request in process. */
  app: Hono;
  /** Shorthand for `app.request`. */
  request: Hono['request'];
  /** A Node request listener (for supertest or your own http.Server). */
  listener: RequestListener;
  world: World;
  store: Store;
  clock: Clock;
  credentials: Credentials;
  options: ResolvedOptions;
  operations: CompiledOperation[];
  /** Back to the fixtures: state, clock and journal. */
  reset(): Promise<void>;
  journal(filter?: JournalFilter): JournalEntry[];
  clearJournal(): void;
  /** Flushes the store. */
  close(): Promise<void>;
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
  const options = resolveOptions(input);
  const world = loadWorld({ dir: input.fixturesDir, seed: input.seed });
  const operations = loadContracts(input.contractsDir);
  const handlers = input.handlers ?? defaultHandlers;
  checkRegistry(operations, handlers);

  const store = input.dataFile ? await fileStore(input.dataFile, () => initialState(world)) : memoryStore(initialState(world));
  const clock = new Clock(store.data.clock, () => store.commit());
  const journal = new Journal(options.journalSize);
  const credentials = credentialsOf(world);

  const reset = async () => {
    await store.replace(initialState(world));
    clock.attach(store.data.clock);
    journal.clear();
  };

  const app = new Hono();
  const env = { world, store, clock, journal, options };
  for (const op of operations) {
    app.on(op.contract.method, op.routePath, operationRoute(op, handlers[op.contract.operationId], env));
  }
  app.route('/_mock', controlRoutes({ clock, journal, credentials, options, reset, version: VERSION, startedAt: Date.now() }));

  // Unknown /v3 path → 404, known path with another method → 405; both with an empty body, as observed.
  app.notFound((c) => {
    const target = rawTarget(c);
    const path = new URL(c.req.url).pathname;
    const status = operations.some((o) => o.pathPattern.test(path)) ? 405 : 404;
    if (path.startsWith('/v3/')) {
      journal.add({
        time: new Date().toISOString(),
        virtual_time: rfc3339(clock.nowMs(), { millis: true }),
        request_id: newRequestId(),
        method: c.req.method,
        target,
        operation_id: null,
        mchid: null,
        status,
        code: null,
        message: null,
        duration_ms: 0,
        findings: [{ kind: 'protocol', issue: status === 405 ? 'method not allowed on this path' : 'no such operation' }],
      });
    }
    return new Response(null, { status });
  });
  app.onError((err) => errorResponse(err, newRequestId()).response);

  const listener = getRequestListener(app.fetch, {
    // Requests Node cannot turn into a URL (bad Host, backslashes, ...) get the envelope too.
    errorHandler: () => errorResponse(new ApiError('INVALID_REQUEST', '请求的URL或Host格式不正确'), newRequestId()).response,
  });

  return {
    app,
    request: app.request.bind(app) as Hono['request'],
    listener,
    world,
    store,
    clock,
    credentials,
    options,
    operations,
    reset,
    journal: (filter) => journal.list(filter),
    clearJournal: () => journal.clear(),
    close: () => store.commit(),
  };
}
