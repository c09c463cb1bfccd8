/**
 * The contract report as text (people, CI logs), JSON (tools) and JUnit XML (every CI's test view:
 * GitHub Actions reporters, GitLab, Jenkins). In JUnit a violation is a <failure>, an operation never
 * exercised is <skipped>, a warning is <system-out> (a <failure> in strict mode).
 */
import type { HandlerCase } from '../callbacks/handler-check.js';
import type { ContractReport, OperationCoverage, ReportIssue } from './model.js';

export const REPORT_FORMATS = ['text', 'json', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function formatReport(report: ContractReport, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (format === 'junit') return junit(report);
  return text(report);
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

function counts(c: Record<string, number>): string {
  return Object.entries(c)
    .map(([k, n]) => (n > 1 ? `${k} ×${n}` : k))
    .join(', ');
}

function coverageLine(o: OperationCoverage, width: number): string {
  const mark = { exercised: 'exercised    ', attempted: 'attempted    ', 'not-exercised': 'not exercised' }[o.state];
  const detail = o.requests
    ? `${plural(o.requests, 'request')}, ${o.succeeded} ok; ${counts(o.statuses)}${Object.keys(o.codes).length ? ` (${counts(o.codes)})` : ''}`
    : '';
  return `  ${mark}  ${o.operation_id.padEnd(width)}  ${o.method} ${o.path}${detail ? `  — ${detail}` : ''}`;
}

function issueLines(i: ReportIssue, n: number): string[] {
  const lines = [`  ${n}. ${i.summary}`];
  if (i.diagnostic !== undefined) lines.push(`     sign_information (what the mock verified): ${JSON.stringify(i.diagnostic)}`);
  return lines;
}

/** One row of a handler check's table (also what `wxpay-mock check-handler` prints). */
export function handlerCaseLine(k: HandlerCase): string {
  const answer = k.status === null ? '' : ` HTTP ${k.status}`;
  const took = k.latency_ms === null ? '' : ` in ${k.latency_ms} ms`;
  return `${k.verdict.toUpperCase().padEnd(12)} ${k.case.padEnd(22)} expect ${k.expect};${answer}${took}${k.error ? ` — ${k.error}` : ''}`;
}

function text(r: ContractReport): string {
  const s = r.summary;
  const out: string[] = [];
  out.push(`wxpay-mock contract report${r.source ? ` — ${r.source}` : ''} — ${r.generated_at}`);
  out.push(
    `${r.ok ? 'PASSED' : 'FAILED'}: ${plural(s.violations, 'violation')}, ${plural(s.warnings, 'warning')}${r.strict ? ' (strict: warnings fail)' : ''} — ` +
      `${plural(s.requests, 'request')}, ${plural(s.deliveries, 'callback delivery', 'callback deliveries')}, ${plural(s.handler_checks, 'handler check')}`,
  );
  out.push('');
  out.push(
    `Coverage: ${s.exercised} of ${s.operations} operations exercised (answered 2xx), ${s.attempted} attempted without success, ${s.not_exercised} not exercised`,
  );
  const width = Math.max(0, ...r.coverage.operations.map((o) => o.operation_id.length));
  const order = { exercised: 0, attempted: 1, 'not-exercised': 2 };
  for (const o of [...r.coverage.operations].sort(
    (a, b) => order[a.state] - order[b.state] || a.operation_id.localeCompare(b.operation_id),
  ))
    out.push(coverageLine(o, width));
  for (const u of r.coverage.unrouted)
    out.push(`  no operation   ${u.method} ${u.path}  — ${plural(u.requests, 'request')}; ${counts(u.statuses)}`);
  for (const [title, list] of [
    ['Violations', r.violations],
    ['Warnings', r.warnings],
  ] as const) {
    out.push('');
    out.push(`${title} (${list.length})${list.length ? '' : ': none'}`);
    list.forEach((i, k) => out.push(...issueLines(i, k + 1)));
  }
  out.push('');
  out.push(
    `Callbacks: ${plural(r.callbacks.deliveries.length, 'delivery', 'deliveries')}, ${plural(r.callbacks.handler_checks.length, 'handler check')}`,
  );
  for (const d of r.callbacks.deliveries) {
    out.push(
      `  ${d.event_type} ${d.id} → ${d.url} (mchid ${d.mchid}, coupon ${d.coupon_id}): ${d.state}${d.delivered_in_time ? ', answered 200/204 within 5 s' : ''}${d.probe_accepted ? ', ACCEPTED A PROBE' : ''}`,
    );
    for (const a of d.attempts) {
      const answer = a.status === null ? a.error : `HTTP ${a.status} in ${a.latency_ms} ms${a.error ? ` (${a.error})` : ''}`;
      out.push(
        `    ${a.probe ? 'probe     ' : `attempt ${a.n}`}${a.round > 1 ? ` (replay ${a.round - 1})` : ''} at ${a.virtual_time}: ${answer} — ${a.ok ? 'ok' : 'NOT OK'}`,
      );
    }
  }
  for (const c of r.callbacks.handler_checks) {
    out.push(
      `  handler check #${c.seq} → ${c.url} (mchid ${c.mchid}): ${c.verdict}${c.status === null ? '' : ` (HTTP ${c.status} in ${c.latency_ms} ms)`}${c.error ? ` — ${c.error}` : ''}`,
    );
    for (const k of c.cases ?? []) out.push(`    ${handlerCaseLine(k)}`);
  }
  for (const e of r.callbacks.chaos ?? []) {
    const answer =
      e.expected === null ? '' : `: ${e.status === null ? `no answer (${e.error})` : `HTTP ${e.status}`} — ${e.ok ? 'ok' : 'NOT OK'}`;
    out.push(`  chaos ${e.kind} ${e.notification_id} (mchid ${e.mchid}, rule ${e.rule_id}): ${e.detail}${answer}`);
  }
  const injected = r.injected ?? [];
  out.push('');
  out.push(`Injected faults (${injected.length})${injected.length ? ': broken on purpose, not violations' : ': none'}`);
  for (const f of injected)
    out.push(
      `  #${f.seq} ${f.method} ${f.target}${f.operation_id ? ` (${f.operation_id})` : ''}: ${f.action} (${f.rule_id ?? 'header'}) — ${f.note}`,
    );
  return out.join('\n') + '\n';
}

// ── JUnit XML ─────────────────────────────────────────────────────────────────────────────────────

/** Text and attribute content: the five entities, and no characters XML 1.0 forbids. */
export function esc(value: unknown): string {
  return (
    String(value)
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

interface Case {
  classname: string;
  name: string;
  failures: ReportIssue[];
  notes: ReportIssue[];
  skipped?: string;
  out?: string;
}

function issueText(i: ReportIssue): string {
  const extra = { ...i } as Record<string, unknown>;
  delete extra.summary;
  return `${i.summary}\n${JSON.stringify(extra, null, 2)}`;
}

function caseXml(c: Case): string {
  const open = `    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="0"`;
  const body: string[] = [];
  if (c.skipped !== undefined) body.push(`      <skipped message="${esc(c.skipped)}"/>`);
  if (c.failures.length) {
    // One <failure> per case (the JUnit schema's rule): the first summary as the message, all in the text.
    const first = c.failures[0];
    const message = c.failures.length > 1 ? `${first.summary} (and ${c.failures.length - 1} more)` : first.summary;
    body.push(
      `      <failure type="${esc(first.kind)}" message="${esc(message)}">${esc(c.failures.map(issueText).join('\n\n'))}</failure>`,
    );
  }
  const out = [c.out, ...c.notes.map((n) => `warning: ${n.summary}`)].filter(Boolean).join('\n');
  if (out) body.push(`      <system-out>${esc(out)}</system-out>`);
  return body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`;
}

function suiteXml(name: string, cases: Case[], timestamp: string): string {
  const failures = cases.filter((c) => c.failures.length).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  return [
    `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0" timestamp="${esc(timestamp.replace(/\.\d+Z$/, ''))}">`,
    ...cases.map(caseXml),
    '  </testsuite>',
  ].join('\n');
}

const familyOf = (operationId: string) => operationId.split('.')[0];

function junit(r: ContractReport): string {
  // A warning fails its case in strict mode, as it fails the report.
  const route = (c: Case, i: ReportIssue) => (i.severity === 'violation' || r.strict ? c.failures : c.notes).push(i);
  const coverage: Case[] = r.coverage.operations.map((o) => ({
    classname: `wxpay-mock.coverage.${familyOf(o.operation_id)}`,
    name: `${o.operation_id} ${o.method} ${o.path}`,
    failures: [],
    notes: [],
    ...(o.state === 'exercised'
      ? { out: `${o.succeeded} of ${o.requests} request(s) answered 2xx` }
      : {
          skipped:
            o.state === 'attempted' ? `attempted ${o.requests} time(s), never answered 2xx (${counts(o.statuses)})` : 'not exercised',
        }),
  }));

  const byOperation = new Map<string, Case>();
  for (const o of r.coverage.operations.filter((x) => x.requests)) {
    byOperation.set(o.operation_id, {
      classname: `wxpay-mock.requests.${familyOf(o.operation_id)}`,
      name: o.operation_id,
      failures: [],
      notes: [],
      out: `${plural(o.requests, 'request')}: ${counts(o.statuses)}`,
    });
  }
  const byPath = new Map<string, Case>();
  for (const u of r.coverage.unrouted)
    byPath.set(`${u.method} ${u.path}`, {
      classname: 'wxpay-mock.requests.unrouted',
      name: `${u.method} ${u.path}`,
      failures: [],
      notes: [],
      out: `${plural(u.requests, 'request')}: ${counts(u.statuses)}`,
    });
  const journal: Case = { classname: 'wxpay-mock.requests', name: 'journal', failures: [], notes: [] };

  const deliveries = new Map<string, Case>();
  for (const d of r.callbacks.deliveries) {
    deliveries.set(d.id, {
      classname: 'wxpay-mock.callbacks.delivery',
      name: `${d.event_type} ${d.id} → ${d.url}`,
      failures: [],
      notes: [],
      out: `${d.state}; ${d.attempts.length} attempt(s)`,
    });
  }
  const checks = new Map<string, Case>();
  for (const c of r.callbacks.handler_checks) {
    checks.set(c.notification_id, {
      classname: 'wxpay-mock.callbacks.handler-check',
      name: `#${c.seq} ${c.url}`,
      failures: [],
      notes: [],
      out: `${c.verdict}${c.status === null ? '' : ` (HTTP ${c.status})`}`,
    });
  }

  for (const i of [...r.violations, ...r.warnings]) {
    const target = i.target ? `${i.method} ${i.target.split('?')[0]}` : undefined;
    const c =
      (i.operation_id && byOperation.get(i.operation_id)) ||
      (target && byPath.get(target)) ||
      (i.notification_id && (deliveries.get(i.notification_id) ?? checks.get(i.notification_id))) ||
      journal;
    route(c, i);
  }

  const requests = [...byOperation.values(), ...byPath.values(), ...(journal.failures.length || journal.notes.length ? [journal] : [])];
  const callbacks = [...deliveries.values(), ...checks.values()];
  // Faults injected on purpose pass (they are no violations); listed so a CI view shows what was broken.
  const faults: Case[] = (r.injected ?? []).map((f) => ({
    classname: 'wxpay-mock.faults',
    name: `#${f.seq} ${f.method} ${f.target.split('?')[0]}: ${f.action}`,
    failures: [],
    notes: [],
    out: `injected on purpose (${f.rule_id ?? 'Wechatpay-Mock-Fault header'}): ${f.note}`,
  }));
  const suites = [
    suiteXml('wxpay-mock.coverage', coverage, r.generated_at),
    suiteXml('wxpay-mock.requests', requests, r.generated_at),
    suiteXml('wxpay-mock.callbacks', callbacks, r.generated_at),
    ...(faults.length ? [suiteXml('wxpay-mock.faults', faults, r.generated_at)] : []),
  ];
  const all = [...coverage, ...requests, ...callbacks, ...faults];
  const failures = all.filter((c) => c.failures.length).length;
  const skipped = all.filter((c) => c.skipped !== undefined).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="wxpay-mock contract report" tests="${all.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
