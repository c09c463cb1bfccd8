/**
 * The control API under /_mock/ — unsigned, for tests and people, reachable from loopback only unless
 * `allowRemoteControl`. Families add their control operations (use a coupon, ...) here.
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
import { controlBody } from './body.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { journalStream } from './journal-stream.js';
import { stateRoutes, type StateViewDeps } from './state.js';
import { ClockInputError } from '../clock-input.js';
import { controlGuard } from './guard.js';
import { storeControlRoutes, type StoreControl } from './store.js';
import type { Logger } from '../log.js';
import { baseUrlOf, jsonResponse } from '../http.js';
import { formatReport, REPORT_FORMATS, type ContractReport, type ReportFormat, type ReportOptions } from '../report/index.js';

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

const controlError = (status: number, code: string, message: string) => jsonResponse(status, { code, message });

/** The answer of GET /_mock/journal, here and on the validating proxy (proxy/server.ts), so a report reads both alike. */
export function journalAnswer(journal: Journal, q: Record<string, string | undefined>) {
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
  app.onError((err) => {
    if (err instanceof SyntaxError) return controlError(400, 'PARAM_ERROR', `invalid JSON body: ${err.message}`);
    if (err instanceof ClockInputError) return controlError(400, 'PARAM_ERROR', err.message);
    // A bug: the details go to the log, the reply carries the real API's 系统错误 and nothing internal.
    deps.logger?.error('the control API', err);
    return controlError(500, 'SYSTEM_ERROR', '系统错误');
  });

  app.get('/health', async (c) => {
    const body = { status: 'ok', version: deps.version, uptime_ms: Date.now() - deps.startedAt, clock: deps.clock.snapshot() };
    if (!deps.storeHealth) return c.json(body);
    // A shared store (PostgreSQL): an unreachable database makes the mock unhealthy (requests answer 500 meanwhile).
    const store = await deps.storeHealth();
    return c.json({ ...body, status: store.ok ? 'ok' : 'unavailable', store }, store.ok ? 200 : 503);
  });

  app.post('/reset', async (c) => {
    await deps.reset();
    return c.json({ status: 'reset', clock: deps.clock.snapshot() });
  });

  app.get('/clock', (c) => c.json(deps.clock.snapshot()));
  // The clock checks its own input (clock-input.ts: RFC 3339 or epoch ms, durations, the representable
  // range); a refusal is a ClockInputError → 400 above, the clock untouched.
  app.post('/clock/set', async (c) => {
    const body = await controlBody(c);
    if (body.time === undefined)
      throw new ClockInputError('time', 'time is required: an RFC 3339 string with offset or epoch milliseconds');
    // Freeze at the target itself: set-then-freeze would lose the milliseconds spent persisting.
    if (body.freeze === true) await deps.clock.freeze(body.time as number | string);
    else await deps.clock.set(body.time as number | string);
    return c.json(deps.clock.snapshot());
  });
  app.post('/clock/advance', async (c) => {
    const body = await controlBody(c);
    await deps.clock.advance((body.by ?? body.ms) as number | string);
    return c.json(deps.clock.snapshot());
  });
  app.post('/clock/freeze', async (c) => {
    const body = await controlBody(c);
    // As /clock/set; absent → freeze at the current virtual time.
    await deps.clock.freeze(body.time as number | string | undefined);
    return c.json(deps.clock.snapshot());
  });
  app.post('/clock/unfreeze', async (c) => {
    await deps.clock.unfreeze();
    return c.json(deps.clock.snapshot());
  });
  app.post('/clock/reset', async (c) => {
    await deps.clock.reset();
    return c.json(deps.clock.snapshot());
  });

  app.get('/credentials', (c) => c.json(deps.credentials));

  app.get('/journal', (c) => {
    const q = c.req.query();
    // Numbers as numbers: `limit=abc` would otherwise filter silently (NaN matches nothing).
    for (const k of ['status', 'since_seq', 'limit'] as const)
      if (q[k] !== undefined && !/^\d{1,15}$/.test(q[k])) return controlError(400, 'PARAM_ERROR', `${k} must be a non-negative integer`);
    if (q.findings !== undefined && q.findings !== 'true' && q.findings !== 'false')
      return controlError(400, 'PARAM_ERROR', 'findings must be true or false');
    return c.json(journalAnswer(deps.journal, q));
  });
  // The same filters as a server-sent event stream (journal-stream.ts): the dashboard's live journal.
  app.get('/journal/stream', (c) =>
    journalStream(c, deps.journal, (seq) => journalAnswer(deps.journal, { ...c.req.query(), since_seq: String(seq) }).entries),
  );
  if (deps.openapi) app.get('/openapi.json', (c) => c.json(deps.openapi!(baseUrlOf(c, deps.options))));

  app.delete('/journal', (c) => {
    deps.journal.clear();
    return c.json({ status: 'cleared' });
  });

  // ?format=text|json|junit (default json), ?strict=true: warnings fail. Always 200: `ok` (JSON) says.
  app.get('/report', (c) => {
    if (!deps.report) return controlError(404, 'NOT_FOUND', 'no report here');
    const format = (c.req.query('format') ?? 'json') as ReportFormat;
    if (!REPORT_FORMATS.includes(format)) return controlError(400, 'PARAM_ERROR', `format must be one of ${REPORT_FORMATS.join(', ')}`);
    const report = deps.report({ strict: c.req.query('strict') === 'true', source: baseUrlOf(c, deps.options) });
    const type = { json: 'application/json', text: 'text/plain', junit: 'application/xml' }[format];
    return new Response(formatReport(report, format), { headers: { 'Content-Type': `${type}; charset=utf-8` } });
  });

  if (deps.store) app.route('/', storeControlRoutes(deps.store));
  if (deps.callbacks) app.route('/callbacks', callbackControlRoutes(deps.callbacks));
  if (deps.faults) app.route('/faults', faultControlRoutes(deps.faults, deps.faults.callbacks));
  if (deps.favor) app.route('/favor', favorControlRoutes(deps.favor));
  if (deps.state) {
    app.route('/state', stateRoutes(deps.state));
    app.route('/ui', dashboardRoutes());
  }
  if (deps.paygift) app.route('/paygift', paygiftControlRoutes(deps.paygift));

  app.all('*', () => controlError(404, 'NOT_FOUND', 'no such control operation'));
  return app;
}
