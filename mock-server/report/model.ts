/**
 * The contract report (issue 7, items 2–3): what a client did against the contracts, from the request
 * journal (any journal of JournalEntry/Finding shape: the mock's, the validating proxy's), the
 * callback delivery log and the handler checks. Pure: the same input gives the same report, whether
 * built in the mock (`mock.report()`, GET /_mock/report) or by the CLI from a running mock's control API.
 *
 * Violations fail the report (a CI exits non-zero): a request that broke its contract, a failed
 * signature, a malformed request or one that matches no operation, a reply that broke its contract
 * (the proxy's drift), a notify handler that did not answer a valid notification 200/204 within 5 s,
 * and one that accepted a WECHATPAY/SIGNTEST/ signature. Warnings do not, unless `strict`: ignored
 * query parameters, `x-not-open` fields, accepted-but-off-specification requests (interop), handler
 * checks without a clear answer, and a journal that dropped entries.
 */
import type { ChaosEvent } from '../callbacks/chaos.js';
import type { HandlerCheck } from '../callbacks/handler-check.js';
import type { DeliveryRecord } from '../callbacks/types.js';
import type { Finding, JournalEntry } from '../journal.js';

/** The merchant must answer 200/204 within 5 s (protocol.md §4.1). */
export const CALLBACK_DEADLINE_MS = 5_000;

export interface OperationRef {
  operation_id: string;
  method: string;
  path: string;
}

export interface ReportInput {
  journal: JournalEntry[];
  /** Entries the journal's cap pushed out: the report is then incomplete (a warning). */
  journalDropped?: number;
  deliveries?: DeliveryRecord[];
  handlerChecks?: HandlerCheck[];
  /** What callback chaos sent and what the handlers answered (callbacks/chaos.ts). */
  chaos?: ChaosEvent[];
  /** Every operation of the contracts: the coverage's denominator. */
  operations: OperationRef[];
  /** Where the data came from (the mock's URL), for the header. */
  source?: string;
}

export interface ReportOptions {
  /** Warnings fail the report too. */
  strict?: boolean;
  /** Real time of the report (default now). */
  now?: Date;
  /** Where the data came from (default: the input's). */
  source?: string;
}

export type IssueKind =
  Finding['kind'] | 'callback-delivery' | 'callback-unverified' | 'callback-inconclusive' | 'callback-handler' | 'journal-truncated';

export interface ReportIssue {
  kind: IssueKind;
  severity: 'violation' | 'warning';
  /** One line that says what is wrong and where: what the CLI prints, the JUnit failure message. */
  summary: string;
  // The request, for journal findings.
  seq?: number;
  time?: string;
  request_id?: string;
  operation_id?: string | null;
  method?: string;
  target?: string;
  mchid?: string | null;
  status?: number | null;
  code?: string | null;
  // The finding.
  location?: string;
  field?: string;
  /** The value the client sent (bounded). */
  value?: unknown;
  issue?: string;
  /** The real API's message (Chinese), as answered. */
  message?: string;
  /** What to change in the client, when the mock can tell. */
  hint?: string;
  /** Signature failures: `sign_information` — the message the mock verified. */
  diagnostic?: unknown;
  // Callbacks.
  notification_id?: string;
  url?: string;
}

export interface OperationCoverage extends OperationRef {
  /** exercised: answered 2xx at least once; attempted: requests, none successful; not-exercised: none. */
  state: 'exercised' | 'attempted' | 'not-exercised';
  requests: number;
  succeeded: number;
  statuses: Record<string, number>;
  /** Error codes answered, with counts. */
  codes: Record<string, number>;
  violations: number;
}

export interface AttemptReport {
  round: number;
  n: number;
  probe: boolean;
  time: string;
  virtual_time: string;
  status: number | null;
  latency_ms: number;
  /** Not a probe: answered 200/204 within 5 s. A probe: refused (4xx/5xx). */
  ok: boolean;
  error: string | null;
}

export interface DeliveryReport {
  id: string;
  event_type: string;
  mchid: string;
  coupon_id: string;
  url: string;
  state: DeliveryRecord['state'];
  /** Some attempt was answered 200/204 within 5 s. */
  delivered_in_time: boolean;
  /** A probe of this delivery was answered 2xx. */
  probe_accepted: boolean;
  attempts: AttemptReport[];
}

export interface ContractReport {
  ok: boolean;
  strict: boolean;
  source: string | null;
  generated_at: string;
  summary: {
    requests: number;
    operations: number;
    exercised: number;
    attempted: number;
    not_exercised: number;
    violations: number;
    warnings: number;
    deliveries: number;
    handler_checks: number;
    /** Requests broken on purpose by a fault rule or the fault header (faults/): never violations. */
    injected: number;
  };
  coverage: {
    operations: OperationCoverage[];
    /** Requests that matched no operation, by method and path. */
    unrouted: { method: string; path: string; requests: number; statuses: Record<string, number> }[];
  };
  violations: ReportIssue[];
  warnings: ReportIssue[];
  callbacks: { deliveries: DeliveryReport[]; handler_checks: HandlerCheck[]; chaos: ChaosEvent[] };
  /** The requests a fault was injected into, oldest first: what the client was made to see. */
  injected: InjectedReport[];
}

export interface InjectedReport {
  seq: number;
  time: string;
  operation_id: string | null;
  method: string;
  target: string;
  mchid: string | null;
  status: number;
  code: string | null;
  rule_id: string | null;
  source: 'rule' | 'header';
  action: string;
  when?: string;
  note: string;
}

const WARNING_KINDS = new Set<string>(['undeclared-query', 'not-open', 'interop']);

const pathOf = (target: string) => target.split('?')[0];
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
const ok2xx = (status: number | null) => status !== null && status >= 200 && status < 300;

/** A value in a summary line: JSON, cut short. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function requestLine(e: JournalEntry): string {
  return `${e.method} ${e.target}${e.operation_id ? ` (${e.operation_id})` : ''} → ${e.status}${e.code ? ` ${e.code}` : ''}`;
}

function findingSummary(e: JournalEntry, f: Finding): string {
  const where = f.field ? `${f.location ? `${f.location} ` : ''}field ${f.field}` : (f.location ?? '');
  const sent = f.value !== undefined && f.field ? ` (sent ${shown(f.value)})` : '';
  const says = f.message && f.message !== f.issue ? ` — ${f.message}` : '';
  const label: Record<string, string> = {
    contract: 'contract violation',
    signature: 'signature failure',
    protocol: 'malformed request',
    'undeclared-query': 'undeclared query parameter',
    'not-open': 'field not open for this endpoint',
    'response-contract': 'reply breaks its contract',
    interop: 'off the specification',
  };
  const kind = f.kind === 'protocol' && !e.operation_id ? 'request matches no operation' : (label[f.kind] ?? f.kind);
  return `${kind}: ${requestLine(e)}${e.mchid ? `, mchid ${e.mchid}` : ''}: ${where ? `${where}${sent}: ` : ''}${f.issue}${says}${f.hint ? ` — hint: ${f.hint}` : ''}`;
}

function issueOf(e: JournalEntry, f: Finding): ReportIssue {
  const d = f.detail as { sign_information?: unknown } | undefined;
  return {
    kind: f.kind,
    severity: WARNING_KINDS.has(f.kind) ? 'warning' : 'violation',
    summary: findingSummary(e, f),
    seq: e.seq,
    time: e.time,
    request_id: e.request_id,
    operation_id: e.operation_id,
    method: e.method,
    target: e.target,
    mchid: e.mchid,
    status: e.status,
    code: e.code,
    ...(f.location === undefined ? {} : { location: f.location }),
    ...(f.field === undefined ? {} : { field: f.field }),
    ...(f.value === undefined ? {} : { value: f.value }),
    issue: f.issue,
    ...(f.message === undefined ? {} : { message: f.message }),
    ...(f.hint === undefined ? {} : { hint: f.hint }),
    ...(d && typeof d === 'object' && d.sign_information !== undefined ? { diagnostic: d.sign_information } : {}),
  };
}

function deliveryReport(r: DeliveryRecord): { report: DeliveryReport; issues: ReportIssue[] } {
  const attempts: AttemptReport[] = r.attempts.map((a) => ({
    round: a.round,
    n: a.n,
    probe: a.probe,
    time: a.time,
    virtual_time: a.virtual_time,
    status: a.status,
    latency_ms: a.latency_ms,
    ok: a.probe
      ? a.status !== null && a.status >= 400 && a.status < 600
      : !a.error && (a.status === 200 || a.status === 204) && a.latency_ms <= CALLBACK_DEADLINE_MS,
    error: a.error,
  }));
  const real = attempts.filter((a) => !a.probe);
  const probes = attempts.filter((a) => a.probe);
  const report: DeliveryReport = {
    id: r.id,
    event_type: r.event_type,
    mchid: r.mchid,
    coupon_id: r.coupon_id,
    url: r.url,
    state: r.state,
    delivered_in_time: real.some((a) => a.ok),
    probe_accepted: probes.some((a) => ok2xx(a.status)),
    attempts,
  };
  const issues: ReportIssue[] = [];
  const base = { notification_id: r.id, url: r.url, mchid: r.mchid };
  const failed = real.filter((a) => !a.ok);
  if (failed.length) {
    const first = failed[0];
    const what =
      first.status === null
        ? first.error
        : `HTTP ${first.status} after ${first.latency_ms} ms${first.error && first.status !== null ? ` (${first.error})` : ''}`;
    issues.push({
      kind: 'callback-delivery',
      severity: 'violation',
      summary: `notify handler ${r.url} (mchid ${r.mchid}) did not answer ${r.event_type} ${r.id} with 200/204 within ${CALLBACK_DEADLINE_MS / 1000} s on ${failed.length} of ${real.length} attempt(s); first: attempt ${first.n}${first.round > 1 ? ` of replay ${first.round - 1}` : ''}: ${what}; delivery ${r.state}`,
      ...base,
      status: first.status,
      issue: first.error ?? undefined,
    });
  }
  for (const p of probes.filter((a) => ok2xx(a.status))) {
    issues.push({
      kind: 'callback-unverified',
      severity: 'violation',
      summary: `notify handler ${r.url} (mchid ${r.mchid}) answered HTTP ${p.status} to a WECHATPAY/SIGNTEST/ probe of ${r.event_type} ${r.id}: it accepts callbacks without verifying their signature`,
      ...base,
      status: p.status,
      issue: p.error ?? undefined,
    });
  }
  for (const p of probes.filter((a) => !ok2xx(a.status) && !a.ok)) {
    issues.push({
      kind: 'callback-inconclusive',
      severity: 'warning',
      summary: `notify handler ${r.url} (mchid ${r.mchid}): the WECHATPAY/SIGNTEST/ probe of ${r.id} got ${p.status === null ? `no answer (${p.error})` : `HTTP ${p.status}`}, neither a refusal nor an acceptance`,
      ...base,
      status: p.status,
      issue: p.error ?? undefined,
    });
  }
  return { report, issues };
}

/** The conformance table's failed rows (the probe's row is `checkIssue`'s). */
function caseIssues(c: HandlerCheck): ReportIssue[] {
  return (c.cases ?? [])
    .filter((k) => k.verdict === 'fail' && k.case !== 'signtest-probe')
    .map((k) => ({
      kind: 'callback-handler' as const,
      severity: 'violation' as const,
      summary: `handler check #${c.seq}: notify handler ${c.url} (mchid ${c.mchid}) failed "${k.case}" (${k.sent}): expected ${k.expect}; ${k.error}`,
      notification_id: c.notification_id,
      url: c.url,
      mchid: c.mchid,
      status: k.status,
      time: c.time,
      issue: k.error ?? undefined,
    }));
}

function checkIssue(c: HandlerCheck): ReportIssue | undefined {
  if (c.verdict === 'refused') return undefined;
  const accepted = c.verdict === 'accepted';
  return {
    kind: accepted ? 'callback-unverified' : 'callback-inconclusive',
    severity: accepted ? 'violation' : 'warning',
    summary: accepted
      ? `handler check #${c.seq}: notify handler ${c.url} (mchid ${c.mchid}) answered HTTP ${c.status} to a COUPON.USE signed WECHATPAY/SIGNTEST/: it accepts callbacks without verifying their signature`
      : `handler check #${c.seq}: notify handler ${c.url} (mchid ${c.mchid}): ${c.error}`,
    notification_id: c.notification_id,
    url: c.url,
    mchid: c.mchid,
    status: c.status,
    time: c.time,
    issue: c.error ?? undefined,
  };
}

export function buildReport(input: ReportInput, options: ReportOptions = {}): ContractReport {
  const strict = options.strict ?? false;
  const issues: ReportIssue[] = [];
  const coverage = new Map<string, OperationCoverage>(
    input.operations.map((o) => [
      o.operation_id,
      { ...o, state: 'not-exercised', requests: 0, succeeded: 0, statuses: {}, codes: {}, violations: 0 },
    ]),
  );
  const unrouted = new Map<string, ContractReport['coverage']['unrouted'][number]>();

  for (const e of input.journal) {
    // An operation this contract set lacks (a journal from another build): counted, under its concrete path.
    if (e.operation_id && !coverage.has(e.operation_id)) {
      coverage.set(e.operation_id, {
        operation_id: e.operation_id,
        method: e.method,
        path: pathOf(e.target),
        state: 'not-exercised',
        requests: 0,
        succeeded: 0,
        statuses: {},
        codes: {},
        violations: 0,
      });
    }
    const op = e.operation_id ? coverage.get(e.operation_id) : undefined;
    if (op) {
      op.requests++;
      if (ok2xx(e.status)) op.succeeded++;
      bump(op.statuses, String(e.status));
      if (e.code) bump(op.codes, e.code);
    } else {
      const key = `${e.method} ${pathOf(e.target)}`;
      const u = unrouted.get(key) ?? { method: e.method, path: pathOf(e.target), requests: 0, statuses: {} };
      u.requests++;
      bump(u.statuses, String(e.status));
      unrouted.set(key, u);
    }
    for (const f of e.findings) {
      const issue = issueOf(e, f);
      issues.push(issue);
      if (op && issue.severity === 'violation') op.violations++;
    }
  }
  for (const op of coverage.values()) op.state = op.succeeded ? 'exercised' : op.requests ? 'attempted' : 'not-exercised';

  if (input.journalDropped) {
    issues.push({
      kind: 'journal-truncated',
      severity: 'warning',
      summary: `the journal dropped its ${input.journalDropped} oldest request(s) (capacity reached): coverage and findings cover only the last ${input.journal.length}; start the mock with a larger --journal-size`,
    });
  }

  const deliveries: DeliveryReport[] = [];
  for (const r of input.deliveries ?? []) {
    const { report, issues: found } = deliveryReport(r);
    deliveries.push(report);
    issues.push(...found);
  }
  for (const c of input.handlerChecks ?? []) {
    const issue = checkIssue(c);
    if (issue) issues.push(issue);
    issues.push(...caseIssues(c));
  }
  // Chaos sends a handler answered wrongly: took a forged notification, or refused a duplicate.
  for (const e of (input.chaos ?? []).filter((x) => x.ok === false)) {
    issues.push({
      kind: 'callback-handler',
      severity: 'violation',
      summary: `callback chaos: notify handler ${e.url} (mchid ${e.mchid}) answered HTTP ${e.status} to ${e.kind} of ${e.notification_id} (${e.detail}): expected ${e.expected === 'refuse' ? 'a refusal (non-2xx)' : '200 or 204'}`,
      notification_id: e.notification_id,
      url: e.url ?? undefined,
      mchid: e.mchid,
      status: e.status,
      time: e.time,
      issue: e.detail,
    });
  }

  const injected: InjectedReport[] = input.journal
    .filter((e) => e.fault)
    .map((e) => ({
      seq: e.seq,
      time: e.time,
      operation_id: e.operation_id,
      method: e.method,
      target: e.target,
      mchid: e.mchid,
      status: e.status,
      code: e.code,
      rule_id: e.fault!.rule_id,
      source: e.fault!.source,
      action: e.fault!.action,
      ...(e.fault!.when ? { when: e.fault!.when } : {}),
      note: e.fault!.note,
    }));

  const violations = issues.filter((i) => i.severity === 'violation');
  const warnings = issues.filter((i) => i.severity === 'warning');
  const ops = [...coverage.values()];
  return {
    ok: violations.length === 0 && (!strict || warnings.length === 0),
    strict,
    source: options.source ?? input.source ?? null,
    generated_at: (options.now ?? new Date()).toISOString(),
    summary: {
      requests: input.journal.length,
      operations: ops.length,
      exercised: ops.filter((o) => o.state === 'exercised').length,
      attempted: ops.filter((o) => o.state === 'attempted').length,
      not_exercised: ops.filter((o) => o.state === 'not-exercised').length,
      violations: violations.length,
      warnings: warnings.length,
      deliveries: deliveries.length,
      handler_checks: input.handlerChecks?.length ?? 0,
      injected: injected.length,
    },
    coverage: { operations: ops, unrouted: [...unrouted.values()] },
    violations,
    warnings,
    callbacks: { deliveries, handler_checks: input.handlerChecks ?? [], chaos: input.chaos ?? [] },
    injected,
  };
}
