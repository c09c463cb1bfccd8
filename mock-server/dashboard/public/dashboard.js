/* global document, fetch, EventSource, URLSearchParams, setTimeout, clearTimeout, setInterval, clearInterval */
/**
 * The wxpay-mock dashboard: Preact + htm, no build step (docs/guides/dashboard.md). Everything it shows
 * comes from the control API of the mock that serves it, and everything it changes goes through it:
 *   GET  /_mock/state/{merchants,stocks,coupons,activities,partnerships,deliveries}   (read-only views)
 *   GET  /_mock/journal/stream (server-sent events), /_mock/clock, /_mock/report, /_mock/health
 *   POST /_mock/favor/coupons/{id}/use|refund, /_mock/callbacks/{id}/replay, /_mock/clock/…
 */
import { h, render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const JOURNAL_KEPT = 500;
const REFRESH_MS = 3000;

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────

/** A control API call; a refusal throws with the API's code and message. */
async function api(path, body, method = body === undefined ? 'GET' : 'POST') {
  const init = body === undefined ? { method } : { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) throw new Error(data && data.code ? `${data.code}: ${data.message}` : `HTTP ${res.status}`);
  return data;
}

/** Business time as the API writes it: China Standard Time. */
const cst = (ms) => new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19) + ' +08:00';
/** An offset from real time, roughly: `+29 d 4 h`, `-3 h 12 min`, `+45 s`. */
function duration(ms) {
  const sign = ms < 0 ? '-' : '+';
  let s = Math.round(Math.abs(ms) / 1000);
  const parts = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ]) {
    if (s >= size || (unit === 's' && !parts.length)) parts.push(`${Math.floor(s / size)} ${unit}`);
    s %= size;
  }
  return sign + parts.slice(0, 2).join(' ');
}
const shortTime = (rfc3339) => (rfc3339 ? rfc3339.replace('T', ' ').slice(0, 19) : '');
const yuan = (fen) => (typeof fen === 'number' ? `¥${(fen / 100).toFixed(2)}` : '');
const json = (value) => JSON.stringify(value, null, 2);
const statusClass = (status) => (status === null || status === undefined ? 'none' : status < 300 ? 'ok' : status < 500 ? 'warn' : 'bad');

const Badge = ({ kind, children }) => html`<span class=${`badge ${kind}`}>${children}</span>`;
const Empty = ({ children }) => html`<p class="empty">${children}</p>`;

function Panel({ id, title, count, actions, children, wide }) {
  return html`<section id=${id} class=${wide ? 'panel wide' : 'panel'}>
    <header>
      <h2>${title}${count === undefined ? '' : html` <span class="count">${count}</span>`}</h2>
      ${actions}
    </header>
    ${children}
  </section>`;
}

const STATUS_KIND = {
  running: 'ok',
  unactivated: 'idle',
  paused: 'warn',
  stoped: 'bad',
  SENDED: 'ok',
  USED: 'info',
  EXPIRED: 'bad',
  delivered: 'ok',
  pending: 'warn',
  failed: 'bad',
  ONGOING_ACT_STATUS: 'ok',
  CREATE_ACT_STATUS: 'idle',
  TERMINATE_ACT_STATUS: 'bad',
  OVER_TIME_ACT_STATUS: 'bad',
  STOP_ACT_STATUS: 'warn',
  CREATE_ACT_FAILED: 'bad',
  audit: 'warn',
  ESTABLISHED: 'ok',
  TERMINATED: 'bad',
};
const Status = ({ value }) => html`<${Badge} kind=${STATUS_KIND[value] ?? 'idle'}>${value}<//>`;

// ── clock ───────────────────────────────────────────────────────────────────────────────────────

function ClockPanel({ clock, act }) {
  const [by, setBy] = useState('1d');
  const [at, setAt] = useState('');
  if (!clock) return null;
  const timeBody = () => ({ time: at.trim() || clock.now_ms });
  return html`<${Panel} id="clock" title="Virtual clock">
    <p class="now">
      <strong data-clock-now=${clock.now_ms}>${cst(clock.now_ms)}</strong>
      ${' '}<${Badge} kind=${clock.frozen ? 'info' : 'ok'}>${clock.frozen ? 'frozen' : 'running'}<//>
      ${Math.abs(clock.offset_ms) >= 1000 ? html` <span class="muted">${duration(clock.offset_ms)} from real time</span>` : ''}
    </p>
    <div class="controls">
      ${
        clock.frozen
          ? html`<button onClick=${() => act('Clock running again', () => api('/_mock/clock/unfreeze', {}))}>Unfreeze</button>`
          : html`<button onClick=${() => act('Clock frozen', () => api('/_mock/clock/freeze', {}))}>Freeze</button>`
      }
      <button onClick=${() => act('Clock back to real time', () => api('/_mock/clock/reset', {}))}>Real time</button>
    </div>
    <form
      class="controls"
      onSubmit=${(e) => {
        e.preventDefault();
        act(`Clock advanced by ${by}`, () => api('/_mock/clock/advance', { by: /^-?\d+$/.test(by.trim()) ? Number(by) : by.trim() }));
      }}
    >
      <label>Advance by <input name="advance" value=${by} size="6" onInput=${(e) => setBy(e.currentTarget.value)} /></label>
      <button type="submit">Advance</button>
      <span class="muted">ms or 90s, 15m, 2h, 1d</span>
    </form>
    <form
      class="controls"
      onSubmit=${(e) => {
        e.preventDefault();
        act('Clock set', () => api('/_mock/clock/set', timeBody()));
      }}
    >
      <label
        >Set to
        <input name="set" value=${at} placeholder="2026-03-02T10:00:00+08:00" size="26" onInput=${(e) => setAt(e.currentTarget.value)}
      /></label>
      <button type="submit">Set</button>
      <button type="button" onClick=${() => act('Clock set and frozen', () => api('/_mock/clock/set', { ...timeBody(), freeze: true }))}>
        Set and freeze
      </button>
    </form>
  <//>`;
}

// ── contract report ─────────────────────────────────────────────────────────────────────────────

function ReportPanel({ report }) {
  if (!report) return null;
  const s = report.summary;
  const issues = [...report.violations, ...report.warnings];
  return html`<${Panel}
    id="report"
    title="Contract report"
    actions=${html`<a href="/_mock/report?format=text" target="_blank" rel="noopener">as text</a>`}
  >
    <p class="summary">
      <${Badge} kind=${report.ok ? 'ok' : 'bad'}>${report.ok ? 'OK' : 'FAIL'}<//>
      ${' '}${s.requests} requests · ${s.exercised}/${s.operations} operations exercised (${s.attempted} attempted) ·
      <span class=${s.violations ? 'bad-text' : ''}> ${s.violations} violations</span> · ${s.warnings} warnings · ${s.deliveries} deliveries
      · ${s.handler_checks} handler checks
    </p>
    ${
      issues.length
        ? html`<ul class="issues">
            ${issues.slice(0, 8).map((i, n) => html`<li key=${n} class=${i.severity}>${i.summary}</li>`)}
            ${issues.length > 8 ? html`<li class="muted">… ${issues.length - 8} more in the full report</li>` : ''}
          </ul>`
        : ''
    }
  <//>`;
}

// ── merchants, stocks, coupons, activities, partnerships ────────────────────────────────────────

function MerchantsPanel({ merchants }) {
  return html`<${Panel} id="merchants" title="Merchants" count=${merchants.length} wide>
    <table>
      <thead>
        <tr>
          <th>mchid</th>
          <th>name</th>
          <th>role</th>
          <th>signing</th>
          <th>balance</th>
          <th>代金券 notify URL</th>
        </tr>
      </thead>
      <tbody>
        ${merchants.map(
          (m) =>
            html`<tr key=${m.mchid}>
              <td class="mono">${m.mchid}</td>
              <td>${m.name}</td>
              <td>${m.role}</td>
              <td>${m.verification_mode === 'public_key' ? 'public key' : 'certificate'}</td>
              <td class="num">${yuan(m.balance)}</td>
              <td class="mono wrap">${m.notify_url ?? html`<span class="muted">not set</span>`}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  <//>`;
}

function Budget({ used, total }) {
  const pct = total ? Math.min(100, Math.round((used / total) * 100)) : 0;
  return html`<div class="budget" title=${`${yuan(used)} of ${yuan(total)}`}>
    <div class="bar"><div style=${`width:${pct}%`}></div></div>
    <span>${yuan(used)} / ${yuan(total)}</span>
  </div>`;
}

/** A stock in `audit` waits for the review that WeChat Pay does; the control API plays it. */
function Review({ stock, act }) {
  if (stock.status !== 'audit') return null;
  const decide = (decision) =>
    act(`Stock ${stock.stock_id} ${decision === 'approve' ? 'approved' : 'rejected'}`, () =>
      api(`/_mock/favor/stocks/${stock.stock_id}/${decision}`, {}),
    );
  return html`<button onClick=${() => decide('approve')}>Approve</button> <button onClick=${() => decide('reject')}>Reject</button>`;
}

function StocksPanel({ stocks, onPick, act }) {
  return html`<${Panel} id="stocks" title="代金券 stocks" count=${stocks.length} wide>
    ${
      stocks.length
        ? html`<table>
            <thead>
              <tr>
                <th>stock_id</th>
                <th>name</th>
                <th>creator</th>
                <th>status</th>
                <th>coupon</th>
                <th>sent</th>
                <th>budget used</th>
                <th>used</th>
                <th>window</th>
              </tr>
            </thead>
            <tbody>
              ${stocks.map(
                (s) =>
                  html`<tr key=${s.stock_id} data-stock-id=${s.stock_id}>
                    <td class="mono"><a href="#coupons" onClick=${() => onPick(s.stock_id)}>${s.stock_id}</a></td>
                    <td>${s.stock_name}</td>
                    <td class="mono">${s.creator_mchid}</td>
                    <td class="actions"><${Status} value=${s.status} /> <${Review} stock=${s} act=${act} /></td>
                    <td>${yuan(s.coupon_amount)} off ${yuan(s.transaction_minimum)}</td>
                    <td class="num">${s.distributed_coupons} / ${s.max_coupons}</td>
                    <td><${Budget} used=${s.distributed_amount} total=${s.max_amount} /></td>
                    <td class="num">
                      ${s.used_coupons}${s.refunded_coupons ? html` <span class="muted">(${s.refunded_coupons} refunded)</span>` : ''}
                    </td>
                    <td class="small">${shortTime(s.available_begin_time)} → ${shortTime(s.available_end_time)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<${Empty}>No stock yet: create one with POST /v3/marketing/favor/coupon-stocks.<//>`
    }
  <//>`;
}

function CouponsPanel({ coupons, filter, setFilter, users, act }) {
  const set = (key) => (e) => setFilter({ ...filter, [key]: e.currentTarget.value });
  const use = (c) =>
    act(`Coupon ${c.coupon_id} used`, async () => {
      const r = await api(`/_mock/favor/coupons/${c.coupon_id}/use`, {});
      return r.delivery ? `COUPON.USE ${r.delivery.id} on its way to ${r.delivery.url}` : 'no notify URL set: no COUPON.USE sent';
    });
  const refund = (c) => act(`Coupon ${c.coupon_id} refunded`, () => api(`/_mock/favor/coupons/${c.coupon_id}/refund`, {}));
  return html`<${Panel} id="coupons" title="代金券 coupons" count=${coupons.total} wide>
    <form class="controls" onSubmit=${(e) => e.preventDefault()}>
      <label>openid <input name="openid" list="openids" value=${filter.openid} size="30" onInput=${set('openid')} /></label>
      <datalist id="openids">${users.map((u) => html`<option key=${u.openid} value=${u.openid}>${u.appid}</option>`)}</datalist>
      <label
        >status
        <select name="status" value=${filter.status} onChange=${set('status')}>
          <option value="">any</option>
          <option>SENDED</option>
          <option>USED</option>
          <option>EXPIRED</option>
        </select>
      </label>
      <label>stock_id <input name="stock_id" value=${filter.stock_id} size="10" onInput=${set('stock_id')} /></label>
    </form>
    ${
      coupons.coupons.length
        ? html`<table>
              <thead>
                <tr>
                  <th>coupon_id</th>
                  <th>stock</th>
                  <th>openid</th>
                  <th>status</th>
                  <th>amount</th>
                  <th>sent</th>
                  <th>used</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${coupons.coupons.map(
                  (c) =>
                    html`<tr key=${c.coupon_id} data-coupon-id=${c.coupon_id}>
                      <td class="mono">${c.coupon_id}</td>
                      <td><span class="mono">${c.stock_id}</span> ${c.stock_name}</td>
                      <td class="mono small">${c.openid}</td>
                      <td><${Status} value=${c.status} /></td>
                      <td class="num">${yuan(c.coupon_amount)}</td>
                      <td class="small">${shortTime(c.create_time)}</td>
                      <td class="small">
                        ${
                          c.consume_information
                            ? html`${shortTime(c.consume_information.consume_time)}<br /><span class="mono"
                                  >${c.consume_information.transaction_id}</span
                                >`
                            : ''
                        }
                      </td>
                      <td class="actions">
                        <button disabled=${c.status !== 'SENDED'} onClick=${() => use(c)}>Use</button>
                        <button disabled=${c.status !== 'USED'} onClick=${() => refund(c)}>Refund</button>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${coupons.total > coupons.coupons.length ? html`<p class="muted">${coupons.coupons.length} newest of ${coupons.total} shown.</p>` : ''}`
        : html`<${Empty}>No coupon matches.<//>`
    }
  <//>`;
}

/** What the merchant platform does to an activity (no API does): pause, recover, and a failed creation. */
const ACTIVITY_ACTIONS = [
  ['pause', 'Pause', ['CREATE_ACT_STATUS', 'ONGOING_ACT_STATUS']],
  ['recover', 'Recover', ['STOP_ACT_STATUS']],
  ['fail', 'Fail', ['CREATE_ACT_STATUS']],
];

function ActivitiesPanel({ activities, act }) {
  return html`<${Panel} id="activities" title="支付有礼 activities" count=${activities.length} wide>
    ${
      activities.length
        ? html`<table>
            <thead>
              <tr>
                <th>activity_id</th>
                <th>name</th>
                <th>creator</th>
                <th>status</th>
                <th>award</th>
                <th>merchants</th>
                <th>window</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${activities.map(
                (a) =>
                  html`<tr key=${a.activity_id} data-activity-id=${a.activity_id}>
                    <td class="mono">${a.activity_id}</td>
                    <td>${a.activity_name}</td>
                    <td class="mono">${a.creator_mchid}</td>
                    <td><${Status} value=${a.status} /></td>
                    <td class="small">${a.send_content} · ${yuan(a.transaction_amount_minimum)} minimum</td>
                    <td class="num">${a.merchants.length}</td>
                    <td class="small">${a.begin_time.slice(0, 10)} → ${a.end_time.slice(0, 10)}</td>
                    <td class="actions">
                      ${ACTIVITY_ACTIONS.map(
                        ([action, label, from]) =>
                          html`<button
                            key=${action}
                            disabled=${!from.includes(a.status)}
                            onClick=${() =>
                              act(`Activity ${a.activity_id}: ${action}`, () =>
                                api(`/_mock/paygift/activities/${a.activity_id}/${action}`, {}),
                              )}
                          >
                            ${label}
                          </button> `,
                      )}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<${Empty}>No activity yet.<//>`
    }
  <//>`;
}

function PartnershipsPanel({ partnerships }) {
  return html`<${Panel} id="partnerships" title="委托营销 partnerships" count=${partnerships.length}>
    ${
      partnerships.length
        ? html`<table>
            <thead>
              <tr>
                <th>owner</th>
                <th>partner</th>
                <th>stock</th>
                <th>state</th>
                <th>built</th>
              </tr>
            </thead>
            <tbody>
              ${partnerships.map(
                (p, n) =>
                  html`<tr key=${n}>
                    <td class="mono">${p.owner_mchid}</td>
                    <td class="mono">${p.partner.type} ${p.partner.appid ?? p.partner.merchant_id}</td>
                    <td class="mono">${p.authorized_data.business_type} ${p.authorized_data.stock_id}</td>
                    <td><${Status} value=${p.state} /></td>
                    <td class="small">${shortTime(p.build_time)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<${Empty}>No partnership yet.<//>`
    }
  <//>`;
}

// ── COUPON.USE deliveries ───────────────────────────────────────────────────────────────────────

function DeliveriesPanel({ deliveries, act }) {
  const replay = (d) =>
    act(`COUPON.USE ${d.id} replayed`, async () => {
      const r = await api(`/_mock/callbacks/${d.id}/replay`, { wait: 'attempt' });
      const last = r.delivery.attempts[r.delivery.attempts.length - 1];
      return last ? `round ${r.delivery.round}: answered ${last.status ?? last.error}` : '';
    });
  return html`<${Panel} id="deliveries" title="COUPON.USE deliveries" count=${deliveries.length} wide>
    ${
      deliveries.length
        ? html`<div class="deliveries">
            ${deliveries.map((d) => {
              const last = d.attempts[d.attempts.length - 1];
              return html`<details key=${d.id} data-delivery-id=${d.id} data-attempts=${d.attempts.length}>
                <summary>
                  <span class="mono">${d.id}</span>
                  <${Status} value=${d.state} />
                  <span>coupon <span class="mono">${d.coupon_id}</span> → ${d.mchid}</span>
                  <span class="attempts">${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'} (round ${d.round})</span>
                  ${last ? html`<span class=${`code ${statusClass(last.status)}`}>${last.status ?? last.error}</span>` : ''}
                  ${d.next_attempt_at ? html`<span class="muted small">next ${shortTime(d.next_attempt_at)}</span>` : ''}
                  <button
                    onClick=${(e) => {
                      e.preventDefault();
                      replay(d);
                    }}
                  >
                    Replay
                  </button>
                </summary>
                <div class="delivery-body">
                  <div>
                    <h3>Decrypted resource</h3>
                    <pre class="plaintext">${d.plaintext ? json(d.plaintext) : d.decrypt_error}</pre>
                  </div>
                  <div>
                    <h3>Attempts to <span class="mono">${d.url}</span></h3>
                    <table>
                      <thead>
                        <tr>
                          <th>round</th>
                          <th>#</th>
                          <th>virtual time</th>
                          <th>status</th>
                          <th>latency</th>
                          <th>outcome</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${d.attempts.map(
                          (a, n) =>
                            html`<tr key=${n}>
                              <td class="num">${a.round}</td>
                              <td class="num">${a.n}${a.probe ? ' probe' : ''}</td>
                              <td class="small">${shortTime(a.virtual_time)}</td>
                              <td><span class=${`code ${statusClass(a.status)}`}>${a.status ?? '—'}</span></td>
                              <td class="num">${a.latency_ms.toFixed(1)} ms</td>
                              <td>${a.outcome}${a.error ? html` <span class="muted small">${a.error}</span>` : ''}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>
                </div>
              </details>`;
            })}
          </div>`
        : html`<${Empty}>No COUPON.USE yet: set a notify URL (POST /v3/marketing/favor/callbacks) and use a coupon.<//>`
    }
  <//>`;
}

// ── journal (live) ──────────────────────────────────────────────────────────────────────────────

function Finding({ f }) {
  return html`<li class=${`finding ${f.kind}`}>
    <strong>${f.kind}</strong>${f.location ? ` · ${f.location}` : ''}${f.field ? ` · ${f.field}` : ''}: ${f.issue}
    ${f.message && f.message !== f.issue ? html`<div>message: ${f.message}</div>` : ''}
    ${f.hint ? html`<div class="hint">hint: ${f.hint}</div>` : ''} ${f.detail !== undefined ? html`<pre>${json(f.detail)}</pre>` : ''}
  </li>`;
}

function JournalPanel({ onEntry }) {
  const [entries, setEntries] = useState([]);
  const [live, setLive] = useState(false);
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const [findingsOnly, setFindingsOnly] = useState(false);
  const onEntryRef = useRef(onEntry);
  onEntryRef.current = onEntry;

  useEffect(() => {
    const source = new EventSource('/_mock/journal/stream?limit=200');
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(false);
    let run = null;
    source.addEventListener('entry', (event) => {
      const entry = JSON.parse(event.data);
      // Event ids are `<run>:<seq>`: another run is a restarted mock, whose seq starts from 1 again.
      const restarted = run !== null && !event.lastEventId.startsWith(`${run}:`);
      run = event.lastEventId.split(':')[0];
      setEntries((list) => [entry, ...(restarted ? [] : list).filter((e) => e.seq !== entry.seq)].slice(0, JOURNAL_KEPT));
      onEntryRef.current();
    });
    return () => source.close();
  }, []);

  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return entries.filter(
      (e) =>
        (!findingsOnly || e.findings.length > 0) &&
        (!status || String(e.status)[0] === status) &&
        (!needle ||
          [e.method, e.target, e.operation_id, e.mchid, e.code, e.message, String(e.status)].some(
            (v) => v && String(v).toLowerCase().includes(needle),
          )),
    );
  }, [entries, text, status, findingsOnly]);

  return html`<${Panel}
    id="journal"
    title="Journal"
    count=${shown.length === entries.length ? entries.length : `${shown.length} of ${entries.length}`}
    actions=${html`<${Badge} kind=${live ? 'ok' : 'bad'}>${live ? 'live' : 'disconnected'}<//>`}
    wide
  >
    <form class="controls" onSubmit=${(e) => e.preventDefault()}>
      <label
        >filter
        <input
          name="journal-filter"
          value=${text}
          placeholder="operation, path, code, mchid"
          size="32"
          onInput=${(e) => setText(e.currentTarget.value)}
      /></label>
      <label
        >status
        <select name="journal-status" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
          <option value="">any</option>
          <option value="2">2xx</option>
          <option value="4">4xx</option>
          <option value="5">5xx</option>
        </select>
      </label>
      <label
        ><input
          type="checkbox"
          name="journal-findings"
          checked=${findingsOnly}
          onChange=${(e) => setFindingsOnly(e.currentTarget.checked)}
        />
        with findings</label
      >
      <button type="button" onClick=${() => setEntries([])}>Clear view</button>
    </form>
    ${
      shown.length
        ? html`<div class="journal">
            ${shown.map(
              (e) =>
                html`<details key=${e.seq} data-seq=${e.seq} class=${e.findings.length ? 'has-findings' : ''}>
                  <summary>
                    <span class="muted num">#${e.seq}</span>
                    <span class="small">${shortTime(e.virtual_time)}</span>
                    <span class=${`code ${statusClass(e.status)}`}>${e.status}</span>
                    <span class="mono method">${e.method}</span>
                    <span class="mono target">${e.target}</span>
                    <span class="op">${e.operation_id ?? ''}</span>
                    <span class="mono">${e.mchid ?? ''}</span>
                    <span>${e.code ?? ''}</span>
                    <span class="muted num">${e.duration_ms} ms</span>
                    ${e.findings.length ? html`<${Badge} kind="bad">${e.findings.length} finding${e.findings.length === 1 ? '' : 's'}<//>` : ''}
                  </summary>
                  <div class="entry-body">
                    <p class="small">
                      request_id <span class="mono">${e.request_id}</span> · real time
                      ${e.time}${e.message ? html` · message ${e.message}` : ''}
                    </p>
                    ${
                      e.findings.length
                        ? html`<ul class="findings">
                            ${e.findings.map((f, n) => html`<${Finding} key=${n} f=${f} />`)}
                          </ul>`
                        : ''
                    }
                  </div>
                </details>`,
            )}
          </div>`
        : html`<${Empty}>${entries.length ? 'No entry matches the filter.' : 'No request yet: point an SDK at this mock.'}<//>`
    }
  <//>`;
}

// ── fault rules ─────────────────────────────────────────────────────────────────────────────────

/** A rule's filters and effect in one line (`operation_id=favor.sendCoupon action=error code=SYSTEM_ERROR`). */
const RULE_BOOKKEEPING = new Set(['id', 'seen', 'fired', 'source', 'seed']);
const ruleText = (rule) =>
  Object.entries(rule)
    .filter(([k]) => !RULE_BOOKKEEPING.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');

/** A rule whose `times` are used up fires no more; at the 1,000-rule bound a new rule takes its place. */
const SPENT_TITLE = 'its times are used up: it fires no more, and a new rule may take its place';
const spentTag = (r) =>
  r.times !== undefined && r.fired >= r.times ? html` <span class="muted small" title=${SPENT_TITLE}>spent</span>` : '';

function RuleList({ base, rules, placeholder, act, what }) {
  const [text, setText] = useState('');
  return html`${
      rules.length
        ? html`<table>
            <thead>
              <tr>
                <th>id</th>
                <th>rule</th>
                <th>seen</th>
                <th>fired</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${rules.map(
                (r) =>
                  html`<tr key=${r.id} data-rule-id=${r.id}>
                    <td class="mono">${r.id}${r.source === 'startup' ? html` <span class="muted small">start-up</span>` : ''}</td>
                    <td class="mono small wrap">${ruleText(r)}</td>
                    <td class="num">${r.seen ?? ''}</td>
                    <td class="num">${r.fired ?? ''}${spentTag(r)}</td>
                    <td>
                      <button onClick=${() => act(`${what} ${r.id} removed`, () => api(`${base}/${r.id}`, undefined, 'DELETE'))}>
                        Remove
                      </button>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<${Empty}>No ${what}.<//>`
    }
    <form
      class="controls"
      onSubmit=${(e) => {
        e.preventDefault();
        act(`${what} added`, async () => {
          // JSON as is (a rule object or a list); anything else is one line of `--fault` text.
          const input = text.trim();
          await api(base, /^[[{]/.test(input) ? JSON.parse(input) : { text: input });
          setText('');
        });
      }}
    >
      <input
        value=${text}
        aria-label=${`new ${what}`}
        placeholder=${placeholder}
        size="48"
        onInput=${(e) => setText(e.currentTarget.value)}
      />
      <button type="submit" disabled=${!text.trim()}>Add</button>
      ${rules.length ? html`<button type="button" onClick=${() => act(`every ${what} removed`, () => api(base, undefined, 'DELETE'))}>Remove all</button>` : ''}
    </form>`;
}

/**
 * Fault injection (docs/guides/faults.md): shown only when this mock has GET /_mock/faults. Rules are
 * added as one line of text, as `--fault` takes them, and removed one by one or all at once.
 */
function FaultsPanel({ faults, act }) {
  if (!faults) return null;
  return html`<${Panel} id="faults" title="Fault rules" count=${faults.requests.length + faults.callbacks.length}>
    <h3>Requests</h3>
    <${RuleList}
      base="/_mock/faults"
      rules=${faults.requests}
      placeholder="op=favor.sendCoupon SYSTEM_ERROR after times=1"
      act=${act}
      what="fault rule"
    />
    ${
      faults.callbacks
        ? html`<h3>COUPON.USE deliveries</h3>
            <${RuleList}
              base="/_mock/faults/callbacks"
              rules=${faults.callbacks}
              placeholder='{"duplicate": 2, "mchid": "1900000001"}'
              act=${act}
              what="callback chaos rule"
            />`
        : ''
    }
  <//>`;
}

/** Both rule sets, or null when this mock has no fault injection (404). */
async function faultRules() {
  const [requests, callbacks] = await Promise.all(
    ['/_mock/faults', '/_mock/faults/callbacks'].map((path) =>
      fetch(path).then(
        (r) => (r.ok ? r.json() : null),
        () => null,
      ),
    ),
  );
  return requests ? { requests: requests.rules ?? [], callbacks: callbacks?.rules ?? [] } : null;
}

// ── the page ────────────────────────────────────────────────────────────────────────────────────

const VIEWS = ['merchants', 'stocks', 'activities', 'partnerships', 'deliveries'];

function App() {
  const [state, setState] = useState({ merchants: [], stocks: [], activities: [], partnerships: [], deliveries: [] });
  const [coupons, setCoupons] = useState({ coupons: [], total: 0 });
  const [filter, setFilter] = useState({ openid: '', status: '', stock_id: '' });
  const [clock, setClock] = useState(null);
  const [report, setReport] = useState(null);
  const [faults, setFaults] = useState(null);
  const [health, setHealth] = useState(null);
  const [users, setUsers] = useState([]);
  const [notice, setNotice] = useState(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const refreshSoonRef = useRef(() => {});

  const refresh = useCallback(async () => {
    try {
      const q = new URLSearchParams(Object.entries(filterRef.current).filter(([, v]) => v));
      const [views, couponList, clockNow, reportNow, faultSets] = await Promise.all([
        Promise.all(VIEWS.map((v) => api(`/_mock/state/${v}`))),
        api(`/_mock/state/coupons?${q}`),
        api('/_mock/clock'),
        api('/_mock/report'),
        faultRules(),
      ]);
      const next = Object.fromEntries(VIEWS.map((v, i) => [v, views[i][v]]));
      setState(next);
      // A delivery whose first attempt is on its way: look again shortly rather than in 3 s.
      if (next.deliveries.some((d) => d.state === 'pending' && d.attempts_in_round === 0)) refreshSoonRef.current(500);
      setCoupons(couponList);
      // The mock answers again (it was restarted, say): the "cannot read" notice is over.
      setNotice((n) => (n && n.down ? null : n));
      setClock(clockNow);
      setReport(reportNow);
      setFaults(faultSets);
    } catch (err) {
      setNotice({ kind: 'bad', down: true, text: `Cannot read the mock: ${err.message}` });
    }
  }, []);

  // A burst of requests (a test suite) refreshes the views once, not once per entry.
  const timer = useRef(undefined);
  const refreshSoon = useCallback(
    (delayMs = 150) => {
      clearTimeout(timer.current);
      timer.current = setTimeout(refresh, delayMs);
    },
    [refresh],
  );
  refreshSoonRef.current = refreshSoon;

  useEffect(() => {
    api('/_mock/health').then(setHealth, () => {});
    api('/_mock/credentials').then(
      (c) => setUsers(c.users ?? []),
      () => {},
    );
    refresh();
    // Retries fire on their own and other clients use the control API: look again now and then.
    const every = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(every);
  }, [refresh]);
  useEffect(() => refreshSoon(), [filter]);

  /** Runs a control operation, says how it went, and refreshes. */
  const act = useCallback(
    async (done, run) => {
      try {
        const more = await run();
        setNotice({ kind: 'ok', text: typeof more === 'string' && more ? `${done}: ${more}` : done });
      } catch (err) {
        setNotice({ kind: 'bad', text: err.message });
      }
      await refresh();
    },
    [refresh],
  );

  return html`<header class="top">
      <h1>wxpay-mock <span class="muted">${health ? `v${health.version}` : ''}</span></h1>
      <nav>
        ${['clock', 'report', 'stocks', 'coupons', 'deliveries', 'journal', 'partnerships', 'activities', 'merchants'].map(
          (id) => html`<a key=${id} href=${`#${id}`}>${id}</a>`,
        )}
        ${faults ? html`<a href="#faults">faults</a>` : ''}
      </nav>
      ${
        notice
          ? html`<p class=${`notice ${notice.kind}`} role="status">
              ${notice.text} <button class="link" onClick=${() => setNotice(null)}>dismiss</button>
            </p>`
          : ''
      }
    </header>
    <main>
      <${ClockPanel} clock=${clock} act=${act} />
      <${ReportPanel} report=${report} />
      <${StocksPanel} stocks=${state.stocks} onPick=${(stock_id) => setFilter({ ...filterRef.current, stock_id })} act=${act} />
      <${CouponsPanel} coupons=${coupons} filter=${filter} setFilter=${setFilter} users=${users} act=${act} />
      <${DeliveriesPanel} deliveries=${state.deliveries} act=${act} />
      <${JournalPanel} onEntry=${refreshSoon} />
      <${FaultsPanel} faults=${faults} act=${act} />
      <${PartnershipsPanel} partnerships=${state.partnerships} />
      <${ActivitiesPanel} activities=${state.activities} act=${act} />
      <${MerchantsPanel} merchants=${state.merchants} />
    </main>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading…" line: Preact adds to a container, it does not clear it
render(html`<${App} />`, root);
