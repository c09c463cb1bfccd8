/**
 * The control API under /_mock/ — unsigned, for tests and people, reachable from loopback only unless
 * `allowRemoteControl`. Families add their control operations (use a coupon, ...) here.
 */
import { Hono, type Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { callbackControlRoutes } from '../callbacks/routes.js';
import type { CallbackDispatcher } from '../callbacks/dispatcher.js';
import type { Clock } from '../clock.js';
import type { Credentials } from '../credentials.js';
import { favorControlRoutes, type FavorControl } from './favor.js';
import type { Journal, JournalFilter } from '../journal.js';
import type { ResolvedOptions } from '../options.js';
import { controlBody } from './body.js';
import { baseUrlOf, jsonResponse } from '../pipeline.js';
import { formatReport, REPORT_FORMATS, type ContractReport, type ReportFormat, type ReportOptions } from '../report/index.js';
import { parseRfc3339 } from '../time.js';

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
  /** GET /_mock/openapi.json: the contracts as OpenAPI 3.1 with this server's URL (contract/openapi.ts). */
  openapi?: (serverUrl: string) => unknown;
  /** GET /_mock/report: the contract report of this mock (report/). */
  report?: (options: ReportOptions) => ContractReport;
}

const controlError = (status: number, code: string, message: string) => jsonResponse(status, { code, message });

function isLoopback(c: Context): boolean {
  const addr = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
  // In-process requests (app.request) have no socket: they come from this process.
  if (!addr) return true;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

/** A `time` of the clock operations: an RFC 3339 string with offset or epoch milliseconds; NaN otherwise. */
function timeOf(value: unknown): number {
  return typeof value === 'string' ? parseRfc3339(value) : typeof value === 'number' ? value : NaN;
}

/** Durations: milliseconds as a number, or text like `90s`, `15m`, `2h`, `1d`, `500ms`. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const m = typeof value === 'string' ? /^(-?\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim()) : null;
  if (!m) return NaN;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

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
  return { entries: journal.list(filter), capacity: journal.capacity, dropped: journal.dropped };
}

export function controlRoutes(deps: ControlDeps): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (!deps.options.allowRemoteControl && !isLoopback(c))
      return controlError(403, 'NO_AUTH', 'the control API answers loopback clients only (start with --allow-remote-control)');
    await next();
  });
  app.onError((err) =>
    err instanceof SyntaxError
      ? controlError(400, 'PARAM_ERROR', `invalid JSON body: ${err.message}`)
      : controlError(500, 'SYSTEM_ERROR', String(err)),
  );

  app.get('/health', (c) =>
    c.json({ status: 'ok', version: deps.version, uptime_ms: Date.now() - deps.startedAt, clock: deps.clock.snapshot() }),
  );

  app.post('/reset', async (c) => {
    await deps.reset();
    return c.json({ status: 'reset', clock: deps.clock.snapshot() });
  });

  app.get('/clock', (c) => c.json(deps.clock.snapshot()));
  app.post('/clock/set', async (c) => {
    const body = await controlBody(c);
    const ms = timeOf(body.time);
    if (!Number.isFinite(ms)) return controlError(400, 'PARAM_ERROR', 'time must be an RFC 3339 string with offset or epoch milliseconds');
    // Freeze at the target itself: set-then-freeze would lose the milliseconds spent persisting.
    if (body.freeze === true) await deps.clock.freeze(ms);
    else await deps.clock.set(ms);
    return c.json(deps.clock.snapshot());
  });
  app.post('/clock/advance', async (c) => {
    const body = await controlBody(c);
    const ms = parseDuration(body.by ?? body.ms);
    if (!Number.isFinite(ms))
      return controlError(400, 'PARAM_ERROR', 'by must be milliseconds or a duration like "90s", "15m", "2h", "1d"');
    await deps.clock.advance(ms);
    return c.json(deps.clock.snapshot());
  });
  app.post('/clock/freeze', async (c) => {
    const body = await controlBody(c);
    // As /clock/set: an RFC 3339 string or epoch milliseconds; absent → freeze at the current virtual time.
    const at = body.time === undefined ? undefined : timeOf(body.time);
    if (at !== undefined && !Number.isFinite(at))
      return controlError(400, 'PARAM_ERROR', 'time must be an RFC 3339 string with offset or epoch milliseconds');
    await deps.clock.freeze(at);
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

  app.get('/journal', (c) => c.json(journalAnswer(deps.journal, c.req.query())));
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

  if (deps.callbacks) app.route('/callbacks', callbackControlRoutes(deps.callbacks));
  if (deps.favor) app.route('/favor', favorControlRoutes(deps.favor));

  app.all('*', () => controlError(404, 'NOT_FOUND', 'no such control operation'));
  return app;
}
