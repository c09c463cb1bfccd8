/**
 * The contract report (issue 7, items 2–3): `wxpay-mock report` — the shipped CLI from dist/ (build
 * first) against a running mock — exits non-zero with a precise message on a seeded contract violation
 * and a seeded signature bug; its JSON and JUnit XML are well formed; coverage lists what was and was
 * not exercised; strict mode refuses `x-not-open` fields; the handler check flags a notify handler that
 * accepts a broken signature and passes one that refuses it; per delivery, 200/204 within 5 s.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildReport,
  createCallbackReceiver,
  createSigner,
  formatReport,
  startMock,
  type CallbackReceiver,
  type ContractReport,
  type RunningMock,
} from '../mock-server/index.js';
import { couponUsePlaintext } from './helpers/coupon-use.js';
import { CREATOR, newMock, type TestMock } from './helpers/mock.js';
import { createBody, CREATE, NOW as PAYGIFT_NOW } from './helpers/paygift.js';

// The package's bin, as a user runs it.
const CLI = join(import.meta.dirname, '..', 'dist', 'mock-server', 'wxpay-mock.cjs');
const STOCKS = '/v3/marketing/favor/coupon-stocks';
const CALLBACKS = '/v3/marketing/favor/callbacks';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

/** Runs the CLI to its end. */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

/** Starts `wxpay-mock start` in the background, as a CI job does; resolves once it prints its URL. Stopped by `owner`'s cleanup. */
async function startCli(args: string[] = [], owner = cleanups): Promise<{ url: string; signer: ReturnType<typeof createSigner> }> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, '--port', '0', '--in-memory', ...args]);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  owner.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('WXPAY_PUBLIC_KEY_PATH'))
        resolve(Object.fromEntries([...out.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]])));
    });
    void exited.then(() => reject(new Error(`the CLI exited: ${err}`)));
  });
  const signer = createSigner({
    mchid: env.WXPAY_MCHID,
    serialNo: env.WXPAY_MERCHANT_SERIAL_NO,
    privateKey: readFileSync(env.WXPAY_MERCHANT_PRIVATE_KEY_PATH, 'utf8'),
  });
  return { url: env.WXPAY_MOCK_URL, signer };
}

/** A request signed as the SDKs sign it (or over `signedBody` when a test seeds a signing bug). */
async function send(
  url: string,
  signer: ReturnType<typeof createSigner>,
  method: string,
  target: string,
  body?: unknown,
  signedBody?: string,
) {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url + target, { method, headers: signer.headers(method, target, signedBody ?? text), body: text });
  const reply = await res.text();
  return { status: res.status, body: reply ? JSON.parse(reply) : undefined };
}

const control = async (url: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(url + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined,
  };
};

const validStock = (overrides: Record<string, unknown> = {}) => ({
  stock_name: '报告测试批次',
  belong_merchant: CREATOR,
  available_begin_time: '2030-01-01T00:00:00+08:00',
  available_end_time: '2030-01-31T23:59:59+08:00',
  stock_use_rule: { max_coupons: 10, max_amount: 1000, max_coupons_per_user: 3, natural_person_limit: false, prevent_api_abuse: false },
  pattern_info: { description: '满10元减1元' },
  coupon_use_rule: { fixed_normal_coupon: { coupon_amount: 100, transaction_minimum: 1000 }, available_merchants: [CREATOR] },
  no_cash: true,
  stock_type: 'NORMAL',
  out_request_no: `REPORT${Date.now()}`,
  ...overrides,
});

/** Tests that spawn the CLI (a start, reports): generous on a loaded machine. */
const CLI_TIMEOUT = 60_000;

const LONG_NAME = '这是一个超过二十个字符长度限制的代金券批次名称啊';

describe('wxpay-mock report (the CLI against a running mock)', () => {
  beforeAll(() => {
    // The CLI runs from dist/: `npm test` builds first.
    expect(() => readFileSync(CLI)).not.toThrow();
  });

  // One mock for the reports below, in this process (the report reads any running mock over HTTP;
  // `wxpay-mock start` itself is tested in cli.test.ts), reset and its journal cleared before each, so
  // each report sees only its own requests.
  let shared: Promise<RunningMock> | undefined;
  afterAll(async () => (await shared)?.close());
  async function cleanMock() {
    const mock = await (shared ??= startMock());
    const m = mock.credentials.merchants.find((x) => x.mchid === CREATOR)!;
    const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    expect((await control(mock.url, 'POST', '/_mock/reset')).status).toBe(200);
    expect((await control(mock.url, 'DELETE', '/_mock/journal')).status).toBe(200);
    return { url: mock.url, signer };
  }

  describe('clean traffic, then an ignored query parameter and a seeded contract violation', () => {
    // One report run per state, several tests reading it: the clean journal's text report; then, with
    // the warning and the violation added, the JSON report and the JUnit file (whose run prints the text report).
    let url: string;
    let clean: Awaited<ReturnType<typeof cli>>;
    let bad: Awaited<ReturnType<typeof send>>;
    let json: Awaited<ReturnType<typeof cli>>;
    let junit: Awaited<ReturnType<typeof cli>>;
    const file = join(mkdtempSync(join(tmpdir(), 'wxpay-mock-report-')), 'contract.xml');
    beforeAll(async () => {
      const started = await cleanMock();
      url = started.url;
      const { signer } = started;
      expect((await send(url, signer, 'POST', CALLBACKS, { mchid: CREATOR, notify_url: 'https://m.example.com/notify' })).status).toBe(200);
      clean = await cli(['report', '--url', url]);
      expect((await send(url, signer, 'GET', `${CALLBACKS}?mchid=${CREATOR}&page=2`)).status).toBe(200);
      // stock_name over 20 characters: the contract says maxLength 20.
      bad = await send(url, signer, 'POST', STOCKS, validStock({ stock_name: LONG_NAME }));
      [json, junit] = await Promise.all([
        cli(['report', '--url', url, '--format', 'json']),
        cli(['report', '--url', url, '--format', 'junit', '--out', file]),
      ]);
    }, CLI_TIMEOUT);

    it('clean traffic → exit 0, PASSED, the exercised operation listed', () => {
      expect(clean.stderr).toBe('');
      expect(clean.status).toBe(0);
      expect(clean.stdout).toMatch(/^PASSED: 0 violations, 0 warnings — 1 request,/m);
      expect(clean.stdout).toMatch(
        /^ {2}exercised {4} {2}favor\.setCallback +POST \/v3\/marketing\/favor\/callbacks {2}— 1 request, 1 ok; 200$/m,
      );
    });

    it('a seeded contract violation → exit 1 naming operation, field, issue and the value sent (the text report, printed beside --out)', () => {
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('PARAM_ERROR');
      expect(junit.status).toBe(1);
      expect(junit.stdout).toMatch(/^FAILED: 1 violation, 1 warning/m);
      const line = junit.stdout.split('\n').find((l) => l.includes('contract violation:'))!;
      expect(line).toContain(
        `contract violation: POST ${STOCKS} (favor.createStock) → 400 PARAM_ERROR, mchid ${CREATOR}: body field /stock_name (sent "${LONG_NAME}"): must NOT have more than 20 characters`,
      );
      expect(line).toContain(bad.body.message);
      expect(junit.stderr).toContain(
        'wxpay-mock report: FAILED, 1 violation(s), 1 warning(s); first: contract violation: POST /v3/marketing/favor/coupon-stocks (favor.createStock)',
      );
    });

    it('--format json: well formed, coverage exercised / attempted / not exercised, the violation with operation, field, value, issue and message', () => {
      expect(json.status).toBe(1);
      const report: ContractReport = JSON.parse(json.stdout);
      expect(report).toMatchObject({
        ok: false,
        strict: false,
        source: url,
        summary: { requests: 3, exercised: 2, attempted: 1, violations: 1, warnings: 1 },
      });
      const state = (id: string) => report.coverage.operations.find((o) => o.operation_id === id)?.state;
      expect([state('favor.setCallback'), state('favor.getCallback'), state('favor.createStock'), state('paygift.createActivity')]).toEqual(
        ['exercised', 'exercised', 'attempted', 'not-exercised'],
      );
      expect(report.summary.not_exercised).toBe(report.summary.operations - 3);
      expect(report.violations).toEqual([
        expect.objectContaining({
          kind: 'contract',
          severity: 'violation',
          operation_id: 'favor.createStock',
          status: 400,
          code: 'PARAM_ERROR',
          location: 'body',
          field: '/stock_name',
          value: LONG_NAME,
          issue: 'must NOT have more than 20 characters',
          message: expect.stringContaining('输入源“/body/stock_name”'),
        }),
      ]);
      // An ignored query parameter is a warning: noted, not failing.
      expect(report.warnings).toEqual([
        expect.objectContaining({ kind: 'undeclared-query', operation_id: 'favor.getCallback', field: 'page', value: '2' }),
      ]);
    });

    it('--format junit --out FILE: well-formed XML (fast-xml-parser), a <failure> for the violation, <skipped> for operations not exercised; stdout gets the text report', () => {
      expect(junit.status).toBe(1);
      expect(junit.stdout).toMatch(/^FAILED: 1 violation/m);
      const xml = readFileSync(file, 'utf8');
      expect(XMLValidator.validate(xml)).toBe(true);
      const doc = new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: '',
        isArray: (name) => ['testsuite', 'testcase'].includes(name),
      }).parse(xml);
      const suites = doc.testsuites.testsuite as any[];
      expect(suites.map((s) => s.name)).toEqual(['wxpay-mock.coverage', 'wxpay-mock.requests', 'wxpay-mock.callbacks']);
      const [coverage, requests] = suites;
      const cases = (s: any) => (s.testcase ?? []) as any[];
      // Every suite's counts agree with its cases, and the root's with the suites.
      for (const s of suites) {
        expect(Number(s.tests)).toBe(cases(s).length);
        expect(Number(s.failures)).toBe(cases(s).filter((c) => c.failure).length);
        expect(Number(s.skipped)).toBe(cases(s).filter((c) => c.skipped).length);
      }
      expect(Number(doc.testsuites.failures)).toBe(1);
      const report: ContractReport = JSON.parse(json.stdout); // the same journal
      expect(cases(coverage)).toHaveLength(report.summary.operations);
      // Exercised: setCallback and getCallback; createStock was only attempted.
      expect(cases(coverage).filter((c) => c.skipped)).toHaveLength(report.summary.operations - 2);
      expect(cases(coverage).find((c) => c.name.startsWith('favor.setCallback ')).skipped).toBeUndefined();
      expect(cases(coverage).find((c) => c.name.startsWith('favor.createStock ')).skipped.message).toBe(
        'attempted 1 time(s), never answered 2xx (400)',
      );
      const failing = cases(requests).find((c) => c.name === 'favor.createStock');
      expect(failing.classname).toBe('wxpay-mock.requests.favor');
      expect(failing.failure.type).toBe('contract');
      expect(failing.failure.message).toContain('body field /stock_name');
      expect(cases(requests).find((c) => c.name === 'favor.setCallback').failure).toBeUndefined();
    });
  });

  it(
    'a seeded signature bug (body signed compact, sent pretty-printed) → exit 1 with 错误的签名，验签失败 and the sign_information the mock verified',
    async () => {
      const { url, signer } = await cleanMock();
      const body = { mchid: CREATOR, notify_url: 'https://m.example.com/notify' };
      const res = await send(url, signer, 'POST', CALLBACKS, JSON.stringify(body, null, 2), JSON.stringify(body));
      expect(res.status).toBe(401);
      const out = await cli(['report', '--url', url]);
      expect(out.status).toBe(1);
      const lines = out.stdout.split('\n');
      const at = lines.findIndex((l) => l.includes('signature failure:'));
      // The journal's hint (protocol/verify-request.ts) follows the real message.
      expect(lines[at]).toMatch(
        new RegExp(
          `^ {2}1\\. signature failure: POST ${CALLBACKS} \\(favor\\.setCallback\\) → 401 SIGN_ERROR: 错误的签名，验签失败 — hint: \\S`,
        ),
      );
      const diagnostic = JSON.parse(lines[at + 1].replace(/^\s*sign_information \(what the mock verified\): /, ''));
      expect(diagnostic).toMatchObject({ method: 'POST', url: CALLBACKS, sign_message_length: expect.any(Number) });
      expect(diagnostic.truncated_sign_message).toMatch(new RegExp(`^POST\\n${CALLBACKS}\\n\\d+\\n\\w+\\n\\{\\n  "mch\\n$`));
      expect(out.stderr).toContain('first: signature failure:');
    },
    CLI_TIMEOUT,
  );

  it(
    'an unreachable mock → exit 3 and a message; a bad --format → exit 2',
    async () => {
      const down = await cli(['report', '--url', 'http://127.0.0.1:9']);
      expect(down.status).toBe(3);
      expect(down.stderr).toMatch(/^wxpay-mock report: cannot reach http:\/\/127\.0\.0\.1:9\/_mock\/journal/);
      const bad = await cli(['report', '--format', 'yaml']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('--format must be text, json, junit, got "yaml"');
    },
    CLI_TIMEOUT,
  );
});

describe('strict contracts: fields marked x-not-open', () => {
  const paymentMode = { payment_scene_list: ['APP_SCENE'] };

  it('without --strict: accepted as the real API does, reported as a warning (report passes; report --strict fails)', async () => {
    const t = await newMock();
    await t.mock.clock.freeze(new Date(PAYGIFT_NOW));
    const body = await createBody(t);
    body.advanced_setting.payment_mode = paymentMode;
    const res = await t.call('POST', CREATE, { body });
    expect(res.status).toBe(200);
    const report = t.mock.report();
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([
      expect.objectContaining({
        kind: 'not-open',
        operation_id: 'paygift.createActivity',
        field: '/advanced_setting/payment_mode',
        value: paymentMode,
      }),
    ]);
    expect(report.warnings[0].summary).toContain(
      'field not open for this endpoint: POST /v3/marketing/paygiftactivity/unique-threshold-activity (paygift.createActivity) → 200',
    );
    expect(t.mock.report({ strict: true }).ok).toBe(false);
  });

  it(
    'start --strict: an x-not-open field → 400 PARAM_ERROR 请求中含有未在API文档中定义的参数 with its pointer, nothing created, a contract violation in the report',
    async () => {
      const t = await newMock();
      const body = await createBody(t);
      // The CLI mock accepts any image URL with --relax-media-urls (the images above are another mock's).
      body.activity_base_info.merchant_logo_url = 'https://img.example.com/logo.png';
      body.award_send_rule.award_list[0].original_image_url = 'https://img.example.com/award.png';
      body.award_send_rule.award_list[0].thumbnail_url = 'https://img.example.com/award.png';
      body.advanced_setting.payment_mode = paymentMode;
      const { url, signer } = await startCli(['--strict', '--relax-media-urls']);
      await control(url, 'POST', '/_mock/clock/freeze', { time: PAYGIFT_NOW });
      const res = await send(url, signer, 'POST', CREATE, body);
      expect([res.status, res.body]).toEqual([
        400,
        {
          code: 'PARAM_ERROR',
          message: '请求中含有未在API文档中定义的参数',
          detail: { location: null, value: ['/body/advanced_setting/payment_mode'] },
        },
      ]);
      const listed = await send(url, signer, 'GET', '/v3/marketing/paygiftactivity/activities?offset=0&limit=10');
      expect(listed.body.total_count).toBe(0);
      // The same body without the field is created: only the not-open field was refused.
      delete body.advanced_setting.payment_mode;
      expect((await send(url, signer, 'POST', CREATE, body)).status).toBe(200);
      // The report (the CLI's own run is tested above): the same text from the control API.
      const report = await control(url, 'GET', '/_mock/report?format=text');
      expect(report.status).toBe(200);
      expect(report.text).toMatch(/^FAILED: 1 violation/m);
      expect(report.text).toContain(
        `contract violation: POST ${CREATE} (paygift.createActivity) → 400 PARAM_ERROR, mchid ${CREATOR}: body field /advanced_setting/payment_mode (sent {"payment_scene_list":["APP_SCENE"]}): field not open for this endpoint`,
      );
    },
    CLI_TIMEOUT,
  );
});

describe('callbacks contract for merchant notify handlers', () => {
  let mock: RunningMock;
  const receivers: CallbackReceiver[] = [];

  async function withMock(options: Parameters<typeof startMock>[0] = {}) {
    mock = await startMock({ validateResponses: true, ...options });
    cleanups.push(() => mock.close());
    return mock;
  }
  async function receiver(respond?: NonNullable<Parameters<typeof createCallbackReceiver>[0]>['respond']) {
    const r = await createCallbackReceiver({ credentials: mock.credentials, mchid: CREATOR, respond });
    receivers.push(r);
    cleanups.push(() => r.close());
    return r;
  }
  async function setNotifyUrl(notifyUrl: string) {
    const m = mock.credentials.merchants[0];
    const signer = createSigner({ mchid: m.mchid, serialNo: m.merchant_serial_no, privateKey: m.merchant_private_key });
    expect((await send(mock.url, signer, 'POST', CALLBACKS, { mchid: CREATOR, notify_url: notifyUrl })).status).toBe(200);
  }

  it(
    'handler check: a handler that verifies (refuses the WECHATPAY/SIGNTEST/ probe with 401) passes; one that answers 200 anyway is flagged, and `wxpay-mock report` exits 1 naming it',
    async () => {
      await withMock();
      const verifying = await receiver();
      await setNotifyUrl(verifying.url);
      const passed = await control(mock.url, 'POST', '/_mock/callbacks/handler-check', { mchid: CREATOR });
      expect(passed.status).toBe(200);
      expect(passed.json).toMatchObject({ seq: 1, mchid: CREATOR, url: verifying.url, verdict: 'refused', status: 401, error: null });
      const [probe] = await verifying.waitFor(1);
      // What arrived is a real COUPON.USE that decrypts with the merchant's key; only the signature is broken.
      expect(probe.headers['wechatpay-signature']).toMatch(/^WECHATPAY\/SIGNTEST\//);
      expect(probe.verified).toBe(false);
      expect(probe.plaintext.stock_creator_mchid).toBe(CREATOR);
      expect(probe.id).toBe(passed.json.notification_id);
      expect(mock.report().ok).toBe(true);

      const sloppy = await receiver({ status: 200 });
      const flagged = await mock.checkCallbackHandler({ mchid: CREATOR, url: sloppy.url });
      expect(flagged).toMatchObject({ seq: 2, verdict: 'accepted', status: 200 });
      expect(flagged.error).toContain('it does not verify signatures');
      expect((await sloppy.waitFor(1))[0].verified).toBe(false);
      expect((await control(mock.url, 'GET', '/_mock/callbacks/handler-checks')).json.checks.map((c: any) => c.verdict)).toEqual([
        'refused',
        'accepted',
      ]);

      const out = await cli(['report', '--url', mock.url]);
      expect(out.status).toBe(1);
      // Only the handler that accepted the probe fails the report; the refusing one is listed as passing.
      expect(out.stdout).toMatch(/^FAILED: \d+ violations?, 0 warnings/m);
      const violations = out.stdout
        .slice(out.stdout.indexOf('\nViolations ('), out.stdout.indexOf('\nWarnings ('))
        .split('\n')
        .slice(2)
        .filter(Boolean);
      expect(violations.length).toBeGreaterThan(0);
      for (const v of violations.filter(Boolean))
        expect(v).toMatch(new RegExp(`^ {2}\\d+\\. handler check #2: notify handler ${sloppy.url} `));
      expect(out.stdout).toContain(
        `handler check #2: notify handler ${sloppy.url} (mchid ${CREATOR}) answered HTTP 200 to a COUPON.USE signed WECHATPAY/SIGNTEST/: it accepts callbacks without verifying their signature`,
      );
      expect(out.stdout).toContain(`handler check #1 → ${verifying.url} (mchid ${CREATOR}): refused (HTTP 401`);
    },
    CLI_TIMEOUT,
  );

  it('handler check: no answer is inconclusive (a warning), no notify URL and no url → 409', async () => {
    await withMock();
    const none = await control(mock.url, 'POST', '/_mock/callbacks/handler-check', { mchid: CREATOR });
    expect(none.status).toBe(409);
    expect(none.json.message).toContain('has set no notify URL');
    const check = await mock.checkCallbackHandler({ mchid: CREATOR, url: 'http://127.0.0.1:9/notify' });
    expect(check.verdict).toBe('inconclusive');
    const report = mock.report();
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([expect.objectContaining({ kind: 'callback-inconclusive', url: 'http://127.0.0.1:9/notify' })]);
  });

  it('per delivery: 204 in time passes; a 500 is a violation naming the attempt; a handler that answers the probe 200 is flagged', async () => {
    await withMock({ callbackProbe: true });
    await mock.clock.freeze();
    const good = await receiver();
    await setNotifyUrl(good.url);
    const ok = (await mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR, { goodsDetail: false })))!;
    expect((await ok.settled).state).toBe('delivered');
    let report = mock.report();
    expect(report.ok).toBe(true);
    expect(report.callbacks.deliveries[0]).toMatchObject({
      id: ok.record.id,
      state: 'delivered',
      delivered_in_time: true,
      probe_accepted: false,
    });
    expect(report.callbacks.deliveries[0].attempts.map((a) => [a.probe, a.status, a.ok])).toEqual([
      [true, 401, true],
      [false, 204, true],
    ]);

    // Answers 200 to everything, the probe included, and a 500 first to the real attempt.
    const bad = await receiver({ status: 200 });
    bad.respond([{ status: 200 }, { status: 500 }]);
    await setNotifyUrl(bad.url);
    const failing = (await mock.deliveries.send(CREATOR, couponUsePlaintext(CREATOR, { goodsDetail: false })))!;
    await mock.deliveries.waitFor(failing.record.id, { attempts: 2 });
    report = mock.report();
    expect(report.ok).toBe(false);
    const mine = report.violations.filter((v) => v.notification_id === failing.record.id);
    expect(mine.map((v) => v.kind).sort()).toEqual(['callback-delivery', 'callback-unverified']);
    expect(mine.find((v) => v.kind === 'callback-delivery')!.summary).toMatch(
      new RegExp(
        `^notify handler ${bad.url} \\(mchid ${CREATOR}\\) did not answer COUPON\\.USE ${failing.record.id} with 200/204 within 5 s on 1 of 1 attempt\\(s\\); first: attempt 1: HTTP 500 after [\\d.]+ ms`,
      ),
    );
    expect(mine.find((v) => v.kind === 'callback-unverified')!.summary).toContain('answered HTTP 200 to a WECHATPAY/SIGNTEST/ probe');
  });
});

describe('report API and control endpoint', () => {
  let t: TestMock;

  it('GET /_mock/report?format=json|text|junit answers the same report; strict=true fails on warnings; a bad format → 400', async () => {
    t = await newMock();
    await t.call('POST', CALLBACKS, { body: { mchid: CREATOR, notify_url: 'https://m.example.com/n' } });
    await t.call('GET', `${CALLBACKS}?mchid=${CREATOR}&page=2`);
    const res = await t.mock.request('/_mock/report');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const report = (await res.json()) as ContractReport;
    expect(report).toMatchObject({ ok: true, summary: { requests: 2, violations: 0, warnings: 1 } });
    const strict = (await (await t.mock.request('/_mock/report?strict=true')).json()) as ContractReport;
    expect([strict.ok, strict.strict]).toEqual([false, true]);
    const text = await (await t.mock.request('/_mock/report?format=text')).text();
    expect(text).toMatch(/^PASSED: 0 violations, 1 warning/m);
    const junit = await (await t.mock.request('/_mock/report?format=junit')).text();
    expect(XMLValidator.validate(junit)).toBe(true);
    expect((await t.mock.request('/_mock/report?format=yaml')).status).toBe(400);
  });

  it('a journal that dropped entries is a warning: coverage is incomplete', async () => {
    t = await newMock({ journalSize: 2 });
    for (let i = 0; i < 3; i++) await t.call('GET', `${CALLBACKS}?mchid=${CREATOR}`);
    const report = t.mock.report();
    expect(report.summary.requests).toBe(2);
    expect(report.warnings).toEqual([
      expect.objectContaining({ kind: 'journal-truncated', summary: expect.stringContaining('dropped its 1 oldest request(s)') }),
    ]);
  });

  it("buildReport works from any journal of the JournalEntry shape (e.g. the proxy's): a reply that broke its contract is a violation; XML special characters are escaped", () => {
    const report = buildReport({
      operations: [{ operation_id: 'favor.getStock', method: 'GET', path: '/v3/marketing/favor/stocks/{stock_id}' }],
      journal: [
        {
          seq: 1,
          time: '2026-01-01T00:00:00.000Z',
          virtual_time: '2026-01-01T08:00:00.000+08:00',
          request_id: 'R-1',
          method: 'GET',
          target: '/v3/marketing/favor/stocks/1?stock_creator_mchid=1900000001',
          operation_id: 'favor.getStock',
          mchid: '1900000001',
          status: 200,
          code: null,
          message: null,
          duration_ms: 1,
          findings: [{ kind: 'response-contract', location: 'body', field: '/stock_name', value: '<&">', issue: 'must be string' }],
        },
      ],
    });
    expect(report.ok).toBe(false);
    expect(report.violations[0].summary).toBe(
      'reply breaks its contract: GET /v3/marketing/favor/stocks/1?stock_creator_mchid=1900000001 (favor.getStock) → 200, mchid 1900000001: body field /stock_name (sent "<&\\">"): must be string',
    );
    const xml = formatReport(report, 'junit');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    expect(doc.testsuites.testsuite[1].testcase.failure.message).toBe(report.violations[0].summary);
  });
});

describe('docs/github-actions-example.yml', () => {
  /** The `run:` script of a step, by name (block scalars `run: |` or one line), as written in the file. */
  function step(yml: string, name: string): string {
    const lines = yml.split('\n');
    const at = lines.findIndex((l) => l.trim() === `- name: ${name}`);
    if (at === -1) throw new Error(`no step "${name}"`);
    const runAt = lines.findIndex((l, i) => i > at && /^\s*run:/.test(l));
    const run = lines[runAt];
    const indent = run.search(/\S/);
    if (!/run:\s*\|\s*$/.test(run)) return run.replace(/^\s*run:\s*/, '');
    const body: string[] = [];
    for (const l of lines.slice(runAt + 1)) {
      if (l.trim() && l.search(/\S/) <= indent) break;
      body.push(l.slice(indent + 2));
    }
    return body.join('\n').trim();
  }

  it(
    "its steps run as written (npx wxpay-mock → the built CLI, another port): exec runs the suite with the env, --report-strict fails the job on the suite's unsigned request, the JUnit file is written, nothing is left running",
    async () => {
      const yml = readFileSync(join(import.meta.dirname, '..', 'docs', 'github-actions-example.yml'), 'utf8');
      const dir = mkdtempSync(join(tmpdir(), 'wxpay-mock-ci-'));
      const port = 18000 + Math.floor(Math.random() * 20000);
      const adapt = (script: string) => script.replaceAll('npx wxpay-mock', `node ${CLI}`).replaceAll('8750', String(port));
      // The suite: the env evaluates, and one request forgets to sign (a seeded client bug).
      const suite = `bash -c 'echo "suite: $WXPAY_MCHID $WXPAY_PUBLIC_KEY_ID"; curl -s -o /dev/null -H "Accept: */*" -H "User-Agent: ci" "$WXPAY_MOCK_URL/v3/marketing/favor/callbacks?mchid=$WXPAY_MCHID"'`;
      const script = adapt(step(yml, 'Run the suite against wxpay-mock'));
      expect(script).toMatch(/ -- npm test$/);
      // As GitHub runs a step: bash -eo pipefail.
      const ran = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script.replace(/npm test$/, suite)], { cwd: dir });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.once('close', (status) => resolve({ status, stdout, stderr }));
      });
      expect(ran.stdout).toMatch(/^suite: 1900000001 PUB_KEY_ID_\d+$/m);
      expect(ran.status, ran.stderr).toBe(1);
      expect(ran.stdout).toContain(
        'signature failure: GET /v3/marketing/favor/callbacks?mchid=1900000001 (favor.getCallback) → 401 SIGN_ERROR',
      );
      expect(ran.stderr).toContain('the command passed but the report FAILED (--report-strict)');
      expect(ran.stderr).toMatch(/^\{"type":"request",.*"operation":"favor\.getCallback".*"status":401,"code":"SIGN_ERROR"/m);
      expect(XMLValidator.validate(readFileSync(join(dir, 'wxpay-contract.xml'), 'utf8'))).toBe(true);
      await expect(fetch(`http://127.0.0.1:${port}/_mock/health`)).rejects.toThrow(); // stopped with the step
    },
    CLI_TIMEOUT,
  );
});
