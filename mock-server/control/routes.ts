/**
 * The control API under /_mock/ — unsigned, for tests and people, reachable from loopback only unless
 * `allowRemoteControl`. Each operation is a contract of contracts/_mock/ (control/operations.ts: the
 * same loader and validators as the WeChat Pay operations, one error envelope); families add theirs here.
 */
import { Hono } from 'hono';
import { callbackControlRoutes } from '../callbacks/routes.js';
import type { CallbackDispatcher } from '../callbacks/dispatcher.js';
import type { Clock } from '../clock.js';
import type { Credentials } from '../credentials.js';
import { favorControlRoutes, type FavorControl } from './favor.js';
import { faultControlRoutes, type RuleStore } from '../faults/index.js';
import { paygiftControlRoutes, type PaygiftControl } from './paygift.js';
import type { Journal, JournalFilter } from '../journal.js';
import type { ResolvedOptions } from '../options.js';
import { dashboardPage, dashboardRoutes } from '../dashboard/routes.js';
import { journalStream } from './journal-stream.js';
import { stateRoutes, type StateViewDeps } from './state.js';
import { controlGuard } from './guard.js';
import { storeControlRoutes, type StoreControl } from './store.js';
import type { Logger } from '../log.js';
import { baseUrlOf } from '../http.js';
import { ControlRouter, controlErrorResponse, noSuchControlOperation } from './operations.js';
import type { ReportFormat } from '../report/format.js';
import type { ContractReport, ReportOptions } from '../report/model.js';

export interface ControlDeps {
  clock: Clock;
  journal: Journal;
  credentials: Credentials;
  options: ResolvedOptions;
  reset(): Promise<void>;
  version: string;
  startedAt: number;
  /** COUPON.USE deliveries: /_mock/callbacks… (mock-server/callbacks/routes.ts). */
  callbacks?: CallbackDispatcher;
  /** 代金券 use / refund: /_mock/favor/coupons/{coupon_id}/use|refund (control/favor.ts). */
  favor?: FavorControl;
  /** 支付有礼 statuses the merchant platform reaches: /_mock/paygift/activities/{activity_id}/pause|recover|fail (control/paygift.ts). */
  paygift?: PaygiftControl;
  /** GET /_mock/openapi.json: the contracts as OpenAPI 3.1 with this server's URL (contract/openapi.ts). */
  openapi?: (serverUrl: string) => unknown;
  /** GET/PUT /_mock/snapshot, POST /_mock/scenario (control/store.ts). */
  store?: StoreControl;
  /** GET /_mock/report: the contract report of this mock (report/). */
  report?: (options: ReportOptions) => ContractReport;
  /** GET /_mock/state/… (read-only views, control/state.ts) and the dashboard at /_mock/ui (dashboard/). */
  state?: StateViewDeps;
  /** Where a bug's details go (the reply says only 系统错误). */
  logger?: Logger;
  /** Whether the store's database answers (PostgreSQL); /_mock/health reports it (503 when it does not). */
  storeHealth?: () => Promise<{ ok: boolean; error?: string; location: string }>;
  /** /_mock/faults and /_mock/faults/callbacks (faults/routes.ts). */
  faults?: RuleStore<unknown> & { callbacks: RuleStore<unknown> & { log(filter?: { notification_id?: string }): unknown[] } };
}

/**
 * The answer of GET /_mock/journal, here and on the validating proxy (proxy/server.ts), so a report
 * reads both alike. The query's form (digits, true/false) is checked by the contract before.
 */
export function journalAnswer(journal: Journal, q: Partial<Record<keyof JournalFilter, string>>) {
  const filter: JournalFilter = {
    operation_id: q.operation_id,
    mchid: q.mchid,
    code: q.code,
    status: q.status ? Number(q.status) : undefined,
    findings: q.findings === undefined ? undefined : q.findings === 'true',
    since_seq: q.since_seq ? Number(q.since_seq) : undefined,
    limit: q.limit ? Number(q.limit) : undefined,
  };
  return {
    entries: journal.list(filter),
    capacity: journal.capacity,
    dropped: journal.dropped,
    bytes: journal.bytes,
    max_bytes: journal.maxBytes,
  };
}

export function controlRoutes(deps: ControlDeps): Hono {
  const app = new Hono();
  // Loopback clients, Host and Origin checks, JSON bodies, the API's body limit (guard.ts).
  app.use('*', ...controlGuard(deps.options));
  // The one renderer: contract findings, the domain's refusals, bugs (operations.ts).
  app.onError((err) => controlErrorResponse(err, deps.logger));
  // Every route below is a contract of contracts/_mock/: method, path and the form of its input.
  const router = new ControlRouter(app);

  router.on('control.health', async ({ c }) => {
    const body = { status: 'ok', version: deps.version, uptime_ms: Date.now() - deps.startedAt, clock: deps.clock.snapshot() };
    if (!deps.storeHealth) return body;
    // A shared store (PostgreSQL): an unreachable database makes the mock unhealthy (requests answer 500 meanwhile).
    const store = await deps.storeHealth();
    return c.json({ ...body, status: store.ok ? 'ok' : 'unavailable', store }, store.ok ? 200 : 503);
  });

  router.on('control.reset', async () => {
    await deps.reset();
    return { status: 'reset', clock: deps.clock.snapshot() };
  });

  router.on('control.clock', () => deps.clock.snapshot());
  // The contracts give the body's form; the clock checks the values (clock-input.ts: RFC 3339 or epoch
  // ms, durations, the representable range); a refusal is a ClockInputError → 400, the clock untouched.
  router.on('control.clockSet', async ({ body }) => {
    // Freeze at the target itself: set-then-freeze would lose the milliseconds spent persisting.
    if (body.freeze === true) await deps.clock.freeze(body.time);
    else await deps.clock.set(body.time);
    return deps.clock.snapshot();
  });
  router.on('control.clockAdvance', async ({ body }) => {
    // Neither given: the clock refuses it (by must be milliseconds or a duration …).
    await deps.clock.advance((body.by ?? body.ms) as number | string);
    return deps.clock.snapshot();
  });
  router.on('control.clockFreeze', async ({ body }) => {
    // As /clock/set; absent → freeze at the current virtual time.
    await deps.clock.freeze(body.time);
    return deps.clock.snapshot();
  });
  router.on('control.clockUnfreeze', async () => {
    await deps.clock.unfreeze();
    return deps.clock.snapshot();
  });
  router.on('control.clockReset', async () => {
    await deps.clock.reset();
    return deps.clock.snapshot();
  });

  router.on('control.credentials', () => deps.credentials);

  // Numbers are digits by the contract: `limit=abc` would otherwise filter silently (NaN matches nothing).
  router.on('control.journal', ({ query }) => journalAnswer(deps.journal, query));
  // The same filters as a server-sent event stream (journal-stream.ts): the dashboard's live journal.
  router.on('control.journalStream', ({ c, query }) =>
    journalStream(c, deps.journal, (seq) => journalAnswer(deps.journal, { ...query, since_seq: String(seq) }).entries),
  );
  router.on('control.journalClear', () => {
    deps.journal.clear();
    return { status: 'cleared' };
  });
  if (deps.openapi) router.on('control.openapi', ({ c }) => deps.openapi!(baseUrlOf(c, deps.options)));

  // ?format=text|json|junit (default json), ?strict=true: warnings fail. Always 200: `ok` (JSON) says.
  router.on('control.report', async ({ c, query }) => {
    if (!deps.report) throw noSuchControlOperation();
    // The report's formats are loaded by the first report asked for, not at start.
    const { formatReport } = await import('../report/format.js');
    const format = (query.format ?? 'json') as ReportFormat;
    const report = deps.report({ strict: query.strict === 'true', source: baseUrlOf(c, deps.options) });
    const type = { json: 'application/json', text: 'text/plain', junit: 'application/xml' }[format];
    return new Response(formatReport(report, format), { headers: { 'Content-Type': `${type}; charset=utf-8` } });
  });

  if (deps.store) storeControlRoutes(router, deps.store);
  if (deps.callbacks) callbackControlRoutes(router, deps.callbacks);
  if (deps.faults) faultControlRoutes(router, deps.faults, deps.faults.callbacks);
  if (deps.favor) favorControlRoutes(router, deps.favor);
  if (deps.state) {
    stateRoutes(router, deps.state);
    // The dashboard: the page is a contract (an HTML reply); its assets are files, served beside it.
    router.on('control.dashboard', () => dashboardPage());
    app.route('/ui', dashboardRoutes());
  }
  if (deps.paygift) paygiftControlRoutes(router, deps.paygift);

  app.all('*', () => {
    throw noSuchControlOperation();
  });
  return app;
}
